"""Checking ``Groth16FaceMatchProof`` evidence with ``zk``: the proof and the policy.

A credential's signature binds the evidence's threshold, nonce and commitment; the proof shows
that a private face-match score met that threshold. The verifier's policy adds a floor: a proof
of "score >= 0" proves nothing, so a threshold below ``min_threshold`` fails. Proofs are checked
against this service's verification key (the issuer runs the ceremony and is the trust root).

The pure-Python verifier (py_ecc) takes about a second; the API passes the Node worker's
verifier as ``fast_verify`` and falls back to py_ecc when the worker cannot run.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from zk import FaceMatchProof, ProverError, VerificationKey, ZKError, verify_face_match_proof
from zk import VerificationResult as ZKResult

FastVerify = Callable[..., ZKResult]


class FaceMatchEvidenceChecker:
    def __init__(self, key: VerificationKey, *, min_threshold: int, fast_verify: FastVerify | None = None) -> None:
        self.key = key
        self.min_threshold = min_threshold
        self.fast_verify = fast_verify

    def __call__(self, evidence: Mapping[str, Any]) -> tuple[bool, str]:
        data = {
            "proof": evidence.get("groth16Proof"),
            "publicSignals": evidence.get("publicSignals"),
            "threshold": evidence.get("threshold"),
            "commitment": evidence.get("commitment"),
            "nonce": evidence.get("nonce"),
        }
        if "scale" in evidence:
            data["scale"] = evidence["scale"]
        try:
            proof = FaceMatchProof.from_json(data)
        except ZKError as exc:
            return False, f"malformed Groth16 face-match proof: {exc.message}"
        if proof.threshold < self.min_threshold:
            return False, f"proof threshold {proof.threshold} is below the policy minimum {self.min_threshold}"
        policy = {"expected_threshold": proof.threshold, "expected_nonce": proof.nonce}
        result: ZKResult | None = None
        if self.fast_verify is not None:
            try:
                result = self.fast_verify(proof, **policy)
            except ProverError:
                result = None  # the worker is down: the pure-Python verifier decides
        if result is None:
            result = verify_face_match_proof(proof, self.key, **policy)
        if result.verified:
            return True, f"Groth16 proof verified: face-match score >= {proof.threshold / 10000:.4f}"
        return False, f"Groth16 proof does not verify ({', '.join(result.reasons)})"
