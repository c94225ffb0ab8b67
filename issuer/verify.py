"""Credential verification under a policy: every check runs and reports; nothing raises for a
bad credential.

Checks, each ``passed``, ``failed`` or ``unchecked`` (with the reason code, see ``outcomes``):

- ``issuer``    the issuer is one the policy trusts (``untrusted_issuer`` otherwise);
- ``proof``     the Data Integrity / Ed25519Signature2020 proof, its key resolved through the
                DID resolver and required to belong to the issuer under ``assertionMethod``;
                a proof set or chain: every proof, one of them the issuer's (``issuer.proof_sets``);
- ``schema``    the LivenessCredential JSON Schema (credentials of other types: unchecked);
- ``validity``  issuanceDate / validFrom not in the future, expirationDate / validUntil not past,
                and, with a policy ``max_age``, the liveness check itself recent enough;
- ``status``    each Bitstring Status List entry (``issuer.status_check``);
- ``evidence``  each Groth16 face-match proof, through the ``zk`` checker when one is given;
- ``zkClaim``   the ``LivenessClaimSignature`` a holder presents in zero knowledge, when there is
                one: its signature, its key (the issuer's) and its fields (``issuer.claim_check``).

Order and cost: the proof's shape, then the issuer policy, then the key (through the resolver),
the structural caps, canonicalisation and the signature. An untrusted issuer's credential does no
resolution and no JSON-LD work. Once the signature holds, schema, validity, status and evidence
are read from the signed graph (``issuer.signed_view``), never from the JSON as sent; status and
evidence run only then, and are reported unchecked otherwise. A credential too complex to
process raises ``CredentialTooComplex`` (hostile input, not a verdict).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any, Protocol

from did import DIDResolver, Ed25519PublicKey, FetchBusy
from issuer._exceptions import CredentialTooComplex
from issuer.claim_check import check_claim_evidence
from issuer.contexts import ContextLoader
from issuer.credential import CREDENTIAL_TYPE, parse_datetime
from issuer.outcomes import EVIDENCE_MEANING, CheckOutcome, VerificationResult, issuer_id, types_of
from issuer.policy import VerificationPolicy
from issuer.proof_sets import proofs_of, verify_proofs
from issuer.schema import schema_errors
from issuer.signed_view import signed_view
from issuer.status_check import StatusChecker, StatusListSource

CLOCK_SKEW = timedelta(minutes=5)
# A livecred credential carries one Groth16 proof; each costs a pairing check to verify.
MAX_FACE_MATCH_PROOFS = 2

__all__ = [
    "CheckOutcome",
    "CredentialVerifier",
    "EvidenceChecker",
    "StatusListSource",
    "VerificationResult",
]


class EvidenceChecker(Protocol):
    """Checks one Groth16 face-match evidence entry: (passed, message)."""

    def __call__(self, evidence: Mapping[str, Any]) -> tuple[bool, str]: ...


def _guarded(name: str, check: Callable[[], CheckOutcome], code: str) -> CheckOutcome:
    """Run one check; hostile input that trips a library is a failed check, not a 500."""
    try:
        return check()
    except (CredentialTooComplex, FetchBusy):
        # Refused outright: a hostile credential gets a 422, and a check that could not run now
        # (every fetch slot taken) a 503 with Retry-After, never a "verified: false" verdict.
        raise
    except Exception as exc:  # noqa: BLE001 - a verdict, never an exception, for a bad credential
        return CheckOutcome(name, "failed", f"could not be checked ({type(exc).__name__})", code)


class CredentialVerifier:
    def __init__(
        self,
        resolver: DIDResolver,
        loader: ContextLoader,
        *,
        policy: VerificationPolicy,
        status_source: StatusListSource | None = None,
        evidence_checker: EvidenceChecker | None = None,
        clock: Callable[[], datetime],
    ) -> None:
        self.resolver = resolver
        self.loader = loader
        self.policy = policy
        self.evidence_checker = evidence_checker
        self.clock = clock
        self.status_checker = StatusChecker(status_source, self._lookup, loader, lambda d: self._validity(d))

    def _lookup(self, vm_id: str, purpose: str) -> Ed25519PublicKey:
        return self.resolver.verification_method(vm_id, purpose).ed25519_public_key()

    def verify(self, credential: object, policy: VerificationPolicy | None = None) -> VerificationResult:
        """Verify ``credential`` under ``policy`` (default: the verifier's own)."""
        policy = policy or self.policy
        if not isinstance(credential, dict):
            return VerificationResult(
                (CheckOutcome("credential", "failed", "not a JSON object", "invalid_credential"),)
            )
        issuer = issuer_id(credential)
        trusted = policy.trusts(issuer)
        cred_id = credential.get("id") if isinstance(credential.get("id"), str) else None
        if issuer is None:
            issuer_check = CheckOutcome("issuer", "failed", "the credential names no issuer", "no_issuer")
        elif trusted:
            issuer_check = CheckOutcome("issuer", "passed", "a trusted issuer")
        else:
            issuer_check = CheckOutcome(
                "issuer", "failed", "the issuer is not trusted by this verifier", "untrusted_issuer"
            )
        proof = _guarded("proof", lambda: self._proof(credential, issuer, policy), "invalid_proof")
        view: dict[str, Any] | None = None
        if proof.status == "passed":
            view, problem = self._view(credential, issuer)
            if problem is not None:
                proof = problem
        if view is None:
            # Diagnostics only (the credential fails anyway): the JSON as sent.
            outcomes = [
                issuer_check,
                proof,
                _guarded("schema", lambda: self._schema(credential), "schema_invalid"),
                _guarded("validity", lambda: self._validity(credential, policy), "invalid_dates"),
                *self._not_checked(credential),
            ]
            return VerificationResult(tuple(outcomes), cred_id, issuer, None, trusted)
        signed = view
        outcomes = [
            issuer_check,
            proof,
            _guarded("schema", lambda: self._schema(signed), "schema_invalid"),
            _guarded("validity", lambda: self._validity(signed, policy), "invalid_dates"),
        ]
        status, word = self._status(signed, issuer, policy)
        if status is not None:
            outcomes.append(status)
        outcomes.extend(self._evidence(signed, policy))
        outcomes.extend(self._claim(signed, issuer))
        return VerificationResult(tuple(outcomes), cred_id, issuer, word, trusted)

    def _claim(self, view: dict[str, Any], issuer: str | None) -> list[CheckOutcome]:
        try:
            return check_claim_evidence(view, issuer, self.resolver)
        except FetchBusy:
            raise
        except Exception as exc:  # noqa: BLE001 - a verdict, never an exception, for a bad credential
            return [
                CheckOutcome("zkClaim", "failed", f"could not be checked ({type(exc).__name__})", "evidence_invalid")
            ]

    # individual checks -----------------------------------------------------------------------
    def _proof(self, credential: dict[str, Any], issuer: str | None, policy: VerificationPolicy) -> CheckOutcome:
        if issuer is None:
            return CheckOutcome("proof", "unchecked", "not checked: the credential names no issuer", "invalid_proof")
        check = verify_proofs(
            credential,
            self._lookup,
            self.loader,
            expected_controller=issuer,
            trusted_controllers=policy.trusted_issuers,
        )
        if check.verified:
            count = len(proofs_of(credential))
            extra = f" ({count} proofs, each verified)" if count > 1 else ""
            return CheckOutcome("proof", "passed", f"signed by {check.verification_method}{extra}")
        if check.code == "untrusted_issuer":
            return CheckOutcome("proof", "unchecked", "not checked: the issuer is not trusted", "invalid_proof")
        return CheckOutcome("proof", "failed", check.reason or "the proof does not verify", "invalid_proof")

    def _view(
        self, credential: dict[str, Any], issuer: str | None
    ) -> tuple[dict[str, Any] | None, CheckOutcome | None]:
        """The signed graph as JSON, or the failed ``proof`` outcome saying why it cannot be read."""
        try:
            view = signed_view(credential, self.loader)
        except CredentialTooComplex:
            raise
        except Exception as exc:  # noqa: BLE001 - a verdict: the signed graph is unreadable
            return None, CheckOutcome(
                "proof", "failed", f"the signed graph cannot be read ({type(exc).__name__})", "invalid_credential"
            )
        if issuer_id(view) != issuer:
            return None, CheckOutcome("proof", "failed", "the signed graph names another issuer", "invalid_credential")
        return view, None

    def _schema(self, credential: Mapping[str, Any]) -> CheckOutcome:
        if CREDENTIAL_TYPE not in types_of(credential):
            return CheckOutcome(
                "schema", "unchecked", f"not a {CREDENTIAL_TYPE}; no schema known for it", "schema_unchecked"
            )
        errors = schema_errors({k: v for k, v in credential.items() if k != "proof"})
        if errors:
            message = "; ".join(f"{e['path']}: {e['message']}" for e in errors[:10])
            return CheckOutcome("schema", "failed", message, "schema_invalid")
        return CheckOutcome("schema", "passed")

    def _validity(self, credential: Mapping[str, Any], policy: VerificationPolicy | None = None) -> CheckOutcome:
        now = self.clock()
        start_key = "issuanceDate" if "issuanceDate" in credential else "validFrom"
        start = parse_datetime(credential.get(start_key))
        if start is None:
            return CheckOutcome("validity", "failed", f"{start_key} is missing or not a date-time", "invalid_dates")
        if start > now + CLOCK_SKEW:
            return CheckOutcome("validity", "failed", f"not valid before {credential[start_key]}", "not_yet_valid")
        end_key = "expirationDate" if "expirationDate" in credential else "validUntil"
        if end_key in credential:
            end = parse_datetime(credential.get(end_key))
            if end is None:
                return CheckOutcome("validity", "failed", f"{end_key} is not a date-time", "invalid_dates")
            if end <= now:
                return CheckOutcome("validity", "failed", f"expired at {credential[end_key]}", "expired")
        if policy is not None and policy.max_age is not None:
            subject = credential.get("credentialSubject")
            checked_at = parse_datetime(subject.get("timestamp")) if isinstance(subject, dict) else None
            if checked_at is None:
                return CheckOutcome(
                    "validity", "failed", "no credentialSubject.timestamp to judge its age by", "too_old"
                )
            if checked_at > now + CLOCK_SKEW:
                return CheckOutcome("validity", "failed", "the liveness check is dated in the future", "invalid_dates")
            if now - checked_at > policy.max_age:
                age = int((now - checked_at).total_seconds())
                limit = int(policy.max_age.total_seconds())
                return CheckOutcome(
                    "validity", "failed", f"the liveness check is {age} s old (policy: {limit} s)", "too_old"
                )
        return CheckOutcome("validity", "passed")

    def _status(
        self, view: dict[str, Any], issuer: str | None, policy: VerificationPolicy
    ) -> tuple[CheckOutcome | None, str | None]:
        try:
            outcome, word = self.status_checker.check(view, issuer)
        except (CredentialTooComplex, FetchBusy):
            raise
        except Exception as exc:  # noqa: BLE001 - a verdict, never an exception
            outcome, word = (
                CheckOutcome("status", "failed", f"could not be checked ({type(exc).__name__})", "status_invalid"),
                None,
            )
        if outcome is None and CREDENTIAL_TYPE in types_of(view):
            outcome = CheckOutcome(
                "status", "unchecked", "no credentialStatus: revocation cannot be checked", "status_missing"
            )
        if outcome is not None and outcome.status == "unchecked" and policy.status == "strict":
            outcome = CheckOutcome("status", "failed", f"{outcome.message} (strict status policy)", outcome.code)
        return outcome, word

    def _evidence(self, view: dict[str, Any], policy: VerificationPolicy) -> list[CheckOutcome]:
        raw = view.get("evidence")
        items = raw if isinstance(raw, list) else [raw] if isinstance(raw, dict) else []
        proofs = [e for e in items if isinstance(e, dict) and "Groth16FaceMatchProof" in types_of(e)]
        if len(proofs) > MAX_FACE_MATCH_PROOFS:
            message = f"more than {MAX_FACE_MATCH_PROOFS} Groth16 face-match proofs; none checked"
            return [CheckOutcome("evidence", "failed", message, "evidence_invalid")]
        outcomes = []
        for n, evidence in enumerate(proofs):
            name = "evidence" if len(proofs) == 1 else f"evidence[{n}]"
            threshold = evidence.get("threshold")
            if not isinstance(threshold, int) or threshold < policy.min_face_match_threshold:
                message = f"the proven threshold is below the policy minimum {policy.min_face_match_threshold}"
                outcomes.append(CheckOutcome(name, "failed", message, "evidence_invalid"))
                continue
            if self.evidence_checker is None:
                message = "Groth16 face-match proof present but not checked"
                outcomes.append(CheckOutcome(name, "unchecked", message, "evidence_unchecked"))
                continue
            ok, message = self.evidence_checker(evidence)
            if ok:
                outcomes.append(CheckOutcome(name, "passed", f"{message}; {EVIDENCE_MEANING}"))
            else:
                outcomes.append(CheckOutcome(name, "failed", message, "evidence_invalid"))
        return outcomes

    def _not_checked(self, credential: dict[str, Any]) -> list[CheckOutcome]:
        """Status and evidence, skipped for a credential whose proof does not hold."""
        why = "not checked: the proof does not hold"
        skipped = []
        if credential.get("credentialStatus") is not None:
            skipped.append(CheckOutcome("status", "unchecked", why, "status_unchecked"))
        raw = credential.get("evidence")
        items = raw if isinstance(raw, list) else [raw]
        if any(isinstance(e, dict) and "Groth16FaceMatchProof" in types_of(e) for e in items):
            skipped.append(CheckOutcome("evidence", "unchecked", why, "evidence_unchecked"))
        return skipped
