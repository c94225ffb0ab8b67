"""CPU cost of ``POST /credentials/verify`` on hostile credentials that fit the 256 KB body limit.

The target: every input is answered (a verdict or a 4xx) within 1 s of CPU. Each row is a
credential built to pass the cheap proof checks (our issuer's verification method, a 64-byte
proofValue), so that it reaches the structural caps and canonicalisation; the first row is a
genuine credential for comparison. What one request costs is the JSON parse of the body and
``Issuer.verify``, measured in-process with ``time.process_time`` (median of --runs runs).

    .venv/bin/python bench/verify_bombs.py [--runs 3] [--cpu-limit 30] [--only NAME ...]

--cpu-limit stops a run after that many CPU seconds and reports ``> limit`` (for measuring an
unbounded implementation without waiting minutes per row).

Rows marked "at the caps" are as large as ``check_structure`` lets through (the worst that reaches
canonicalisation); the others are as large as the body limit allows. Over HTTP, bodies nested
deeper than 64 never reach the verifier: the API's JSON guard answers 400 ``json_too_deep``.
"""

from __future__ import annotations

import argparse
import copy
import json
import signal
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from did import Ed25519KeyPair
from did._multiformats import multibase_b58_encode
from issuer import (
    MIN_LIST_BITS,
    CredentialTooComplex,
    Issuer,
    IssuerConfig,
    IssuerError,
    IssuerStore,
    check_structure,
)
from livecred.errors import status_for

BODY_LIMIT = 256 * 1024
HOLDER = "did:key:z6MkfQ7oYZC8rEzX8cGLWTTs6bqfMxx22mGmT7kGJ2Ayj9qd"
PUBLIC_URL = "https://issuer.example"
GROTH16 = {
    "threshold": 6000,
    "nonce": "4" * 30,
    "commitment": "1" * 77,
    "publicSignals": ["6000", "1" * 77, "2" * 77, "1"],
    "proof": {
        "pi_a": ["1" * 77, "2" * 77, "1"],
        "pi_b": [["1" * 77, "2" * 77], ["3" * 77, "4" * 77], ["1", "0"]],
        "pi_c": ["1" * 77, "2" * 77, "1"],
        "protocol": "groth16",
        "curve": "bn128",
    },
    "scale": 10000,
}


class CPULimit(BaseException):
    """Raised by the profiling timer; a BaseException so that no ``except Exception`` eats it."""


def _on_limit(signum: int, frame: FrameType | None) -> None:
    raise CPULimit


def body_size(credential: Any) -> int:
    return len(json.dumps({"verifiableCredential": credential}).encode())


def fits(credential: Any) -> bool:
    """Within the body limit, and not so deep that the JSON parser refuses it (a 400) first."""
    try:
        return body_size(credential) <= BODY_LIMIT
    except RecursionError:
        return False


def within_caps(credential: Any) -> bool:
    try:
        check_structure(credential)
    except CredentialTooComplex:
        return False
    return fits(credential)


def largest(build: Callable[[int], Any], accept: Callable[[Any], bool] = fits, start: int = 1) -> tuple[int, Any]:
    """The largest n (and ``build(n)``) that ``accept`` takes: doubling, then bisecting."""
    if not accept(build(start)):
        return start, build(start)
    lo, hi = start, start * 2
    while accept(build(hi)):
        lo, hi = hi, hi * 2
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (mid, hi) if accept(build(mid)) else (lo, mid)
    return lo, build(lo)


class Bombs:
    """Builds each input from a genuine credential of ``issuer``."""

    def __init__(self, issuer: Issuer) -> None:
        self.issuer = issuer
        self.genuine = issuer.issue(
            issuer.liveness_credential(
                holder_did=HOLDER,
                device_type="mobile",
                checks=["antispoof", "blink", "smile", "turn_left", "face_match"],
                face_match_proof=GROTH16,
            )
        )

    def forged(self, **changes: Any) -> dict[str, Any]:
        """The genuine credential with ``changes``, under a well-formed proof that does not verify."""
        vc = copy.deepcopy(self.genuine)
        vc.update(changes)
        vc["proof"] = {**vc["proof"], "proofValue": multibase_b58_encode(bytes(64))}
        return vc

    def evidence(self, items: list[dict[str, Any]]) -> dict[str, Any]:
        return self.forged(evidence=items)

    def clique(self, n: int) -> dict[str, Any]:
        # Blank nodes that all point at each other: every first-degree hash is the same.
        ids = [f"_:n{i}" for i in range(n)]
        return self.evidence(
            [{"id": i, "type": "LivenessCheckEvidence", "verifier": [j for j in ids if j != i]} for i in ids]
        )

    def deep_subject(self, depth: int) -> dict[str, Any]:
        node: dict[str, Any] = {"id": HOLDER, "deviceType": "mobile", "timestamp": "2026-11-21T10:00:00Z"}
        for _ in range(depth - 1):
            node = {"type": "VerifiableCredential", "credentialSubject": node}
        return self.forged(credentialSubject=node)

    def deep_evidence(self, depth: int) -> dict[str, Any]:
        # Nesting counted from the credential: credential > evidence list > items > verifier ...
        node: dict[str, Any] = {"type": "LivenessCheckEvidence"}
        for _ in range(max(0, (depth - 3))):
            node = {"type": "LivenessCheckEvidence", "verifier": node}
        return self.evidence([node])

    def inline_terms(self, n: int, *, on_subject: bool) -> dict[str, Any]:
        terms = {f"p{i}": f"urn:p:{i}" for i in range(n)}
        vc = self.forged(**{"@context": [*self.genuine["@context"], terms]})
        if on_subject:
            vc["credentialSubject"] = {**vc["credentialSubject"], **{f"p{i}": "v" for i in range(n)}}
        return vc

    def wide_undefined(self, n: int) -> dict[str, Any]:
        return self.forged(credentialSubject={**self.genuine["credentialSubject"], **{f"x{i}": 1 for i in range(n)}})

    def many_ids(self, n: int) -> dict[str, Any]:
        return self.evidence([{"id": f"urn:e:{i}", "type": "LivenessCheckEvidence"} for i in range(n)])

    def many_blank(self, n: int, *, same: bool) -> dict[str, Any]:
        return self.evidence([{"type": "LivenessCheckEvidence", "engine": "e" if same else f"e{i}"} for i in range(n)])

    def long_array(self, n: int) -> dict[str, Any]:
        return self.evidence([{"type": "LivenessCheckEvidence", "checks": [f"c{i}" for i in range(n)]}])

    def rdf_list(self, n: int) -> dict[str, Any]:
        # An RDF list is a chain of blank nodes with identical first-degree hashes.
        return self.evidence([{"type": "LivenessCheckEvidence", "checks": {"@list": ["c"] * n}}])

    def big_string(self, n: int) -> dict[str, Any]:
        return self.evidence([{"type": "LivenessCheckEvidence", "engine": "x" * n}])

    def contexts_repeated(self, n: int) -> dict[str, Any]:
        return self.forged(**{"@context": self.genuine["@context"] * n})

    def inline_context_per_node(self, n: int) -> dict[str, Any]:
        ctx = {"a": "urn:a", "b": {"@id": "urn:b", "@type": "@id"}}
        return self.evidence([{"@context": ctx, "type": "LivenessCheckEvidence", "a": i} for i in range(n)])

    def json_literal(self, n: int) -> dict[str, Any]:
        proof = dict(self.genuine["evidence"][1])
        proof["groth16Proof"] = {f"k{i}": [str(i), {"x": i}] for i in range(n)}
        return self.evidence([self.genuine["evidence"][0], proof])

    def many_types(self, n: int) -> dict[str, Any]:
        return self.evidence([{"type": ["LivenessCheckEvidence"] * n}])

    def proof_bomb(self, n: int) -> dict[str, Any]:
        # The proof options are canonicalised too: a clique under previousProof (@type: @id).
        vc = self.forged()
        ids = [f"_:p{i}" for i in range(n)]
        vc["proof"]["previousProof"] = [
            {"id": i, "type": "LivenessCheckEvidence", "verifier": [j for j in ids if j != i]} for i in ids
        ]
        return vc

    def subject_forest(self, chains: int) -> dict[str, Any]:
        # Type-scoped contexts re-applied at every level, on as many deep chains as the caps allow
        # (nodes with ids, so that the blank-node cap does not stop them first).
        subjects = []
        for c in range(chains):
            node: dict[str, Any] = {"id": HOLDER, "deviceType": "mobile", "timestamp": "2026-11-21T10:00:00Z"}
            for level in range(13):
                node = {"id": f"urn:n:{c}.{level}", "type": "VerifiableCredential", "credentialSubject": node}
            subjects.append(node)
        return self.forged(credentialSubject=subjects)

    def cliques_in_both(self, n: int) -> dict[str, Any]:
        # The most Hash N-Degree Quads work within budget, in both canonicalised documents.
        vc = self.proof_bomb(n)
        vc["evidence"] = self.clique(n)["evidence"]
        return vc

    def many_arrays(self, n: int) -> dict[str, Any]:
        return self.evidence(
            [{"type": "LivenessCheckEvidence", "checks": [f"c{i}.{j}" for j in range(120)]} for i in range(n)]
        )

    def long_proof_value(self, n: int) -> dict[str, Any]:
        vc = self.forged()
        vc["proof"]["proofValue"] = "z" + "2" * n
        return vc

    def long_did_key(self, n: int) -> dict[str, Any]:
        did = "did:key:z6Mk" + "2" * n
        vc = self.forged(issuer=did)
        vc["proof"]["verificationMethod"] = f"{did}#z6Mk"
        return vc

    def rows(self) -> list[tuple[str, Any]]:
        rows: list[tuple[str, Any]] = [
            ("genuine credential (Groth16 evidence)", self.genuine),
            ("genuine, proof forged", self.forged()),
            ("blank-node clique of 5", self.clique(5)),
            ("cliques of 5 in the credential and the proof options", self.cliques_in_both(5)),
            ("blank-node clique of 6", self.clique(6)),
            ("blank-node clique of 8", self.clique(8)),
            ("blank-node clique of 30", self.clique(30)),
            ("clique of 8 in the proof options", self.proof_bomb(8)),
            ("credentialSubject nested 200 deep", self.deep_subject(200)),
            ("credentialSubject nested 16 deep", self.deep_subject(16)),
        ]
        sized: list[tuple[str, Callable[[int], Any], bool]] = [
            ("evidence nested", self.deep_evidence, False),
            ("typed subject chains 14 deep with ids", self.subject_forest, True),
            ("wide subject, undefined terms", self.wide_undefined, True),
            ("wide subject, undefined terms", self.wide_undefined, False),
            ("wide subject, inline-defined terms", lambda n: self.inline_terms(n, on_subject=True), True),
            ("wide subject, inline-defined terms", lambda n: self.inline_terms(n, on_subject=False), False),
            ("one inline context, many terms", lambda n: self.inline_terms(n, on_subject=False), True),
            ("evidence nodes with ids", self.many_ids, True),
            ("evidence nodes with ids", self.many_ids, False),
            ("distinct blank nodes", lambda n: self.many_blank(n, same=False), True),
            ("distinct blank nodes", lambda n: self.many_blank(n, same=False), False),
            ("identical blank nodes", lambda n: self.many_blank(n, same=True), True),
            ("identical blank nodes", lambda n: self.many_blank(n, same=True), False),
            ("long array of strings", self.long_array, True),
            ("long array of strings", self.long_array, False),
            ("arrays of 120 strings", self.many_arrays, True),
            ("RDF list (blank-node chain)", self.rdf_list, True),
            ("RDF list (blank-node chain)", self.rdf_list, False),
            ("one big string", self.big_string, False),
            ("@context repeated", self.contexts_repeated, True),
            ("@context repeated", self.contexts_repeated, False),
            ("inline context on every node", self.inline_context_per_node, True),
            ("inline context on every node", self.inline_context_per_node, False),
            ("big @json literal", self.json_literal, True),
            ("big @json literal", self.json_literal, False),
            ("repeated types", self.many_types, True),
            ("repeated types", self.many_types, False),
            ("long proofValue", self.long_proof_value, False),
            ("long did:key issuer", self.long_did_key, False),
        ]
        for name, build, capped in sized:
            n, credential = largest(build, within_caps if capped else fits)
            rows.append((f"{name}, n={n}{' (at the caps)' if capped else ''}", credential))
        return rows


def answer(issuer: Issuer, body: bytes) -> str:
    try:
        result = issuer.verify(json.loads(body)["verifiableCredential"])
    except IssuerError as exc:
        return f"{status_for(exc)} {exc.code}"
    if result.verified:
        return "verified"
    return f"200 not verified ({(result.errors or ['?'])[0][:60]})"


def measure(issuer: Issuer, body: bytes, runs: int, limit: float) -> tuple[str, str]:
    times = []
    outcome = ""
    for _ in range(runs):
        start = time.process_time()
        signal.setitimer(signal.ITIMER_PROF, limit)
        try:
            outcome = answer(issuer, body)
        except CPULimit:
            return f"> {limit:.0f}", "(stopped)"
        finally:
            signal.setitimer(signal.ITIMER_PROF, 0)
        times.append(time.process_time() - start)
    return f"{statistics.median(times):.3f}", outcome


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--cpu-limit", type=float, default=30.0, help="CPU seconds before a run is stopped")
    parser.add_argument("--only", nargs="*", help="rows whose name contains one of these words")
    args = parser.parse_args()
    signal.signal(signal.SIGPROF, _on_limit)
    with tempfile.TemporaryDirectory() as tmp:
        store = IssuerStore.from_url(f"sqlite:///{Path(tmp) / 'issuer.db'}", list_size=MIN_LIST_BITS)
        issuer = Issuer(Ed25519KeyPair(bytes(range(32))), store, IssuerConfig(public_url=PUBLIC_URL))
        issuer.start()
        try:
            bombs = Bombs(issuer)
            rows = bombs.rows()
            rows.append(
                (
                    "status list credential",
                    issuer.status_list_credential(
                        bombs.genuine["credentialStatus"]["statusListCredential"].rsplit("/", 1)[1]
                    ),
                )
            )
            print(f"{'input':58} {'bytes':>7}  {'CPU s':>7}  answer")
            for name, credential in rows:
                if args.only and not any(word in name for word in args.only):
                    continue
                body = json.dumps({"verifiableCredential": credential}).encode()
                assert len(body) <= BODY_LIMIT, name
                issuer.verify(json.loads(json.dumps(bombs.genuine)))  # warm the context caches
                cpu, outcome = measure(issuer, body, args.runs, args.cpu_limit)
                print(f"{name:58} {len(body):>7}  {cpu:>7}  {outcome}", flush=True)
        finally:
            issuer.close()


if __name__ == "__main__":
    main()
