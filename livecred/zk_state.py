"""The zk prover and published artifacts, built once in the lifespan and closed at shutdown.

Start-up never fails because of zk: with artifacts that do not check out, the routes answer 503
``zk_artifacts_unavailable``; with Node.js or the npm packages missing, ``/face-match-proof``
answers 503 ``zk_unavailable`` with the command that fixes it, and starts working without a
restart once it is fixed (the worker is started on demand). ``ZK_SERVICE_URL`` swaps the local
worker for a remote one.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from fastapi import Request

from livecred.settings import Settings
from zk import (
    Artifacts,
    ArtifactsUnavailable,
    BabyJubJubPublicKey,
    FaceMatchProver,
    NodeWorker,
    NodeWorkerConfig,
    PresentationProof,
    PresentationRequest,
    ProofBackend,
    ProverUnavailable,
    RemoteWorker,
    VerificationKey,
    ZKError,
    load_presentation_key,
    load_verification_key,
)
from zk import VerificationResult as ZKResult
from zk.presentation import check_presentation

logger = logging.getLogger("livecred.api")


@dataclass
class ZKState:
    artifacts: Artifacts
    verification_key: VerificationKey | None
    verifier_sol: str | None
    prover: FaceMatchProver | None
    error: ZKError | None  # why verification_key / prover are None
    presentation_dir: str | None = None  # a deployment's own presentation artifacts (else the packaged)
    _presentation_key: VerificationKey | None = field(default=None, init=False, repr=False)

    def require_key(self) -> VerificationKey:
        if self.verification_key is None:
            assert self.error is not None
            raise self.error
        return self.verification_key

    def require_prover(self) -> FaceMatchProver:
        if self.prover is None:
            assert self.error is not None
            raise self.error
        return self.prover

    def status(self) -> tuple[bool, dict[str, Any]]:
        """(ready, details) for GET /zk/status; the details name the fix when not ready."""
        try:
            if self.prover is None:
                assert self.error is not None
                raise self.error
            key = self.prover.verification_key.fingerprint
            return True, {"ready": True, **self.prover.backend.status(), "verificationKey": key}
        except ZKError as exc:
            return False, {"ready": False, "code": exc.code, "message": exc.message}

    def close(self) -> None:
        if self.prover is not None:
            self.prover.close()

    # holder presentations ------------------------------------------------------------------
    def require_presentation_key(self) -> VerificationKey:
        """The presentation circuit's verification key (read once); 503 while it cannot be read."""
        key = self._presentation_key
        if key is not None:
            return key
        try:
            if self.presentation_dir:
                key = load_presentation_key(f"{self.presentation_dir}/verification_key.json")
            else:
                key = load_presentation_key()
        except (OSError, ZKError) as exc:
            # The cause names a path of this machine: the log gets it, the client does not.
            logger.error("presentation verification key unavailable: %s", getattr(exc, "message", exc))
            raise ArtifactsUnavailable(
                "the presentation verification key is not available; run `livecred zk build --circuit presentation`"
            ) from exc
        self._presentation_key = key
        return key

    def verify_presentation(
        self, proof: PresentationProof, request: PresentationRequest, keys: Sequence[BabyJubJubPublicKey]
    ) -> ZKResult:
        """The presentation checks with the worker doing the pairing (``ProverError`` when it
        cannot: the caller falls back to the pure-Python verifier)."""
        if self.prover is None:
            raise ProverUnavailable("no prover worker")
        reasons = check_presentation(proof, request, keys)
        if reasons:
            return ZKResult.of(reasons)
        vk = self.require_presentation_key().to_json()
        signals = [str(s) for s in proof.public_signals]
        ok = self.prover.backend.verify(vk, proof.proof.to_snarkjs(), signals)
        return ZKResult.of(() if ok else ("proof_invalid",))


def _backend(settings: Settings, artifacts: Artifacts) -> ProofBackend:
    if settings.zk_service_url:
        return RemoteWorker(settings.zk_service_url, timeout_s=settings.zk_timeout_s, max_pending=settings.zk_max_queue)
    config = NodeWorkerConfig(
        artifacts=artifacts, node=settings.zk_node, timeout_s=settings.zk_timeout_s, max_pending=settings.zk_max_queue
    )
    if settings.zk_node_modules is not None:
        config = replace(config, node_modules=settings.zk_node_modules)
    return NodeWorker(config)


def start_zk(settings: Settings) -> ZKState:
    start = time.perf_counter()
    artifacts = Artifacts.at(settings.zk_artifacts_dir) if settings.zk_artifacts_dir else Artifacts.packaged()
    presentation_dir = str(settings.zk_artifacts_dir / "presentation") if settings.zk_artifacts_dir else None
    try:
        artifacts.check()
        key = load_verification_key(artifacts.verification_key if settings.zk_artifacts_dir else None)
        sol = artifacts.verifier_sol.read_text()
    except (ZKError, OSError) as exc:
        error = exc if isinstance(exc, ZKError) else ZKError(f"cannot read the zk artifacts: {exc}")
        logger.error("zk artifacts unavailable: %s", error.message)
        return ZKState(artifacts, None, None, None, error, presentation_dir=presentation_dir)
    prover = FaceMatchProver(_backend(settings, artifacts), key)
    try:
        prover.start()
    except ZKError as exc:
        # Kept: the next request retries, so installing node_modules fixes it without a restart.
        logger.error("zk prover not ready: %s", exc.message)
    else:
        logger.info("zk prover ready in %.0f ms", (time.perf_counter() - start) * 1000)
    return ZKState(artifacts, key, sol, prover, None, presentation_dir=presentation_dir)


def get_zk(request: Request) -> ZKState:
    state: ZKState = request.app.state.zk
    return state
