"""Verifiable Presentations: the holder shows their credential to one verifier, once.

A credential alone proves nothing about who shows it: anyone who copied it can send it on. A
presentation wraps it and is signed by the holder (``eddsa-rdfc-2022`` or
``Ed25519Signature2020``, proof purpose ``authentication``) over the verifier's ``challenge``
and ``domain``. Checks, cheapest first:

- ``presentation``  one proof of a known suite (``eddsa-rdfc-2022``, ``Ed25519Signature2020``, or
                    ``eddsa-jcs-2022``, which a browser wallet can make without an RDF
                    canonicaliser), purpose ``authentication``, by a DID URL of the
                    ``holder`` (when the presentation names one), at most ``MAX_CREDENTIALS``;
- ``challenge`` / ``domain``  the proof's, equal to what the verifier expects (signed values);
- the holder's signature (key resolved through the DID resolver);
- ``replay``        the challenge accepted once (``consume``), only after the signature holds,
                    so a forged presentation cannot burn a genuine holder's challenge;
- ``holder``        every credential's subject is the holder who signed;
- each credential, under the credential policy (``credentialResults``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from did import FetchBusy
from issuer._exceptions import CredentialTooComplex
from issuer.outcomes import CheckOutcome, VerificationResult, types_of
from issuer.policy import VerificationPolicy
from issuer.proofs import PRESENTATION_PROOF_TYPES, ParsedProof, ProofCheck, check_signature, parse_proof
from issuer.signed_view import signed_view
from issuer.verify import CredentialVerifier

MAX_CREDENTIALS = 4
PRESENTATION_TYPE = "VerifiablePresentation"

# Accepts a challenge once; False when unknown, expired or already used.
ChallengeConsumer = Callable[[str, str], bool]


def _fail(name: str, message: str, code: str) -> CheckOutcome:
    return CheckOutcome(name, "failed", message, code)


class PresentationVerifier:
    def __init__(self, credentials: CredentialVerifier) -> None:
        self.credentials = credentials

    def verify(
        self,
        presentation: object,
        *,
        challenge: str,
        domain: str,
        policy: VerificationPolicy | None = None,
        consume: ChallengeConsumer | None = None,
    ) -> VerificationResult:
        if not isinstance(presentation, dict) or PRESENTATION_TYPE not in types_of(presentation):
            return VerificationResult((_fail("presentation", "not a VerifiablePresentation", "invalid_presentation"),))
        raw = presentation.get("verifiableCredential")
        vcs = raw if isinstance(raw, list) else [raw] if isinstance(raw, dict) else []
        if not vcs or len(vcs) > MAX_CREDENTIALS or not all(isinstance(vc, dict) for vc in vcs):
            why = f"1 to {MAX_CREDENTIALS} credentials expected, as JSON objects"
            return VerificationResult((_fail("presentation", why, "invalid_presentation"),))
        holder = presentation.get("holder")
        holder = holder.get("id") if isinstance(holder, dict) else holder
        parsed = parse_proof(
            presentation,
            expected_purpose="authentication",
            expected_controller=holder if isinstance(holder, str) else None,
            suites=PRESENTATION_PROOF_TYPES,
        )
        if isinstance(parsed, ProofCheck):
            why = parsed.reason or "the presentation's proof is malformed"
            return VerificationResult((_fail("presentation", why, "invalid_presentation"),))
        signer = parsed.verification_method.partition("#")[0]
        outcomes = [self._bound(parsed, "challenge", challenge), self._bound(parsed, "domain", domain)]
        if any(o.status == "failed" for o in outcomes):
            return VerificationResult((CheckOutcome("presentation", "unchecked", "not checked"), *outcomes))
        outcomes.insert(0, self._signature(presentation, parsed))
        if outcomes[0].status != "passed":
            return VerificationResult(tuple(outcomes))
        if consume is not None:
            fresh = consume(challenge, domain)
            outcomes.append(
                CheckOutcome("replay", "passed", "the challenge was used once")
                if fresh
                else _fail("replay", "the challenge is unknown, expired or already used", "replayed")
            )
        results = tuple(self.credentials.verify(vc, policy) for vc in vcs)
        outcomes.append(self._holder(vcs, signer))
        first = results[0]
        trusted = all(r.trusted_issuer for r in results)
        return VerificationResult(tuple(outcomes), None, first.issuer, first.credential_status, trusted, results)

    @staticmethod
    def _bound(parsed: ParsedProof, name: str, expected: str) -> CheckOutcome:
        if parsed.proof.get(name) != expected:
            return _fail(name, f"the presentation is not bound to this verifier's {name}", f"{name}_mismatch")
        return CheckOutcome(name, "passed")

    def _signature(self, presentation: dict[str, Any], parsed: ParsedProof) -> CheckOutcome:
        try:
            key = self.credentials.resolver.verification_method(
                parsed.verification_method, "authentication"
            ).ed25519_public_key()
        except FetchBusy:
            raise
        except Exception as exc:  # noqa: BLE001 - a verdict: the holder's key is not usable
            return _fail(
                "presentation", f"the holder's key is not usable ({type(exc).__name__})", "invalid_presentation"
            )
        try:
            check = check_signature(presentation, parsed, key, self.credentials.loader)
        except CredentialTooComplex:
            raise
        if not check.verified:
            return _fail("presentation", check.reason or "the signature does not verify", "invalid_presentation")
        return CheckOutcome("presentation", "passed", f"signed by the holder, {parsed.verification_method}")

    def _holder(self, vcs: list[dict[str, Any]], signer: str) -> CheckOutcome:
        for vc in vcs:
            try:
                subject = signed_view(vc, self.credentials.loader).get("credentialSubject")
            except CredentialTooComplex:
                raise
            except Exception:  # noqa: BLE001 - its own result already says why it is unreadable
                subject = None
            subject_id = subject.get("id") if isinstance(subject, dict) else None
            if subject_id != signer:
                return _fail("holder", "a credential's subject is not the holder who signed", "holder_mismatch")
        return CheckOutcome("holder", "passed", "the holder is every credential's subject")
