"""FaceMatchProver: turns (score, threshold, nonce) into a checked face-match proof.

The prover owns the private half of the statement. It draws a fresh random ``salt`` per proof,
computes ``commitment = Poseidon(score, salt)``, hands the witness to a backend (the local Node
worker or a remote one), and checks what comes back: the public signals must be exactly the
statement it asked for. The salt then goes out of scope: it is never returned, stored or
logged. Nobody, the service included, can later open the commitment; what it gives a verifier
is a binding of the proof to one hidden score (two proofs with the same commitment prove the
same score). The one exception is a caller that passes its own ``salt``: the wallet path does,
to hand the holder the opening for its zero-knowledge claim (docs/zk-presentations.md).

Backends are anything with the :class:`ProofBackend` shape; :class:`~zk.NodeWorker` and
:class:`~zk.RemoteWorker` are the two shipped.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from zk._exceptions import InvalidStatement, MalformedProof, ProofMismatch
from zk._field import MAX_SCORE, SCALAR_FIELD_ORDER, random_field_element
from zk._poseidon import poseidon
from zk._worker import WorkerProof
from zk.keys import VerificationKey
from zk.proof import FaceMatchProof
from zk.verifier import VerificationResult, verify_with

__all__ = ["FaceMatchProver", "ProofBackend", "ProvedStatement"]


class ProofBackend(Protocol):
    """A place where proofs are made: start, prove, verify, report, close."""

    def start(self) -> None: ...

    def status(self) -> Mapping[str, Any]: ...

    def prove(self, witness_input: Mapping[str, str]) -> WorkerProof: ...

    def verify(
        self, verification_key: Mapping[str, Any], proof: Mapping[str, Any], public_signals: Sequence[str]
    ) -> bool: ...

    def close(self) -> None: ...


@dataclass(frozen=True, slots=True)
class ProvedStatement:
    """A fresh proof and how long it took (wall time seen by the caller, and inside the backend)."""

    proof: FaceMatchProof
    elapsed_ms: float
    backend_ms: float


def check_inputs(score: int, threshold: int, nonce: int) -> None:
    if not 0 <= threshold <= MAX_SCORE:
        raise InvalidStatement(f"the threshold must be in [0, {MAX_SCORE}]")
    if not 0 <= score <= MAX_SCORE:
        raise InvalidStatement(f"the score must be in [0, {MAX_SCORE}]")
    if score < threshold:
        # The circuit has no witness for this statement; do not even ask the backend.
        raise InvalidStatement("no proof exists for a score below the threshold")
    if not 0 <= nonce < SCALAR_FIELD_ORDER:
        raise InvalidStatement("the nonce must be a field element", field="nonce")


class FaceMatchProver:
    def __init__(self, backend: ProofBackend, verification_key: VerificationKey) -> None:
        self.backend = backend
        self.verification_key = verification_key
        self._vk_json = verification_key.to_json()

    def start(self) -> None:
        """Start the backend and make one throw-away proof, so the first real job is warm."""
        self.backend.start()
        self.prove(score=MAX_SCORE, threshold=0, nonce=0)

    def close(self) -> None:
        self.backend.close()

    def prove(self, *, score: int, threshold: int, nonce: int, salt: int | None = None) -> ProvedStatement:
        """Prove ``score >= threshold`` (both scaled x10000) bound to ``nonce``; the commitment's
        ``salt`` is drawn fresh unless the caller gives one (a field element it keeps secret).

        Raises :class:`InvalidStatement` when no proof can exist, a :class:`ProverError` when
        the backend fails, and :class:`ProofMismatch` if it answers with another statement.
        """
        check_inputs(score, threshold, nonce)
        if salt is not None and not 0 <= salt < SCALAR_FIELD_ORDER:
            raise InvalidStatement("the salt must be a field element", field="salt")
        start = time.perf_counter()
        salt = random_field_element() if salt is None else salt
        commitment = poseidon([score, salt])
        witness = {
            "score": str(score),
            "salt": str(salt),
            "threshold": str(threshold),
            "commitment": str(commitment),
            "nonce": str(nonce),
        }
        del salt
        raw = self.backend.prove(witness)
        del witness
        try:
            proof = FaceMatchProof.from_snarkjs(raw.proof, raw.public_signals)
        except (MalformedProof, KeyError, TypeError) as exc:
            raise ProofMismatch("the prover returned a malformed proof") from exc
        if (proof.threshold, proof.commitment, proof.nonce) != (threshold, commitment, nonce):
            raise ProofMismatch("the prover returned a proof of another statement")
        return ProvedStatement(proof, (time.perf_counter() - start) * 1000, raw.ms)

    def verify(
        self,
        proof: FaceMatchProof,
        *,
        expected_threshold: int,
        expected_nonce: int,
        expected_commitment: int | None = None,
    ) -> VerificationResult:
        """The same checks as :func:`zk.verify_face_match_proof`, with snarkjs doing the pairing.

        Raises a :class:`ProverError` when the backend cannot run (fall back to the pure-Python
        verifier then); a proof that fails is a result, not an exception.
        """

        def pairing(p: FaceMatchProof) -> tuple[str, ...]:
            ok = self.backend.verify(self._vk_json, p.proof.to_snarkjs(), [str(s) for s in p.public_signals])
            return () if ok else ("pairing_check_failed",)

        return verify_with(
            pairing,
            proof,
            expected_threshold=expected_threshold,
            expected_nonce=expected_nonce,
            expected_commitment=expected_commitment,
        )
