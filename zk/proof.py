"""The proof as typed values: snarkjs's Groth16 JSON parsed into integers, and the face-match
statement (threshold, commitment, nonce) that travels with it.

Parsing here is structural and strict: every number must be a canonical decimal string (as
snarkjs writes them), every coordinate below the base-field modulus, and points must be in
snarkjs's affine form (z = 1). Whether the points lie on the curve and in the right subgroup,
and whether the public signals are below the scalar-field order, is the verifier's job
(:mod:`zk.verifier`), which reports failures as reasons rather than raising.

JSON form of a :class:`FaceMatchProof` (what ``to_json`` writes and ``from_json`` reads)::

    {"proof": {"pi_a": [...], "pi_b": [...], "pi_c": [...], "protocol": "groth16", "curve": "bn128"},
     "publicSignals": ["6000", "<commitment>", "<nonce>"],
     "threshold": 6000, "commitment": "<decimal>", "nonce": "<decimal>", "scale": 10000}

``threshold``, ``commitment`` and ``nonce`` state what the proof is claimed to prove; the verifier
checks them against the public signals *and* against the verifier's own policy. ``scale`` (the
fixed-point unit of ``threshold``) is optional on input and must be 10000 when given.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from zk._exceptions import MalformedProof
from zk._field import BASE_FIELD_MODULUS, SCORE_SCALE

__all__ = [
    "PUBLIC_SIGNALS",
    "FaceMatchProof",
    "G1Point",
    "G2Point",
    "Groth16Proof",
]

# The circuit's public signals, in snarkjs order (declaration order in facematch.circom).
PUBLIC_SIGNALS = ("threshold", "commitment", "nonce")

_DECIMAL = re.compile(r"0|[1-9][0-9]{0,77}")


def parse_decimal(value: Any, what: str) -> int:
    """A canonical decimal string (no sign, no leading zeros) -> int, else MalformedProof."""
    if not isinstance(value, str) or not _DECIMAL.fullmatch(value):
        raise MalformedProof(f"{what} must be a decimal string")
    return int(value)


def _coordinate(value: Any, what: str) -> int:
    number = parse_decimal(value, what)
    if number >= BASE_FIELD_MODULUS:
        raise MalformedProof(f"{what} is not below the base-field modulus")
    return number


def _sequence(value: Any, length: int, what: str) -> Sequence[Any]:
    if not isinstance(value, list | tuple) or len(value) != length:
        raise MalformedProof(f"{what} must be a list of {length}")
    return value


@dataclass(frozen=True, slots=True)
class G1Point:
    """Affine point of G1 over F_q."""

    x: int
    y: int

    @classmethod
    def from_snarkjs(cls, value: Any, what: str) -> G1Point:
        x, y, z = _sequence(value, 3, what)
        if z != "1":
            raise MalformedProof(f"{what} must be affine (z = 1)")
        return cls(_coordinate(x, f"{what}.x"), _coordinate(y, f"{what}.y"))

    def to_snarkjs(self) -> list[str]:
        return [str(self.x), str(self.y), "1"]


@dataclass(frozen=True, slots=True)
class G2Point:
    """Affine point of G2 over F_q2; each coordinate is (c0, c1) = c0 + c1*u, as snarkjs orders them."""

    x: tuple[int, int]
    y: tuple[int, int]

    @classmethod
    def from_snarkjs(cls, value: Any, what: str) -> G2Point:
        x, y, z = _sequence(value, 3, what)
        if list(_sequence(z, 2, f"{what}.z")) != ["1", "0"]:
            raise MalformedProof(f"{what} must be affine (z = 1)")
        x0, x1 = _sequence(x, 2, f"{what}.x")
        y0, y1 = _sequence(y, 2, f"{what}.y")
        return cls(
            (_coordinate(x0, f"{what}.x"), _coordinate(x1, f"{what}.x")),
            (_coordinate(y0, f"{what}.y"), _coordinate(y1, f"{what}.y")),
        )

    def to_snarkjs(self) -> list[list[str]]:
        return [[str(self.x[0]), str(self.x[1])], [str(self.y[0]), str(self.y[1])], ["1", "0"]]


@dataclass(frozen=True, slots=True)
class Groth16Proof:
    """A Groth16 proof (A in G1, B in G2, C in G1) in snarkjs's encoding."""

    a: G1Point
    b: G2Point
    c: G1Point

    @classmethod
    def from_snarkjs(cls, data: Any) -> Groth16Proof:
        if not isinstance(data, Mapping):
            raise MalformedProof("proof must be an object")
        if data.get("protocol", "groth16") != "groth16" or data.get("curve", "bn128") != "bn128":
            raise MalformedProof("proof must be a groth16 proof on bn128")
        try:
            return cls(
                G1Point.from_snarkjs(data["pi_a"], "pi_a"),
                G2Point.from_snarkjs(data["pi_b"], "pi_b"),
                G1Point.from_snarkjs(data["pi_c"], "pi_c"),
            )
        except KeyError as exc:
            raise MalformedProof(f"proof has no {exc.args[0]}") from None

    def to_snarkjs(self) -> dict[str, Any]:
        return {
            "pi_a": self.a.to_snarkjs(),
            "pi_b": self.b.to_snarkjs(),
            "pi_c": self.c.to_snarkjs(),
            "protocol": "groth16",
            "curve": "bn128",
        }


def parse_public_signals(value: Any) -> tuple[int, ...]:
    if not isinstance(value, list | tuple) or not value or len(value) > 64:
        raise MalformedProof("publicSignals must be a non-empty list")
    return tuple(parse_decimal(v, "publicSignals[]") for v in value)


@dataclass(frozen=True, slots=True)
class FaceMatchProof:
    """A face-match proof and the statement it is claimed to prove.

    ``threshold`` is the scaled threshold (confidence x 10000), ``commitment`` is
    Poseidon(score, salt), ``nonce`` is the field element the verifier's challenge maps to.
    """

    proof: Groth16Proof
    public_signals: tuple[int, ...]
    threshold: int
    commitment: int
    nonce: int

    @classmethod
    def from_json(cls, data: Any) -> FaceMatchProof:
        """Parse the JSON form (see the module docstring); raises :class:`MalformedProof`."""
        if not isinstance(data, Mapping):
            raise MalformedProof("a face-match proof must be an object")
        missing = [k for k in ("proof", "publicSignals", "threshold", "commitment", "nonce") if k not in data]
        if missing:
            raise MalformedProof(f"face-match proof without {', '.join(missing)}")
        threshold = data["threshold"]
        if isinstance(threshold, bool) or not isinstance(threshold, int | str):
            raise MalformedProof("threshold must be an integer")
        if data.get("scale", SCORE_SCALE) != SCORE_SCALE:
            raise MalformedProof(f"scale must be {SCORE_SCALE} (threshold = confidence x {SCORE_SCALE})")
        return cls(
            proof=Groth16Proof.from_snarkjs(data["proof"]),
            public_signals=parse_public_signals(data["publicSignals"]),
            threshold=threshold if isinstance(threshold, int) else parse_decimal(threshold, "threshold"),
            commitment=parse_decimal(data["commitment"], "commitment"),
            nonce=parse_decimal(data["nonce"], "nonce"),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "proof": self.proof.to_snarkjs(),
            "publicSignals": [str(s) for s in self.public_signals],
            "threshold": self.threshold,
            "commitment": str(self.commitment),
            "nonce": str(self.nonce),
            "scale": SCORE_SCALE,
        }

    @classmethod
    def from_snarkjs(cls, proof: Any, public_signals: Any) -> FaceMatchProof:
        """Take the statement from the public signals (for a proof this service just made)."""
        signals = parse_public_signals(public_signals)
        if len(signals) != len(PUBLIC_SIGNALS):
            raise MalformedProof(f"expected {len(PUBLIC_SIGNALS)} public signals, got {len(signals)}")
        threshold, commitment, nonce = signals
        return cls(Groth16Proof.from_snarkjs(proof), signals, threshold, commitment, nonce)
