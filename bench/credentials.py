"""Credential issuance and verification throughput: in-process and over HTTP.

Prints (median of --runs runs):
- issue and verify p50 per credential in-process, and issuances per second for build +
  validate + sign (the target: >= 100/s per process; an ACA-Py issuer is reported at ~30/s),
  with and without the database write;
- where the time of one issuance goes (build, schema, canonicalisation, signing, store);
- issue and verify p50 over HTTP against a real `uvicorn livecred.main:app` on a free local port.

    .venv/bin/python bench/credentials.py [--runs 5] [--count 200] [--http-count 100]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from did import Ed25519KeyPair
from issuer import (
    MIN_LIST_BITS,
    Issuer,
    IssuerConfig,
    IssuerStore,
    canonicalize,
    create_proof,
    schema_errors,
    with_suite_context,
)
from issuer.proofs import proof_options

sys.path.insert(0, str(Path(__file__).resolve().parent))
from latency import ROOT, BenchError, free_port, log_tail, stop_server

HOLDER = "did:key:z6MkfQ7oYZC8rEzX8cGLWTTs6bqfMxx22mGmT7kGJ2Ayj9qd"
TOKEN = "bench-admin-token-0123456789abcdef"
PROOF = {
    "threshold": 6000,
    "nonce": "4242",
    "commitment": "1" * 70,
    "publicSignals": ["6000", "1" * 70, "4242"],
    "proof": {"pi_a": ["1" * 70] * 3, "pi_b": [["1" * 70] * 2] * 3, "pi_c": ["1" * 70] * 3, "protocol": "groth16"},
}


def timed(fn: Callable[[], Any], count: int) -> list[float]:
    out = []
    for _ in range(count):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def p50_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def in_process(tmp: Path, count: int) -> dict[str, float]:
    store = IssuerStore.from_url(f"sqlite:///{tmp / 'bench.db'}", list_size=MIN_LIST_BITS)
    issuer = Issuer(Ed25519KeyPair.generate(), store, IssuerConfig(public_url="http://localhost:5003"))
    issuer.start()

    def build() -> dict[str, Any]:
        return issuer.liveness_credential(
            holder_did=HOLDER, device_type="mobile", checks=["antispoof", "smile", "face_match"], face_match_proof=PROOF
        )

    # Build + validate + sign without the database: the issue's throughput target.
    def sign_only() -> None:
        doc = with_suite_context(issuer._complete(build()), issuer.config.proof_type)
        assert not schema_errors(doc)
        create_proof(
            doc,
            issuer.key,
            verification_method=issuer.verification_method,
            created="2026-01-01T00:00:00Z",
            loader=issuer.loader,
        )

    timed(sign_only, 5)  # warm the context caches
    sign_samples = timed(sign_only, count)
    issued: list[dict[str, Any]] = []
    issue_samples = timed(lambda: issued.append(issuer.issue(build())), count)
    verify_samples = timed(lambda: issuer.verify(issued[len(issued) // 2]), count)

    # Where one issuance's time goes.
    doc = with_suite_context(issuer._complete(build()), issuer.config.proof_type)
    options = {
        **proof_options(
            issuer.config.proof_type, issuer.verification_method, "2026-01-01T00:00:00Z", "assertionMethod"
        ),
        "@context": doc["@context"],
    }
    digest = hashlib.sha256(b"x").digest() * 2
    n = max(20, count // 4)
    steps = {
        "build credential": p50_ms(timed(build, n)),
        "complete + JSON Schema": p50_ms(timed(lambda: schema_errors(issuer._complete(build())), n)),
        "RDFC-1.0 of the credential": p50_ms(timed(lambda: canonicalize(doc, issuer.loader), n)),
        "RDFC-1.0 of the proof options": p50_ms(timed(lambda: canonicalize(options, issuer.loader), n)),
        "Ed25519 sign": p50_ms(timed(lambda: issuer.key.sign(digest), n)),
        "store: reserve status index": p50_ms(
            timed(
                lambda: issuer.store.reserve(
                    f"urn:uuid:{os.urandom(8).hex()}",
                    holder_did=HOLDER,
                    issuer_did=issuer.did,
                    types=["x"],
                    issued_at=issuer.clock(),
                    expires_at=None,
                    purpose="revocation",
                ),
                n,
            )
        ),
    }
    issuer.close()
    return {
        "sign_p50": p50_ms(sign_samples),
        "issue_p50": p50_ms(issue_samples),
        "verify_p50": p50_ms(verify_samples),
        **{f"step:{k}": v for k, v in steps.items()},
    }


def over_http(tmp: Path, count: int) -> dict[str, float]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "LIVECRED_STATE_DIR": str(tmp / "state"),
        "LIVECRED_ADMIN_TOKEN": TOKEN,
        "LIVECRED_PUBLIC_URL": base,
        "LIVECRED_MODELS_DIR": str(tmp / "no-models"),  # the credential routes need no models
    }
    log_path = tmp / "server.log"
    cmd = [
        sys.executable,
        "-m",
        "uvicorn",
        "livecred.main:app",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--no-access-log",
    ]
    with log_path.open("wb") as log:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=log)
    try:
        with httpx.Client(base_url=base, timeout=10.0) as client:
            deadline = time.perf_counter() + 60
            while True:
                if proc.poll() is not None:
                    raise BenchError(f"server exited:\n{log_tail(log_path)}")
                try:
                    client.get("/issuer").raise_for_status()
                    break
                except httpx.HTTPError:
                    if time.perf_counter() > deadline:
                        raise BenchError(f"server not up:\n{log_tail(log_path)}") from None
                    time.sleep(0.05)
            body = {
                "credential": {
                    "@context": ["https://www.w3.org/2018/credentials/v1", f"{base}/contexts/liveness/v1"],
                    "type": ["VerifiableCredential", "LivenessCredential"],
                    "credentialSubject": {"id": HOLDER, "deviceType": "mobile", "timestamp": "2026-11-21T10:00:00Z"},
                    "credentialSchema": {"id": f"{base}/schemas/LivenessCredential.json", "type": "JsonSchema"},
                }
            }
            headers = {"Authorization": f"Bearer {TOKEN}"}
            vcs: list[dict[str, Any]] = []

            def issue() -> None:
                r = client.post("/credentials/issue", json=body, headers=headers)
                r.raise_for_status()
                vcs.append(r.json()["verifiableCredential"])

            timed(issue, 5)
            issue_samples = timed(issue, count)

            def verify() -> None:
                r = client.post("/credentials/verify", json={"verifiableCredential": vcs[0]})
                r.raise_for_status()
                assert r.json()["verified"]

            verify_samples = timed(verify, count)
    finally:
        stop_server(proc)
    return {"http_issue_p50": p50_ms(issue_samples), "http_verify_p50": p50_ms(verify_samples)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--count", type=int, default=200, help="credentials per in-process run")
    parser.add_argument("--http-count", type=int, default=100, help="requests per HTTP run")
    parser.add_argument("--no-http", action="store_true")
    args = parser.parse_args(argv)
    runs: list[dict[str, float]] = []
    for run in range(args.runs):
        print(f"run {run + 1}/{args.runs} ...", file=sys.stderr, flush=True)
        with tempfile.TemporaryDirectory(prefix="livecred-bench-") as tmp:
            result = in_process(Path(tmp), args.count)
            if not args.no_http:
                result |= over_http(Path(tmp), args.http_count)
            runs.append(result)
    med = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
    print(f"\ncredentials, median of {args.runs} runs, {os.cpu_count()} CPUs\n")
    print("| measure | p50 | per second | target |")
    print("|---|---|---|---|")
    print(
        f"| build + validate + sign (in-process) | {med['sign_p50']:.2f} ms | {1000 / med['sign_p50']:.0f} | >= 100/s |"
    )
    print(f"| issue + status + SQLite, in-process | {med['issue_p50']:.2f} ms | {1000 / med['issue_p50']:.0f} | |")
    print(
        f"| verify (in-process, status list cached) | {med['verify_p50']:.2f} ms | {1000 / med['verify_p50']:.0f} | |"
    )
    if "http_issue_p50" in med:
        print(f"| POST /credentials/issue | {med['http_issue_p50']:.2f} ms | {1000 / med['http_issue_p50']:.0f} | |")
        print(f"| POST /credentials/verify | {med['http_verify_p50']:.2f} ms | {1000 / med['http_verify_p50']:.0f} | |")
    print("\nwhere one issuance's time goes (p50 per step)\n")
    print("| step | p50 |")
    print("|---|---|")
    for key, value in med.items():
        if key.startswith("step:"):
            print(f"| {key[5:]} | {value:.2f} ms |")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(1)
