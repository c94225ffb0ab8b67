"""Liveness presentation benchmark: circuit size, artifact sizes, proving and verifying times.

Rows:

* circuit: constraints, public signals, the ceremony's power of two;
* sizes: the wasm and final zkey a holder downloads (target: <= 10 MB together), the r1cs and
  the phase-1 file (checkout only);
* ``prove, worker``: :class:`zk.PresentationProver` over the warm Node worker (witness +
  Groth16), median and p95 of ``--requests``; ``(inside worker)`` the worker's own time
  (target: <= 3 s);
* ``CPU per proof``: the worker process's user + system CPU time per proof (Linux ``/proc``),
  which, unlike wall time, does not depend on what else the machine runs; with enough idle
  cores the wall time approaches it divided by the cores snarkjs uses;
* ``prove, snarkjs CLI``: ``snarkjs groth16 fullprove`` as a fresh process (what a holder pays
  without a warm worker: Node start, wasm compile, zkey load);
* ``verify, worker`` (snarkjs pairing) and ``verify, py_ecc`` (pure Python).

    .venv/bin/python bench/zk_presentation.py [--requests N] [--pyecc-requests N]

Needs Node.js and ``npm ci --prefix zk``. Not a test: it measures and prints.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from zk import (
    Artifacts,
    BabyJubJubKey,
    LivenessClaim,
    NodeWorker,
    NodeWorkerConfig,
    PresentationProver,
    PresentationRequest,
    SignedClaim,
    checks_mask,
    credential_id_hash,
    holder_commitment,
    load_presentation_key,
    nonce_to_field,
    poseidon,
    presentation_inputs,
    random_field_element,
    verify_presentation_proof,
)
from zk._worker import DEFAULT_NODE_MODULES
from zk.build import PHASE1_FILE, r1cs_header

SNARKJS_CLI = DEFAULT_NODE_MODULES / "snarkjs" / "build" / "cli.cjs"
TARGET_PROVE_MS = 3000.0
TARGET_DOWNLOAD_MB = 10.0


def timed(job: Callable[[], object], n: int) -> list[float]:
    samples = []
    for _ in range(n):
        start = time.perf_counter()
        job()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def cpu_seconds(pid: int | None) -> float | None:
    """user + system CPU seconds of a process so far (Linux only)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def mb(path: Path) -> float:
    return path.stat().st_size / 1e6


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--requests", type=int, default=5, help="proofs for the worker row (median of these)")
    parser.add_argument("--cli-requests", type=int, default=3)
    parser.add_argument("--pyecc-requests", type=int, default=3)
    args = parser.parse_args()

    node = shutil.which("node")
    if node is None or not SNARKJS_CLI.is_file():
        print("error: needs Node.js and `npm ci --prefix zk`", file=sys.stderr)
        return 1
    artifacts = Artifacts.packaged("presentation")
    artifacts.check()
    key = load_presentation_key()

    issuer = BabyJubJubKey.generate()
    score, salt, secret, now = 8312, random_field_element(), random_field_element(), int(time.time())
    claim = LivenessClaim(
        poseidon([score, salt]),
        checks_mask(["antispoof", "challenges", "same_person", "face_match"]),
        now,
        now + 365 * 86400,
        credential_id_hash("urn:uuid:bench"),
        holder_commitment(secret),
    )
    signed = SignedClaim.sign(claim, issuer)
    request = PresentationRequest(6000, 3, now - 3600, now, nonce_to_field("bench-nonce"), 0, 0)

    header = r1cs_header(artifacts.r1cs)
    print("presentation circuit")
    print(f"  constraints           {header['constraints']:>10}")
    print(f"  public signals        {header['outputs'] + header['public_inputs']:>10}")
    print(f"  ceremony power        {artifacts.ceremony_record()['power']:>10}")
    download = mb(artifacts.wasm) + mb(artifacts.zkey)
    print(f"  wasm                  {mb(artifacts.wasm):>8.2f} MB")
    print(f"  final zkey            {mb(artifacts.zkey):>8.2f} MB")
    print(f"  wasm + zkey           {download:>8.2f} MB   (target <= {TARGET_DOWNLOAD_MB:.0f} MB)")
    print(f"  r1cs                  {mb(artifacts.r1cs):>8.2f} MB   (checkout only)")
    print(f"  phase-1 ptau          {mb(artifacts.directory / PHASE1_FILE):>8.2f} MB   (checkout only)")

    worker = NodeWorker(NodeWorkerConfig(Artifacts.packaged(), timeout_s=120, circuits=(artifacts,)))
    prover = PresentationProver(worker, key)
    rows: list[tuple[str, int, float, float]] = []
    inside: list[float] = []
    try:
        prover.start()
        proof = prover.prove(signed, score=score, salt=salt, holder_secret=secret, request=request).proof

        def prove() -> None:
            made = prover.prove(
                signed, score=score, salt=salt, holder_secret=secret, request=replace(request, nonce=request.nonce + 1)
            )
            inside.append(made.backend_ms)

        cpu_before = cpu_seconds(worker.pid)
        samples = timed(prove, args.requests)
        cpu_after = cpu_seconds(worker.pid)
        rows.append(("prove, worker", len(samples), statistics.median(samples), p95(samples)))
        rows.append(("  (inside worker)", len(inside), statistics.median(inside), p95(inside)))
        if cpu_before is not None and cpu_after is not None:
            cpu_ms = (cpu_after - cpu_before) / len(samples) * 1000
            rows.append(("  CPU per proof (mean)", len(samples), cpu_ms, cpu_ms))
        trusted = [issuer.public_key]
        samples = timed(lambda: prover.verify(proof, request, trusted), args.requests)
        rows.append(("verify, worker", len(samples), statistics.median(samples), p95(samples)))
        samples = timed(lambda: verify_presentation_proof(proof, key, request, trusted), args.pyecc_requests)
        rows.append(("verify, py_ecc", len(samples), statistics.median(samples), p95(samples)))
    finally:
        worker.close()

    with tempfile.TemporaryDirectory(prefix="livecred-zk-bench-") as tmp:
        work = Path(tmp)
        (work / "input.json").write_text(json.dumps(presentation_inputs(signed, score, salt, secret, request)))
        command = [
            node,
            str(SNARKJS_CLI),
            "groth16",
            "fullprove",
            "input.json",
            str(artifacts.wasm),
            str(artifacts.zkey),
            "proof.json",
            "public.json",
        ]

        def cli() -> None:
            if subprocess.run(command, cwd=work, capture_output=True, check=False).returncode != 0:
                raise SystemExit("snarkjs groth16 fullprove failed")

        samples = timed(cli, args.cli_requests)
        rows.append(("prove, snarkjs CLI", len(samples), statistics.median(samples), p95(samples)))

    print()
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"{'':24}{'jobs':>6}{'median ms':>12}{'p95 ms':>10}")
    for name, jobs, median, high in rows:
        print(f"{name:24}{jobs:>6}{median:>12.1f}{high:>10.1f}")
    print(
        f"\ntargets: wasm + zkey {download:.2f} MB (<= {TARGET_DOWNLOAD_MB:.0f} MB); proving "
        f"{statistics.median(inside) / 1000:.2f} s wall here (<= {TARGET_PROVE_MS / 1000:.0f} s; depends on the load), "
        f"CPU per proof is the load-independent bound for one idle core"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
