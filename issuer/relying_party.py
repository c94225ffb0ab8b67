"""The verifier library for relying parties: ``verify_credential`` and ``verify_presentation``.

::

    from issuer import VerificationPolicy, verify_credential, verify_presentation

    policy = VerificationPolicy(frozenset({"did:web:issuer.example"}), max_age=timedelta(days=1))
    result = verify_credential(vc, policy)                  # offline: did:key only, no status lists
    result = verify_credential(vc, policy, online=True)     # did:web documents and status lists
    result = verify_presentation(vp, policy, challenge=c, domain="verifier.example", online=True)
    result.verified, result.reasons, result.issuer, result.checks

Both return a ``VerificationResult`` (``issuer.outcomes``): ``verified``, ``checks``,
``reasons``, ``issuer``, ``trusted_issuer``. Offline, a status list cannot be fetched, so under the
default strict policy a credential with a status entry fails with ``status_unchecked``: pass
``online=True``, a ``status_source``, or a lenient policy, knowingly. Nothing here reads the
environment; fetches go through ``did.Fetcher`` (https only, public addresses, total deadlines).
The Groth16 evidence is checked when ``evidence_checker`` is given (see ``issuer.zk_evidence``);
it counts only because a trusted issuer signed it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime

from did import DIDResolver, Fetcher, KeyDIDResolver, MethodResolver, WebDIDResolver
from issuer.contexts import ContextLoader
from issuer.outcomes import VerificationResult
from issuer.policy import VerificationPolicy
from issuer.presentations import ChallengeConsumer, PresentationVerifier
from issuer.service import RemoteStatusSource
from issuer.status_check import StatusListSource
from issuer.verify import CredentialVerifier, EvidenceChecker

__all__ = ["build_verifier", "verify_credential", "verify_presentation"]


def build_verifier(
    policy: VerificationPolicy,
    *,
    online: bool = False,
    fetcher: Fetcher | None = None,
    status_source: StatusListSource | None = None,
    evidence_checker: EvidenceChecker | None = None,
    context_urls: Iterable[str] = (),
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> CredentialVerifier:
    """A reusable verifier (it caches verified status lists); ``context_urls``: the URLs livecred
    issuers publish their context under, besides the default."""
    drivers: list[MethodResolver] = [KeyDIDResolver()]
    if online:
        fetcher = fetcher or Fetcher()
        drivers.append(WebDIDResolver(fetcher))
        status_source = status_source or RemoteStatusSource(fetcher)
    return CredentialVerifier(
        DIDResolver(drivers),
        ContextLoader(context_urls),
        policy=policy,
        status_source=status_source,
        evidence_checker=evidence_checker,
        clock=clock,
    )


def verify_credential(
    credential: object, policy: VerificationPolicy, *, verifier: CredentialVerifier | None = None, online: bool = False
) -> VerificationResult:
    return (verifier or build_verifier(policy, online=online)).verify(credential, policy)


def verify_presentation(
    presentation: object,
    policy: VerificationPolicy,
    *,
    challenge: str,
    domain: str,
    consume: ChallengeConsumer | None = None,
    verifier: CredentialVerifier | None = None,
    online: bool = False,
) -> VerificationResult:
    """``consume(challenge, domain)`` should accept each challenge once (``issuer.ChallengeStore``);
    without it, replay protection is the caller's."""
    credentials = verifier or build_verifier(policy, online=online)
    return PresentationVerifier(credentials).verify(
        presentation, challenge=challenge, domain=domain, policy=policy, consume=consume
    )
