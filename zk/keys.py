"""The verification key and the circuit artifacts, located, hash-checked and parsed before use.

Each circuit's artifacts (``<name>.wasm``, ``<name>_final.zkey``, ``verification_key.json``,
the Solidity verifier and the ceremony transcript) are built by ``zk/build.py`` and shipped
inside the package: the face-match circuit's under ``zk/artifacts``, the presentation circuit's
under ``zk/artifacts/presentation`` (:data:`CIRCUITS`); a deployment that ran its own ceremony
points :meth:`Artifacts.at` at its own directory. ``ceremony.json`` records the sha256 of every file, and
:meth:`Artifacts.check` refuses a directory whose files do not match it.

A :class:`VerificationKey` is parsed like any external crypto material: every point is checked to
lie on the curve (and, for G2, in the prime-order subgroup) and not to be the point at infinity,
or :class:`InvalidVerificationKey` is raised.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from zk import _curve
from zk._exceptions import ArtifactsUnavailable, InvalidVerificationKey, MalformedProof
from zk.proof import PUBLIC_SIGNALS, G1Point, G2Point

__all__ = ["CIRCUITS", "Artifacts", "Circuit", "VerificationKey", "load_verification_key"]

PACKAGE_DIR = Path(__file__).resolve().parent
ARTIFACTS_DIR = PACKAGE_DIR / "artifacts"
CEREMONY_FILE = "ceremony.json"


@dataclass(frozen=True, slots=True)
class Circuit:
    """One circuit the package ships: its name (file stem), Solidity contract and public signals."""

    name: str
    contract: str
    n_public: int
    packaged_dir: Path

    @property
    def source(self) -> Path:
        return PACKAGE_DIR / "circuits" / f"{self.name}.circom"


CIRCUITS: Mapping[str, Circuit] = {
    "facematch": Circuit("facematch", "FaceMatchVerifier", len(PUBLIC_SIGNALS), ARTIFACTS_DIR),
    # [pseudonym, issuerAx, issuerAy, threshold, requiredChecks, notBefore, atTime, nonce, domain, scope]
    "presentation": Circuit("presentation", "PresentationVerifier", 10, ARTIFACTS_DIR / "presentation"),
}


@dataclass(frozen=True, slots=True)
class Artifacts:
    """Where one build's files are. Nothing is read until a method asks for it."""

    directory: Path
    circuit: str = "facematch"

    @classmethod
    def packaged(cls, circuit: str = "facematch") -> Artifacts:
        return cls(CIRCUITS[circuit].packaged_dir, circuit)

    @classmethod
    def at(cls, directory: Path | str, circuit: str = "facematch") -> Artifacts:
        if circuit not in CIRCUITS:
            raise ArtifactsUnavailable(f"unknown circuit {circuit!r}")
        return cls(Path(directory).resolve(), circuit)

    @property
    def wasm(self) -> Path:
        return self.directory / f"{self.circuit}.wasm"

    @property
    def zkey(self) -> Path:
        return self.directory / f"{self.circuit}_final.zkey"

    @property
    def verification_key(self) -> Path:
        return self.directory / "verification_key.json"

    @property
    def verifier_sol(self) -> Path:
        return self.directory / f"{CIRCUITS[self.circuit].contract}.sol"

    @property
    def r1cs(self) -> Path:
        return self.directory / f"{self.circuit}.r1cs"

    @property
    def ceremony(self) -> Path:
        return self.directory / CEREMONY_FILE

    def ceremony_record(self) -> dict[str, Any]:
        try:
            record = json.loads(self.ceremony.read_text())
        except (OSError, ValueError) as exc:
            raise ArtifactsUnavailable(
                f"no readable {CEREMONY_FILE} in {self.directory}: run `livecred zk build`"
            ) from exc
        if not isinstance(record, dict) or not isinstance(record.get("files"), dict):
            raise ArtifactsUnavailable(f"{self.ceremony} has no file list")
        return record

    def check(self) -> None:
        """Every file the service needs is present and matches the sha256 in ceremony.json."""
        files = self.ceremony_record()["files"]
        for path in (self.wasm, self.zkey, self.verification_key, self.verifier_sol):
            expected = files.get(path.name)
            if not path.is_file():
                raise ArtifactsUnavailable(f"{path.name} missing in {self.directory}: run `livecred zk build`")
            if hashlib.sha256(path.read_bytes()).hexdigest() != expected:
                raise ArtifactsUnavailable(f"{path.name} in {self.directory} does not match {CEREMONY_FILE}")


def _g1(value: Any, what: str) -> G1Point:
    point = G1Point.from_snarkjs(value, what)
    if not _curve.g1_is_valid(point):
        raise InvalidVerificationKey(f"verification key {what} is not a valid G1 point")
    return point


def _g2(value: Any, what: str) -> G2Point:
    point = G2Point.from_snarkjs(value, what)
    if not _curve.g2_is_valid(point):
        raise InvalidVerificationKey(f"verification key {what} is not a valid G2 point")
    return point


@dataclass(frozen=True, slots=True)
class VerificationKey:
    """A checked Groth16 verification key (snarkjs JSON form), by default the face-match circuit's."""

    alpha: G1Point
    beta: G2Point
    gamma: G2Point
    delta: G2Point
    ic: tuple[G1Point, ...]
    source: Mapping[str, Any] = field(repr=False, compare=False)

    @property
    def n_public(self) -> int:
        return len(self.ic) - 1

    @property
    def fingerprint(self) -> str:
        """Names the key a proof was checked against (a credential can record it; a new ceremony
        gives a new one): sha256 of the compact JSON array [alpha, beta, gamma, delta, IC...] in
        snarkjs's point encoding."""
        points: list[Any] = [p.to_snarkjs() for p in (self.alpha, self.beta, self.gamma, self.delta)]
        points += [p.to_snarkjs() for p in self.ic]
        canonical = json.dumps(points, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()

    @classmethod
    def from_json(cls, data: Any, *, n_public: int = len(PUBLIC_SIGNALS)) -> VerificationKey:
        """Parse and check a key with ``n_public`` public signals (the face-match circuit's 3 by default)."""
        if not isinstance(data, Mapping):
            raise InvalidVerificationKey("a verification key must be a JSON object")
        if data.get("protocol") != "groth16" or data.get("curve") != "bn128":
            raise InvalidVerificationKey("only groth16 keys on bn128 are supported")
        try:
            ic_json = data["IC"]
            if not isinstance(ic_json, list) or data.get("nPublic") != n_public or len(ic_json) != n_public + 1:
                raise InvalidVerificationKey(f"the key must have {n_public} public inputs")
            return cls(
                alpha=_g1(data["vk_alpha_1"], "vk_alpha_1"),
                beta=_g2(data["vk_beta_2"], "vk_beta_2"),
                gamma=_g2(data["vk_gamma_2"], "vk_gamma_2"),
                delta=_g2(data["vk_delta_2"], "vk_delta_2"),
                ic=tuple(_g1(p, f"IC[{i}]") for i, p in enumerate(ic_json)),
                source=dict(data),
            )
        except KeyError as exc:
            raise InvalidVerificationKey(f"verification key has no {exc.args[0]}") from None
        except (MalformedProof, TypeError) as exc:
            raise InvalidVerificationKey(f"malformed verification key: {exc}") from None

    @classmethod
    def from_file(cls, path: Path | str, *, n_public: int = len(PUBLIC_SIGNALS)) -> VerificationKey:
        try:
            data = json.loads(Path(path).read_text())
        except (OSError, ValueError) as exc:
            raise InvalidVerificationKey(f"cannot read the verification key {path}: {exc}") from exc
        return cls.from_json(data, n_public=n_public)

    def to_json(self) -> dict[str, Any]:
        """The key as snarkjs wrote it (what ``GET /zk/verification-key`` publishes)."""
        return copy.deepcopy(dict(self.source))


@cache
def _packaged_key() -> VerificationKey:
    return VerificationKey.from_file(Artifacts.packaged().verification_key)


def load_verification_key(path: Path | str | None = None) -> VerificationKey:
    """The committed face-match verification key, or the one at ``path`` (checked either way)."""
    return _packaged_key() if path is None else VerificationKey.from_file(path)
