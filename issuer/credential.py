"""Building a ``LivenessCredential`` (W3C VC Data Model 1.1) and its evidence.

The builder fills what the issuer owns (id, issuer, dates, schema, contexts) and leaves status
and proof to ``Issuer.issue``. Evidence records which checks were performed and, when a face
match was proven, the Groth16 proof object; never a score, an image or an embedding.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from issuer.contexts import CREDENTIALS_V1, liveness_context_url, schema_url

CREDENTIAL_TYPE = "LivenessCredential"


def xsd_datetime(value: datetime) -> str:
    """``2026-11-21T10:00:00Z``: UTC, second precision, as VC 1.1 examples and wallets expect."""
    return value.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def parse_datetime(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else None


def liveness_evidence(
    checks: Iterable[str], *, engine: str | None = None, verifier: str | None = None
) -> dict[str, Any]:
    evidence: dict[str, Any] = {"type": ["LivenessCheckEvidence"], "checks": list(checks)}
    if engine:
        evidence["engine"] = engine
    if verifier:
        evidence["verifier"] = verifier
    return evidence


def face_match_proof_evidence(proof: Mapping[str, Any], *, verification_key_url: str | None = None) -> dict[str, Any]:
    """Evidence entry for a Groth16 face-match proof (the snarkjs proof and its public signals).

    ``proof`` carries ``proof`` (snarkjs JSON), ``publicSignals``, ``threshold``, ``nonce`` and
    ``commitment``, as ``zk`` produces them.
    """
    evidence: dict[str, Any] = {
        "type": ["Groth16FaceMatchProof"],
        "circuit": str(proof.get("circuit", "facematch")),
        "threshold": int(proof["threshold"]),
        "nonce": str(proof["nonce"]),
        "commitment": str(proof["commitment"]),
        "publicSignals": [str(s) for s in proof["publicSignals"]],
        "groth16Proof": dict(proof["proof"]),
    }
    if "scale" in proof:
        evidence["scale"] = int(proof["scale"])
    if verification_key_url:
        evidence["verificationKey"] = verification_key_url
    return evidence


def build_liveness_credential(
    *,
    issuer: str,
    holder_did: str,
    device_type: str,
    timestamp: datetime,
    public_url: str,
    issued_at: datetime,
    expires_at: datetime | None,
    evidence: Iterable[Mapping[str, Any]] = (),
    credential_id: str | None = None,
) -> dict[str, Any]:
    credential: dict[str, Any] = {
        "@context": [CREDENTIALS_V1, liveness_context_url(public_url)],
        "id": credential_id or f"urn:uuid:{uuid.uuid4()}",
        "type": ["VerifiableCredential", CREDENTIAL_TYPE],
        "issuer": issuer,
        "issuanceDate": xsd_datetime(issued_at),
        "credentialSubject": {"id": holder_did, "deviceType": device_type, "timestamp": xsd_datetime(timestamp)},
        "credentialSchema": {"id": schema_url(public_url), "type": "JsonSchema"},
    }
    if expires_at is not None:
        credential["expirationDate"] = xsd_datetime(expires_at)
    items = [dict(e) for e in evidence]
    if items:
        credential["evidence"] = items
    return credential
