"""Liveness presentations: the verifier's request, the holder's proof, and their verification.

A holder with a :class:`~zk.SignedClaim` (from its credential), the private opening ``(score,
salt)`` of the claim's score commitment and its ``holderSecret`` proves, with the presentation
circuit (``circuits/presentation.circom``, specified in ``docs/zk-presentations.md``), that a
trusted issuer signed a claim meeting the verifier's :class:`PresentationRequest`, bound to the
verifier's nonce and domain. The proof reveals the issuer key, the request and, when the request
has a ``scope``, a per-scope pseudonym; nothing else.

* :func:`presentation_inputs` builds the circuit's input JSON (the same object the Node and
  browser holders build);
* :class:`PresentationProof` is the snarkjs JSON, ``{"proof": {...}, "publicSignals": [10]}``,
  parsed strictly;
* :func:`verify_presentation_proof` checks, in order, the shape, that the issuer key is one of
  ``trusted_keys``, that every public input equals the request, then the Groth16 proof in pure
  Python; failures are reasons in a :class:`~zk.VerificationResult`, never exceptions.

The verifier must also make sure that the nonce is its own and used once (replay across
requests): this module only checks that the proof is bound to the nonce it is given.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from zk._exceptions import InvalidClaim, InvalidPresentationRequest, MalformedProof
from zk._field import MAX_SCORE, SCALAR_FIELD_ORDER
from zk._poseidon import poseidon
from zk.claim import CHECKS_BITS, TIME_BITS, SignedClaim, holder_commitment
from zk.eddsa import BabyJubJubPublicKey
from zk.keys import CIRCUITS, Artifacts, VerificationKey
from zk.proof import Groth16Proof, parse_decimal
from zk.verifier import VerificationResult, groth16_check

__all__ = [
    "PRESENTATION_REASONS",
    "PRESENTATION_SIGNALS",
    "PresentationProof",
    "PresentationRequest",
    "check_presentation",
    "domain_hash",
    "load_presentation_key",
    "presentation_inputs",
    "pseudonym",
    "verify_presentation_proof",
]

# The circuit's public signals in snarkjs order: the output, then the public inputs.
PRESENTATION_SIGNALS = (
    "pseudonym",
    "issuerAx",
    "issuerAy",
    "threshold",
    "requiredChecks",
    "notBefore",
    "atTime",
    "nonce",
    "domain",
    "scope",
)
_REQUEST_SIGNALS = ("threshold", "requiredChecks", "notBefore", "atTime", "nonce", "domain", "scope")

PRESENTATION_REASONS: dict[str, str] = {
    "public_signals_malformed": f"the proof does not have exactly {len(PRESENTATION_SIGNALS)} public signals",
    "public_signal_out_of_range": "a public signal is not below the BN254 scalar-field order",
    "untrusted_issuer_key": "the claim was signed by a key that is not a trusted issuer's",
    "threshold_mismatch": "the proof is for another threshold than the request's",
    "required_checks_mismatch": "the proof is for other required checks than the request's",
    "not_before_mismatch": "the proof is for another notBefore than the request's",
    "at_time_mismatch": "the proof is for another atTime than the request's",
    "nonce_mismatch": "the proof is for another nonce (a replay, or another challenge)",
    "domain_mismatch": "the proof is for another verifier domain",
    "scope_mismatch": "the proof is for another pseudonym scope",
    "proof_invalid": "the Groth16 proof does not verify (a point is invalid or the pairing check fails)",
}
_MISMATCH = {
    "threshold": "threshold_mismatch",
    "requiredChecks": "required_checks_mismatch",
    "notBefore": "not_before_mismatch",
    "atTime": "at_time_mismatch",
    "nonce": "nonce_mismatch",
    "domain": "domain_mismatch",
    "scope": "scope_mismatch",
}


def domain_hash(domain: str) -> int:
    """``int(sha256(verifier origin or client id)) >> 3``: the ``domain`` public input."""
    if not isinstance(domain, str) or not domain or len(domain) > 2048:
        raise InvalidPresentationRequest("the domain must be a non-empty string", field="domain")
    return int.from_bytes(hashlib.sha256(domain.encode("utf-8")).digest(), "big") >> 3


def pseudonym(holder_secret: int, scope: int) -> int:
    """The circuit's output: ``Poseidon(holderSecret, scope)``, or 0 when ``scope`` is 0."""
    return poseidon([holder_secret, scope]) if scope else 0


def _int_in(value: Any, bound: int, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < bound:
        raise InvalidPresentationRequest(f"{name} is out of range", field=name)
    return value


@dataclass(frozen=True, slots=True)
class PresentationRequest:
    """What the verifier asks, as the circuit's public inputs (all but the issuer key).

    ``threshold`` is a confidence x 10000 in [0, 10000]; ``required_checks`` a bitmask < 2^8
    (:func:`zk.checks_mask`); ``not_before`` and ``at_time`` unix seconds < 2^40; ``nonce`` a
    field element (:func:`zk.nonce_to_field` maps a challenge string); ``domain`` 0 or
    :func:`domain_hash` of the verifier's origin or client id; ``scope`` 0 (no pseudonym) or
    any field element.
    """

    threshold: int
    required_checks: int
    not_before: int
    at_time: int
    nonce: int
    domain: int = 0
    scope: int = 0

    def __post_init__(self) -> None:
        _int_in(self.threshold, MAX_SCORE + 1, "threshold")
        _int_in(self.required_checks, 1 << CHECKS_BITS, "requiredChecks")
        _int_in(self.not_before, 1 << TIME_BITS, "notBefore")
        _int_in(self.at_time, 1 << TIME_BITS, "atTime")
        for name, value in (("nonce", self.nonce), ("domain", self.domain), ("scope", self.scope)):
            _int_in(value, SCALAR_FIELD_ORDER, name)

    def signals(self) -> dict[str, int]:
        """The request's public inputs by circuit name."""
        return {
            "threshold": self.threshold,
            "requiredChecks": self.required_checks,
            "notBefore": self.not_before,
            "atTime": self.at_time,
            "nonce": self.nonce,
            "domain": self.domain,
            "scope": self.scope,
        }


def presentation_inputs(
    signed_claim: SignedClaim, score: int, salt: int, holder_secret: int, request: PresentationRequest
) -> dict[str, str]:
    """The circuit's input JSON (decimal strings) for this claim, opening and request.

    Checks that the opening and the secret are the claim's (:class:`InvalidClaim` otherwise:
    no proof could exist); it does not pre-judge the request, so a claim that does not meet it
    (score below the threshold, too old, expired, a check missing) reaches the circuit and is
    refused there (:class:`~zk.WitnessRejected` from the prover).
    """
    claim = signed_claim.claim
    for name, value in (("salt", salt), ("holderSecret", holder_secret)):
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < SCALAR_FIELD_ORDER:
            raise InvalidClaim(f"{name} must be a BN254 scalar-field element", field=name)
    if isinstance(score, bool) or not isinstance(score, int) or not 0 <= score <= MAX_SCORE:
        raise InvalidClaim(f"the score must be in [0, {MAX_SCORE}]", field="score")
    if poseidon([score, salt]) != claim.score_commitment:
        raise InvalidClaim("the score and salt do not open the claim's score commitment", field="score")
    if holder_commitment(holder_secret) != claim.holder_commitment:
        raise InvalidClaim("the holder secret is not the one the claim is bound to", field="holderSecret")
    signature = signed_claim.signature
    values = {
        "score": score,
        "salt": salt,
        "checks": claim.checks,
        "timestamp": claim.timestamp,
        "validUntil": claim.valid_until,
        "credentialIdHash": claim.credential_id_hash,
        "holderSecret": holder_secret,
        "R8x": signature.r8x,
        "R8y": signature.r8y,
        "S": signature.s,
        "issuerAx": signed_claim.public_key.x,
        "issuerAy": signed_claim.public_key.y,
        **request.signals(),
    }
    return {name: str(value) for name, value in values.items()}


@dataclass(frozen=True, slots=True)
class PresentationProof:
    """A presentation proof: the Groth16 proof and the 10 public signals, in snarkjs's JSON."""

    proof: Groth16Proof
    public_signals: tuple[int, ...]

    def signal(self, name: str) -> int:
        return self.public_signals[PRESENTATION_SIGNALS.index(name)]

    @property
    def pseudonym(self) -> int:
        return self.signal("pseudonym")

    @property
    def issuer_key(self) -> tuple[int, int]:
        """The issuer key (Ax, Ay) the proof says signed the claim (check it is trusted)."""
        return self.signal("issuerAx"), self.signal("issuerAy")

    @classmethod
    def from_json(cls, data: Any) -> PresentationProof:
        """``{"proof": <snarkjs groth16 proof>, "publicSignals": [10 decimal strings]}``; strict:
        no other fields, every signal a canonical decimal below r; raises :class:`MalformedProof`."""
        if not isinstance(data, Mapping):
            raise MalformedProof("a presentation proof must be an object")
        if set(data) != {"proof", "publicSignals"}:
            raise MalformedProof("a presentation proof has exactly the fields proof and publicSignals")
        proof = data["proof"]
        if not isinstance(proof, Mapping) or not set(proof) <= {"pi_a", "pi_b", "pi_c", "protocol", "curve"}:
            raise MalformedProof("proof must be a snarkjs groth16 proof")
        signals = data["publicSignals"]
        if not isinstance(signals, list) or len(signals) != len(PRESENTATION_SIGNALS):
            raise MalformedProof(f"publicSignals must be a list of {len(PRESENTATION_SIGNALS)}")
        values = tuple(parse_decimal(v, f"publicSignals[{i}]") for i, v in enumerate(signals))
        if any(v >= SCALAR_FIELD_ORDER for v in values):
            raise MalformedProof("a public signal is not below the BN254 scalar-field order")
        return cls(Groth16Proof.from_snarkjs(proof), values)

    def to_json(self) -> dict[str, Any]:
        return {"proof": self.proof.to_snarkjs(), "publicSignals": [str(s) for s in self.public_signals]}


def check_presentation(
    proof: PresentationProof, request: PresentationRequest, trusted_keys: Iterable[BabyJubJubPublicKey]
) -> tuple[str, ...]:
    """The checks before the pairing: shape, trusted issuer key, the request's public inputs."""
    signals = proof.public_signals
    if len(signals) != len(PRESENTATION_SIGNALS):
        return ("public_signals_malformed",)
    if any(not 0 <= s < SCALAR_FIELD_ORDER for s in signals):
        return ("public_signal_out_of_range",)
    reasons = []
    if proof.issuer_key not in {key.point for key in trusted_keys}:
        reasons.append("untrusted_issuer_key")
    expected = request.signals()
    reasons += [_MISMATCH[name] for name in _REQUEST_SIGNALS if proof.signal(name) != expected[name]]
    return tuple(reasons)


def verify_presentation_proof(
    proof: PresentationProof,
    verification_key: VerificationKey,
    request: PresentationRequest,
    trusted_keys: Iterable[BabyJubJubPublicKey],
) -> VerificationResult:
    """Verify a presentation against ``request`` and the trusted issuer keys, in pure Python.

    The pairing (about a second on one core with py_ecc) runs only when every other check
    passed; its failure is the reason ``proof_invalid``. ``proof.pseudonym`` is meaningful once
    this returns verified (0 when the request has no scope).
    """
    reasons = check_presentation(proof, request, trusted_keys)
    if reasons:
        return VerificationResult.of(reasons)
    if groth16_check(verification_key, proof.proof, proof.public_signals):
        return VerificationResult.of(("proof_invalid",))
    return VerificationResult.of(())


@cache
def _packaged_key() -> VerificationKey:
    return VerificationKey.from_file(
        Artifacts.packaged("presentation").verification_key, n_public=CIRCUITS["presentation"].n_public
    )


def load_presentation_key(path: Path | str | None = None) -> VerificationKey:
    """The committed presentation verification key, or the one at ``path`` (checked either way)."""
    if path is None:
        return _packaged_key()
    return VerificationKey.from_file(path, n_public=CIRCUITS["presentation"].n_public)
