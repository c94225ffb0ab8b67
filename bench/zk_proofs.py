"""Groth16 face-match proof benchmark: proving and verifying, warm worker vs. a process per request.

Rows (each: p50 / p95 over ``--requests`` jobs, median across ``--runs`` runs):

* ``prove, worker`` - :class:`zk.FaceMatchProver` over the supervised Node worker, as the service
  uses it: Poseidon commitment in Python, the job over stdin/stdout, witness + Groth16 proof in
  the warm worker, the answer parsed and checked. ``(inside worker)`` is the worker's own time.
* ``prove, snarkjs CLI per request`` - the original design's cost: a fresh
  ``snarkjs groth16 fullprove`` process per proof (Node start, module load, wasm compile, curve
  set-up), files in a temporary directory.
* ``verify, worker`` - policy checks in Python plus snarkjs's pairing check in the worker.
* ``verify, py_ecc`` - the pure-Python reference verifier (fewer jobs: it takes about a second).
* ``verify, snarkjs CLI per request`` - ``snarkjs groth16 verify`` as a fresh process.

    .venv/bin/python bench/zk_proofs.py [--requests N] [--runs R] [--cli-requests N] [--pyecc-requests N]

Needs Node.js and ``npm ci --prefix zk``. Not a test: it measures and prints.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from zk import (
    Artifacts,
    FaceMatchProof,
    FaceMatchProver,
    NodeWorker,
    NodeWorkerConfig,
    load_verification_key,
    nonce_to_field,
    poseidon,
    random_field_element,
    verify_face_match_proof,
)
from zk._worker import DEFAULT_NODE_MODULES

SCORE, THRESHOLD = 8312, 6000
NONCE = nonce_to_field("bench-nonce")
TARGET_MS = {"prove, worker": 150.0, "verify, worker": 30.0}
ORIGINAL_PROVE_MS = 120.0  # documented by the original service, for a weaker circuit
SNARKJS_CLI = DEFAULT_NODE_MODULES / "snarkjs" / "build" / "cli.cjs"


@dataclass(frozen=True)
class Row:
    name: str
    jobs: int
    p50_ms: float
    p95_ms: float


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def timed(job: Callable[[], object], n: int) -> list[float]:
    samples = []
    for _ in range(n):
        start = time.perf_counter()
        job()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def measure(name: str, job: Callable[[], object], n: int, runs: int) -> Row:
    p50s, p95s = [], []
    for _ in range(runs):
        samples = timed(job, n)
        p50s.append(statistics.median(samples))
        p95s.append(percentile(samples, 0.95))
    return Row(name, n, statistics.median(p50s), statistics.median(p95s))


def cli_job(node: str, args: list[str], cwd: Path) -> Callable[[], object]:
    def run() -> None:
        result = subprocess.run([node, str(SNARKJS_CLI), *args], cwd=cwd, capture_output=True, check=False)
        if result.returncode != 0:
            raise SystemExit(f"snarkjs {args[0]} {args[1]} failed: {result.stderr.decode()[-500:]}")

    return run


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--requests", type=int, default=30, help="jobs per run for the worker rows")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--cli-requests", type=int, default=8, help="jobs per run for the CLI rows")
    parser.add_argument("--pyecc-requests", type=int, default=5, help="jobs per run for the py_ecc row")
    args = parser.parse_args()

    node = shutil.which("node")
    if node is None or not SNARKJS_CLI.is_file():
        print("error: needs Node.js and `npm ci --prefix zk`", file=sys.stderr)
        return 1
    artifacts = Artifacts.packaged()
    key = load_verification_key()
    worker = NodeWorker(NodeWorkerConfig(artifacts))
    prover = FaceMatchProver(worker, key)
    rows: list[Row] = []
    inside: list[float] = []
    try:
        start = time.perf_counter()
        prover.start()
        startup_ms = (time.perf_counter() - start) * 1000
        for _ in range(3):
            prover.prove(score=SCORE, threshold=THRESHOLD, nonce=NONCE)

        def prove() -> FaceMatchProof:
            proved = prover.prove(score=SCORE, threshold=THRESHOLD, nonce=NONCE)
            inside.append(proved.backend_ms)
            return proved.proof

        rows.append(measure("prove, worker", prove, args.requests, args.runs))
        rows.append(Row("  (inside worker)", len(inside), statistics.median(inside), percentile(inside, 0.95)))
        proof = prove()
        policy = {"expected_threshold": THRESHOLD, "expected_nonce": NONCE}
        rows.append(measure("verify, worker", lambda: prover.verify(proof, **policy), args.requests, args.runs))
        rows.append(
            measure(
                "verify, py_ecc",
                lambda: verify_face_match_proof(proof, key, **policy),
                args.pyecc_requests,
                args.runs,
            )
        )
    finally:
        worker.close()

    with tempfile.TemporaryDirectory(prefix="livecred-zk-bench-") as tmp:
        work = Path(tmp)
        salt = random_field_element()
        witness = {
            "score": str(SCORE),
            "salt": str(salt),
            "threshold": str(THRESHOLD),
            "commitment": str(poseidon([SCORE, salt])),
            "nonce": str(NONCE),
        }
        (work / "input.json").write_text(json.dumps(witness))
        (work / "proof.json").write_text(json.dumps(proof.proof.to_snarkjs()))
        (work / "public.json").write_text(json.dumps([str(s) for s in proof.public_signals]))
        fullprove = ["groth16", "fullprove", "input.json", str(artifacts.wasm), str(artifacts.zkey), "p.json", "s.json"]
        rows.insert(
            2, measure("prove, snarkjs CLI per request", cli_job(node, fullprove, work), args.cli_requests, args.runs)
        )
        verify = ["groth16", "verify", str(artifacts.verification_key), "public.json", "proof.json"]
        rows.append(
            measure("verify, snarkjs CLI per request", cli_job(node, verify, work), args.cli_requests, args.runs)
        )

    record = artifacts.ceremony_record()
    print(
        f"circuit: {record['r1cs']['constraints']} constraints, power {record['power']}; "
        f"snarkjs {record['tools']['snarkjs']}; worker start-up incl. first proof {startup_ms:.0f} ms"
    )
    print(f"median of {args.runs} runs\n")
    print(f"| {'operation':<34} | {'jobs':>4} | {'p50 ms':>8} | {'p95 ms':>8} | {'target p50':>10} |")
    print(f"|{'-' * 36}|{'-' * 6}|{'-' * 10}|{'-' * 10}|{'-' * 12}|")
    for row in rows:
        target = TARGET_MS.get(row.name)
        shown = f"{target:.0f} ms" if target else ""
        print(f"| {row.name:<34} | {row.jobs:>4} | {row.p50_ms:>8.1f} | {row.p95_ms:>8.1f} | {shown:>10} |")
    warm = next(r for r in rows if r.name == "prove, worker")
    cli = next(r for r in rows if r.name.startswith("prove, snarkjs CLI"))
    print(
        f"\nwarm worker vs. a process per proof: {cli.p50_ms / warm.p50_ms:.1f}x faster; "
        f"original service (weaker circuit): {ORIGINAL_PROVE_MS:.0f} ms, ours / original = "
        f"{warm.p50_ms / ORIGINAL_PROVE_MS:.2f}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
