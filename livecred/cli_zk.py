"""``livecred zk``: install the Node toolchain, build the circuits and ceremonies, verify proofs offline.

``verify``, ``verify-presentation`` and ``calldata`` are pure Python (py_ecc): they need neither
Node.js nor the service, so a verifier can check a proof with nothing but this package and the
published key.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from zk import (
    PRESENTATION_REASONS,
    BabyJubJubPublicKey,
    FaceMatchProof,
    PresentationProof,
    PresentationRequest,
    ZKError,
    checks_mask,
    domain_hash,
    load_presentation_key,
    load_verification_key,
    nonce_to_field,
    scale_threshold,
    solidity_calldata,
    verify_face_match_proof,
    verify_presentation_proof,
)
from zk.build import BuildOptions, build
from zk.keys import CIRCUITS, PACKAGE_DIR
from zk.verifier import REASONS

zk_app = typer.Typer(help="Groth16 face-match proofs: set-up and offline verification.", no_args_is_help=True)
console = Console()
err_console = Console(stderr=True)


def _fail(message: str) -> typer.Exit:
    err_console.print(f"[red]error:[/] {message}")
    return typer.Exit(2)


def read_proof_file(path: Path) -> FaceMatchProof:
    """A FaceMatchProof JSON, or a whole ``/face-match-proof`` response (``proofThreshold``)."""
    try:
        data: Any = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise _fail(f"cannot read {path}: {exc}") from None
    if isinstance(data, dict) and "proofThreshold" in data and "threshold" not in data:
        if data.get("proof") is None:
            raise _fail(f"{path} holds a response without a proof (matched: {data.get('matched')})")
        data = {**data, "threshold": data["proofThreshold"]}
    try:
        return FaceMatchProof.from_json(data)
    except ZKError as exc:
        raise _fail(exc.message) from None


@zk_app.command("install")
def install(
    dev: Annotated[
        bool, typer.Option("--dev", help="Also the build and test tools (circom2, circomlib, solc).")
    ] = False,
) -> None:
    """Install the pinned npm packages (snarkjs) next to the zk package with `npm ci`."""
    npm = shutil.which("npm")
    if npm is None:
        raise _fail("npm not found: install Node.js 18 or newer (it ships npm)")
    command = [npm, "ci", "--no-audit", "--no-fund", "--prefix", str(PACKAGE_DIR)]
    if not dev:
        command.insert(2, "--omit=dev")
    if subprocess.run(command, check=False).returncode != 0:
        raise typer.Exit(1)
    console.print(f"zk node_modules installed in {PACKAGE_DIR / 'node_modules'}")


@zk_app.command("build")
def build_command(
    circuit: Annotated[
        str, typer.Option(help=f"The circuit: {' or '.join(CIRCUITS)} (each has its own ceremony).")
    ] = "facematch",
    out: Annotated[
        Path | None, typer.Option(help="Output directory (default: the circuit's, under zk/artifacts).")
    ] = None,
    phase1_contributions: Annotated[int, typer.Option(min=1)] = 3,
    phase2_contributions: Annotated[int, typer.Option(min=1)] = 3,
    beacon: Annotated[str | None, typer.Option(help="64 hex digits of public randomness (e.g. a block hash).")] = None,
    ask_entropy: Annotated[bool, typer.Option("--ask-entropy", help="Prompt for extra entropy (hidden).")] = False,
    insecure_seed: Annotated[
        str | None, typer.Option(help="Deterministic build with PUBLIC toxic waste: tests only.")
    ] = None,
) -> None:
    """Compile a circuit, run its Groth16 ceremony, export key, contract and transcript."""
    if circuit not in CIRCUITS:
        raise _fail(f"unknown circuit {circuit!r}; known: {', '.join(CIRCUITS)}")
    entropy = typer.prompt("entropy", hide_input=True, default="", show_default=False) if ask_entropy else ""
    options = BuildOptions(
        circuit=circuit,
        out_dir=out,
        phase1_contributions=phase1_contributions,
        phase2_contributions=phase2_contributions,
        entropy=entropy,
        beacon=beacon,
        insecure_seed=insecure_seed,
    )
    try:
        build(options, log=lambda line: err_console.print(line, markup=False, highlight=False))
    except ZKError as exc:
        raise _fail(exc.message) from None
    if insecure_seed is not None:
        err_console.print("[yellow]warning:[/] built with --insecure-seed: anyone can forge proofs for this key")


@zk_app.command("verify")
def verify(
    proof_file: Annotated[Path, typer.Argument(help="FaceMatchProof JSON or a /face-match-proof response.")],
    min_confidence: Annotated[float, typer.Option(help="The policy threshold in [0, 1].", min=0.0, max=1.0)],
    nonce: Annotated[str, typer.Option(help="The challenge the proof must be bound to (as sent).")],
    commitment: Annotated[str | None, typer.Option(help="Expected commitment (decimal), if recorded.")] = None,
    vk: Annotated[Path | None, typer.Option(help="Verification key (default: the packaged one).")] = None,
) -> None:
    """Verify a face-match proof offline (pure Python): exit 0 when valid for this policy, 1 when not."""
    proof = read_proof_file(proof_file)
    try:
        key = load_verification_key(vk)
        expected_nonce = nonce_to_field(nonce)
        expected_commitment = int(commitment) if commitment is not None else None
    except ZKError as exc:
        raise _fail(exc.message) from None
    except ValueError:
        raise _fail("--commitment must be a decimal number") from None
    result = verify_face_match_proof(
        proof,
        key,
        expected_threshold=scale_threshold(min_confidence),
        expected_nonce=expected_nonce,
        expected_commitment=expected_commitment,
    )
    if result.verified:
        console.print(f"[green]verified[/]: score >= {proof.threshold} / 10000, nonce {proof.nonce}")
        return
    console.print("[red]not verified[/]")
    for reason in result.reasons:
        console.print(f"  {reason}: {REASONS.get(reason, '')}")
    raise typer.Exit(1)


def _trusted_key(value: str) -> BabyJubJubPublicKey:
    match = re.fullmatch(r"([0-9]{1,78}):([0-9]{1,78})", value)
    if match is None:
        raise _fail(f"--trusted-key takes x:y in decimal, not {value[:40]!r}")
    try:
        return BabyJubJubPublicKey.from_json({"x": match.group(1), "y": match.group(2)})
    except ZKError as exc:
        raise _fail(f"--trusted-key {value[:40]}...: {exc.message}") from None


@zk_app.command("verify-presentation")
def verify_presentation(
    proof_file: Annotated[Path, typer.Argument(help="Presentation proof JSON: {proof, publicSignals}.")],
    trusted_key: Annotated[
        list[str], typer.Option(help="A trusted issuer's BabyJubJub key as x:y (repeat for several).")
    ],
    min_confidence: Annotated[float, typer.Option(help="The requested threshold in [0, 1].", min=0.0, max=1.0)],
    nonce: Annotated[str, typer.Option(help="The challenge the proof must be bound to (as sent).")],
    not_before: Annotated[int, typer.Option(help="Earliest liveness check accepted, unix seconds.")],
    at_time: Annotated[int | None, typer.Option(help="When the credential must still be valid (default: now).")] = None,
    required_checks: Annotated[
        str, typer.Option(help="Comma-separated checks: antispoof, challenges, same_person, 3d_turn, face_match.")
    ] = "",
    domain: Annotated[str | None, typer.Option(help="The verifier origin or client id the proof is bound to.")] = None,
    scope: Annotated[int, typer.Option(help="The pseudonym scope asked for (0: none).", min=0)] = 0,
    vk: Annotated[Path | None, typer.Option(help="Verification key (default: the packaged one).")] = None,
) -> None:
    """Verify a holder's presentation proof offline (pure Python): exit 0 when valid, 1 when not."""
    keys = [_trusted_key(k) for k in trusted_key]
    try:
        data: Any = json.loads(proof_file.read_text())
    except (OSError, ValueError) as exc:
        raise _fail(f"cannot read {proof_file}: {exc}") from None
    try:
        proof = PresentationProof.from_json(data)
        key = load_presentation_key(vk)
        request = PresentationRequest(
            threshold=scale_threshold(min_confidence),
            required_checks=checks_mask([c.strip() for c in required_checks.split(",") if c.strip()]),
            not_before=not_before,
            at_time=int(time.time()) if at_time is None else at_time,
            nonce=nonce_to_field(nonce),
            domain=domain_hash(domain) if domain is not None else 0,
            scope=scope,
        )
    except ZKError as exc:
        raise _fail(exc.message) from None
    result = verify_presentation_proof(proof, key, request, keys)
    if result.verified:
        x, _ = proof.issuer_key
        pseudonym = f", pseudonym {proof.pseudonym}" if scope else ""
        console.print(f"[green]verified[/]: issuer key x={str(x)[:12]}..., request met{pseudonym}")
        return
    console.print("[red]not verified[/]")
    for reason in result.reasons:
        console.print(f"  {reason}: {PRESENTATION_REASONS.get(reason, '')}")
    raise typer.Exit(1)


@zk_app.command("calldata")
def calldata(
    proof_file: Annotated[Path, typer.Argument(help="FaceMatchProof JSON or a /face-match-proof response.")],
) -> None:
    """Print the arguments for FaceMatchVerifier.verifyProof (as `snarkjs zkey export soliditycalldata`)."""
    typer.echo(solidity_calldata(read_proof_file(proof_file)))
