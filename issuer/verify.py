"""Credential verification: every check runs and reports; nothing raises for a bad credential.

Checks, each ``passed``, ``failed`` or ``unchecked`` (with the reason):

- ``proof``     the Data Integrity / Ed25519Signature2020 proof, its key resolved through the
                DID resolver and required to belong to the issuer under ``assertionMethod``;
- ``schema``    the LivenessCredential JSON Schema (credentials of other types: unchecked);
- ``validity``  issuanceDate / validFrom not in the future, expirationDate / validUntil not past;
- ``status``    the Bitstring Status List bit, from a status list credential whose own proof
                and issuer are checked too;
- ``evidence``  each Groth16 face-match proof, through the ``zk`` checker when one is given.

``verified`` is true only when no check failed; ``unchecked`` checks become warnings.

The proof is checked cheapest first, and a credential does no JSON-LD work until everything
cheaper holds: the proof's shape, the issuer policy, the key (through the resolver), the
structural caps, then canonicalisation and the signature. A credential too complex to process
raises ``CredentialTooComplex`` (hostile input, not a verdict). Status and evidence cost
fetches, canonicalisation of the status list and Groth16 verification: they run only for a
credential whose proof holds, and are reported unchecked otherwise.
"""

from __future__ import annotations

import hashlib
import json
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal, Protocol

from did import DIDResolver, Ed25519PublicKey, FetchBusy
from issuer._exceptions import CredentialTooComplex
from issuer.bitstring import bit_at, decode_list
from issuer.contexts import ContextLoader
from issuer.credential import CREDENTIAL_TYPE, parse_datetime
from issuer.proofs import verify_proof
from issuer.schema import schema_errors

Status = Literal["passed", "failed", "unchecked"]
CLOCK_SKEW = timedelta(minutes=5)
# A livecred credential carries one Groth16 proof; each costs a pairing check to verify.
MAX_FACE_MATCH_PROOFS = 2


@dataclass(frozen=True, slots=True)
class CheckOutcome:
    name: str
    status: Status
    message: str = ""


@dataclass(frozen=True, slots=True)
class VerificationResult:
    outcomes: tuple[CheckOutcome, ...]
    credential_id: str | None = None
    issuer: str | None = None
    credential_status: str | None = field(default=None)

    @property
    def verified(self) -> bool:
        return bool(self.outcomes) and all(o.status != "failed" for o in self.outcomes)

    @property
    def checks(self) -> list[str]:
        return [o.name for o in self.outcomes if o.status == "passed"]

    @property
    def warnings(self) -> list[str]:
        return [f"{o.name}: {o.message}" for o in self.outcomes if o.status == "unchecked"]

    @property
    def errors(self) -> list[str]:
        return [f"{o.name}: {o.message}" for o in self.outcomes if o.status == "failed"]


class StatusListSource(Protocol):
    """Gives the status list credential at ``url``; ``None`` when it cannot be had (offline)."""

    def __call__(self, url: str) -> Mapping[str, Any] | None: ...


class EvidenceChecker(Protocol):
    """Checks one Groth16 face-match evidence entry: (passed, message)."""

    def __call__(self, evidence: Mapping[str, Any]) -> tuple[bool, str]: ...


def _issuer_id(credential: Mapping[str, Any]) -> str | None:
    issuer = credential.get("issuer")
    if isinstance(issuer, dict):
        issuer = issuer.get("id")
    return issuer if isinstance(issuer, str) else None


def _types(node: Mapping[str, Any]) -> list[str]:
    value = node.get("type")
    return (
        [value]
        if isinstance(value, str)
        else [t for t in value if isinstance(t, str)]
        if isinstance(value, list)
        else []
    )


def _guarded(name: str, check: Callable[[], CheckOutcome]) -> CheckOutcome:
    """Run one check; hostile input that trips a library is a failed check, not a 500."""
    try:
        return check()
    except (CredentialTooComplex, FetchBusy):
        # Refused outright: a hostile credential gets a 422, and a check that could not run now
        # (every fetch slot taken) a 503 with Retry-After, never a "verified: false" verdict.
        raise
    except Exception as exc:  # noqa: BLE001 - a verdict, never an exception, for a bad credential
        return CheckOutcome(name, "failed", f"could not be checked ({type(exc).__name__})")


class CredentialVerifier:
    def __init__(
        self,
        resolver: DIDResolver,
        loader: ContextLoader,
        *,
        status_source: StatusListSource | None = None,
        evidence_checker: EvidenceChecker | None = None,
        clock: Callable[[], datetime],
    ) -> None:
        self.resolver = resolver
        self.loader = loader
        self.status_source = status_source
        self.evidence_checker = evidence_checker
        self.clock = clock
        # Digests of status list credentials whose proof already verified: the same bytes need
        # no second signature check (a list is re-signed whenever it changes).
        self._verified_lists: OrderedDict[str, None] = OrderedDict()

    def _lookup(self, vm_id: str, purpose: str) -> Ed25519PublicKey:
        return self.resolver.verification_method(vm_id, purpose).ed25519_public_key()

    def verify(self, credential: object) -> VerificationResult:
        if not isinstance(credential, dict):
            return VerificationResult((CheckOutcome("credential", "failed", "not a JSON object"),))
        issuer = _issuer_id(credential)
        cred_id = credential.get("id") if isinstance(credential.get("id"), str) else None
        proof = _guarded("proof", lambda: self._proof(credential, issuer))
        outcomes = [
            proof,
            _guarded("schema", lambda: self._schema(credential)),
            _guarded("validity", lambda: self._validity(credential)),
        ]
        if proof.status != "passed":
            outcomes.extend(self._not_checked(credential))
            return VerificationResult(tuple(outcomes), cred_id, issuer)
        status_outcome, status_word = self._status(credential, issuer)
        if status_outcome is not None:
            outcomes.append(status_outcome)
        outcomes.extend(self._evidence(credential))
        return VerificationResult(tuple(outcomes), cred_id, issuer, status_word)

    # individual checks -----------------------------------------------------------------------
    def _proof(self, credential: dict[str, Any], issuer: str | None) -> CheckOutcome:
        if issuer is None:
            return CheckOutcome("proof", "failed", "the credential names no issuer")
        check = verify_proof(credential, self._lookup, self.loader, expected_controller=issuer)
        if check.verified:
            return CheckOutcome("proof", "passed", f"signed by {check.verification_method}")
        return CheckOutcome("proof", "failed", check.reason or "the proof does not verify")

    def _schema(self, credential: dict[str, Any]) -> CheckOutcome:
        if CREDENTIAL_TYPE not in _types(credential):
            return CheckOutcome("schema", "unchecked", f"not a {CREDENTIAL_TYPE}; no schema known for it")
        errors = schema_errors({k: v for k, v in credential.items() if k != "proof"})
        if errors:
            return CheckOutcome("schema", "failed", "; ".join(f"{e['path']}: {e['message']}" for e in errors[:10]))
        return CheckOutcome("schema", "passed")

    def _validity(self, credential: dict[str, Any]) -> CheckOutcome:
        now = self.clock()
        start_key = "issuanceDate" if "issuanceDate" in credential else "validFrom"
        start = parse_datetime(credential.get(start_key))
        if start is None:
            return CheckOutcome("validity", "failed", f"{start_key} is missing or not a date-time")
        if start > now + CLOCK_SKEW:
            return CheckOutcome("validity", "failed", f"not valid before {credential[start_key]}")
        end_key = "expirationDate" if "expirationDate" in credential else "validUntil"
        if end_key in credential:
            end = parse_datetime(credential.get(end_key))
            if end is None:
                return CheckOutcome("validity", "failed", f"{end_key} is not a date-time")
            if end <= now:
                return CheckOutcome("validity", "failed", f"expired at {credential[end_key]}")
        return CheckOutcome("validity", "passed")

    def _status(self, credential: dict[str, Any], issuer: str | None) -> tuple[CheckOutcome | None, str | None]:
        entry = credential.get("credentialStatus")
        if entry is None:
            return None, None
        if not isinstance(entry, dict) or "BitstringStatusListEntry" not in _types(entry):
            return CheckOutcome("status", "unchecked", "unsupported credentialStatus type"), None
        url = entry.get("statusListCredential")
        purpose = entry.get("statusPurpose")
        try:
            index = int(entry.get("statusListIndex"))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return CheckOutcome("status", "failed", "statusListIndex is not an integer"), None
        if not isinstance(url, str) or purpose not in ("revocation", "suspension"):
            return CheckOutcome("status", "failed", "malformed BitstringStatusListEntry"), None
        try:
            listing = self.status_source(url) if self.status_source is not None else None
            if listing is None:
                return CheckOutcome("status", "unchecked", "the status list is not available (offline)"), None
            problem = self._check_list(listing, url, issuer, purpose)
        except CredentialTooComplex as exc:
            return CheckOutcome("status", "failed", f"status list refused: {exc.message}"), None
        if problem:
            return CheckOutcome("status", "failed", problem), None
        try:
            bits = decode_list(str(listing["credentialSubject"]["encodedList"]))
            is_set = bit_at(bits, index)
        except (ValueError, IndexError, KeyError, TypeError) as exc:
            return CheckOutcome("status", "failed", f"status list unreadable: {exc}"), None
        if is_set:
            word = "revoked" if purpose == "revocation" else "suspended"
            return CheckOutcome("status", "failed", f"the credential is {word}"), word
        return CheckOutcome(
            "status", "passed", f"not {'revoked' if purpose == 'revocation' else 'suspended'}"
        ), "active"

    def _check_list(self, listing: Mapping[str, Any], url: str, issuer: str | None, purpose: str) -> str | None:
        if listing.get("id") != url:
            return "the status list credential does not have the URL it was fetched from"
        if _issuer_id(listing) != issuer:
            return "the status list is not signed by the credential's issuer"
        subject = listing.get("credentialSubject")
        if not isinstance(subject, dict) or subject.get("statusPurpose") != purpose:
            return "the status list's purpose does not match the entry"
        digest = hashlib.sha256(json.dumps(listing, sort_keys=True).encode()).hexdigest()
        if digest not in self._verified_lists:
            check = verify_proof(dict(listing), self._lookup, self.loader, expected_controller=issuer)
            if not check.verified:
                return f"the status list's proof does not verify: {check.reason}"
            self._verified_lists[digest] = None
            while len(self._verified_lists) > 256:
                self._verified_lists.popitem(last=False)
        validity = self._validity(dict(listing))
        if validity.status == "failed":
            return f"the status list is not valid: {validity.message}"
        return None

    def _evidence(self, credential: dict[str, Any]) -> list[CheckOutcome]:
        raw = credential.get("evidence")
        items = raw if isinstance(raw, list) else [raw] if isinstance(raw, dict) else []
        proofs = [e for e in items if isinstance(e, dict) and "Groth16FaceMatchProof" in _types(e)]
        if len(proofs) > MAX_FACE_MATCH_PROOFS:
            message = f"more than {MAX_FACE_MATCH_PROOFS} Groth16 face-match proofs; none checked"
            return [CheckOutcome("evidence", "failed", message)]
        outcomes = []
        for n, evidence in enumerate(proofs):
            name = "evidence" if len(proofs) == 1 else f"evidence[{n}]"
            if self.evidence_checker is None:
                outcomes.append(CheckOutcome(name, "unchecked", "Groth16 face-match proof present but not checked"))
                continue
            ok, message = self.evidence_checker(evidence)
            outcomes.append(CheckOutcome(name, "passed" if ok else "failed", message))
        return outcomes

    def _not_checked(self, credential: dict[str, Any]) -> list[CheckOutcome]:
        """Status and evidence, skipped for a credential whose proof does not hold."""
        why = "not checked: the proof does not hold"
        skipped = []
        if credential.get("credentialStatus") is not None:
            skipped.append(CheckOutcome("status", "unchecked", why))
        raw = credential.get("evidence")
        items = raw if isinstance(raw, list) else [raw]
        if any(isinstance(e, dict) and "Groth16FaceMatchProof" in _types(e) for e in items):
            skipped.append(CheckOutcome("evidence", "unchecked", why))
        return skipped
