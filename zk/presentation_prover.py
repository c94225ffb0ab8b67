"""PresentationProver: a holder's presentation proof, made by the Node worker's second circuit.

The worker (:class:`~zk.NodeWorker` with the presentation artifacts in
``NodeWorkerConfig.circuits``, or a :class:`~zk.RemoteWorker` serving them) proves jobs sent
with ``"circuit": "presentation"``. This is the server-side or test holder; wallets prove in the
browser or in Node with the same inputs (:func:`zk.presentation_inputs`). The inputs carry the
holder's private score, salt and secret: they go to the backend only, never to a log.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from zk._exceptions import MalformedProof, ProofMismatch
from zk._worker import WorkerProof
from zk.claim import SignedClaim
from zk.eddsa import BabyJubJubPublicKey
from zk.keys import VerificationKey
from zk.presentation import (
    PresentationProof,
    PresentationRequest,
    check_presentation,
    presentation_inputs,
    pseudonym,
)
from zk.verifier import VerificationResult

__all__ = ["PRESENTATION_CIRCUIT", "PresentationBackend", "PresentationProver", "ProvedPresentation"]

PRESENTATION_CIRCUIT = "presentation"


class PresentationBackend(Protocol):
    """A worker that proves and verifies named circuits (NodeWorker, RemoteWorker)."""

    def start(self) -> None: ...

    def prove(self, witness_input: Mapping[str, str], *, circuit: str | None = None) -> WorkerProof: ...

    def verify(
        self, verification_key: Mapping[str, Any], proof: Mapping[str, Any], public_signals: Sequence[str]
    ) -> bool: ...

    def close(self) -> None: ...


@dataclass(frozen=True, slots=True)
class ProvedPresentation:
    """A fresh presentation proof and how long it took (caller's wall time, backend's own)."""

    proof: PresentationProof
    elapsed_ms: float
    backend_ms: float


class PresentationProver:
    def __init__(self, backend: PresentationBackend, verification_key: VerificationKey) -> None:
        self.backend = backend
        self.verification_key = verification_key
        self._vk_json = verification_key.to_json()

    def start(self) -> None:
        self.backend.start()

    def close(self) -> None:
        self.backend.close()

    def prove(
        self, signed_claim: SignedClaim, *, score: int, salt: int, holder_secret: int, request: PresentationRequest
    ) -> ProvedPresentation:
        """Prove ``request`` from the claim and its private openings.

        Raises :class:`~zk.InvalidClaim` when the openings are not the claim's,
        :class:`~zk.WitnessRejected` when the claim does not meet the request (no proof exists),
        another :class:`~zk.ProverError` when the backend fails, and :class:`ProofMismatch` if
        it answers with a proof of another statement.
        """
        witness = presentation_inputs(signed_claim, score, salt, holder_secret, request)
        expected = [pseudonym(holder_secret, request.scope), *signed_claim.public_key.point]
        expected += list(request.signals().values())
        start = time.perf_counter()
        raw = self.backend.prove(witness, circuit=PRESENTATION_CIRCUIT)
        del witness
        try:
            proof = PresentationProof.from_json({"proof": raw.proof, "publicSignals": list(raw.public_signals)})
        except (MalformedProof, TypeError) as exc:
            raise ProofMismatch("the prover returned a malformed presentation proof") from exc
        if list(proof.public_signals) != expected:
            raise ProofMismatch("the prover returned a proof of another statement")
        return ProvedPresentation(proof, (time.perf_counter() - start) * 1000, raw.ms)

    def verify(
        self, proof: PresentationProof, request: PresentationRequest, trusted_keys: Iterable[BabyJubJubPublicKey]
    ) -> VerificationResult:
        """The checks of :func:`zk.verify_presentation_proof`, with snarkjs doing the pairing."""
        reasons = check_presentation(proof, request, trusted_keys)
        if reasons:
            return VerificationResult.of(reasons)
        ok = self.backend.verify(self._vk_json, proof.proof.to_snarkjs(), [str(s) for s in proof.public_signals])
        return VerificationResult.of(() if ok else ("proof_invalid",))
