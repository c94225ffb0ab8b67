"""Verifying holders' zero-knowledge liveness presentations (docs/zk-presentations.md).

A relying party asks for a request (:meth:`ZKPresentationVerifier.create_request`): it chooses the
threshold (never below the policy floor), the checks it requires, how old the liveness check
may be (``notBefore``), its domain and, for a stable pseudonym, a scope; this side adds a fresh
random nonce and ``atTime`` (now), and stores the request. The holder answers with a Groth16
proof of the presentation circuit; :meth:`ZKPresentationVerifier.verify` checks it against the
stored request (never against what the holder says was asked), against the BabyJubJub keys of
the trusted issuers (:class:`TrustedIssuerKeys`), and accepts it once: the request is consumed
only by a proof that verifies, so a stranger who sees the request cannot spoil it with garbage,
and a second use of the same proof (or of the same request) fails with ``request_already_used``.

What a verified presentation shows, and what it does not: a trusted issuer signed a claim for a
holder who knows its secret, with a face-match score of at least the threshold, the required
checks, a liveness check no earlier than ``notBefore``, and a credential still unexpired at
``atTime``. The credential, its id, the holder's DID and the score stay hidden; so does the
credential's revocation status (the id is hidden, so the status list cannot be consulted): a
revoked credential still presents until its ``validUntil``.

Verdicts are results (:class:`ZKPresentationResult`); malformed input raises (``zk``'s
``MalformedProof``, ``InvalidPresentationRequest``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from did import BABYJUBJUB_KEY_TYPE, DIDError, DIDResolver, FetchBusy, InvalidKey
from issuer._exceptions import IssuerKeyError
from issuer.zk_requests import StoredRequest, ZKRequestStore
from zk import (
    CHECK_BITS,
    BabyJubJubPublicKey,
    InvalidPresentationRequest,
    PresentationProof,
    PresentationRequest,
    ProverError,
    VerificationKey,
    ZKError,
    checks_mask,
    domain_hash,
    random_field_element,
    verify_presentation_proof,
)
from zk import VerificationResult as ZKResult
from zk.presentation import check_presentation

__all__ = [
    "DEFAULT_REQUIRED_CHECKS",
    "REQUEST_FIELDS",
    "RequestSpec",
    "TrustedIssuerKeys",
    "TrustedKey",
    "ZKPresentationResult",
    "ZKPresentationVerifier",
    "trusted_issuer_keys",
]

# A request's public inputs, as decimal strings in its JSON (the names of the circuit's signals).
REQUEST_FIELDS = ("threshold", "requiredChecks", "notBefore", "atTime", "nonce", "domain", "scope")
DEFAULT_REQUIRED_CHECKS = ("antispoof", "face_match")
MAX_NAME = 255

FastVerify = Callable[[PresentationProof, PresentationRequest, Sequence[BabyJubJubPublicKey]], ZKResult]


@dataclass(frozen=True, slots=True)
class TrustedKey:
    """A BabyJubJub key whose claims count, and the issuer DID it speaks for."""

    issuer: str
    key: BabyJubJubPublicKey


class TrustedIssuerKeys:
    """The BabyJubJub keys of the trusted issuers: this service's own, keys pinned in the
    settings, and those listed (``BabyJubJubKey2026`` under ``assertionMethod``) in the DID
    documents of trusted issuers. A ``did:key`` document cannot list one: such an issuer is
    trusted for presentations only through a pin (docs/zk-presentations.md says why)."""

    def __init__(
        self,
        resolver: DIDResolver,
        issuers: Iterable[str],
        *,
        own: TrustedKey | None = None,
        pinned: Iterable[TrustedKey] = (),
    ) -> None:
        self.resolver = resolver
        self.issuers = tuple(dict.fromkeys(issuers))
        self.own = own
        self.pinned = tuple(pinned)

    def current(self) -> tuple[TrustedKey, ...]:
        """Every trusted key now. A trusted issuer whose document cannot be had contributes none
        (its holders' proofs fail as ``untrusted_issuer_key``); ``FetchBusy`` propagates (503)."""
        found: list[TrustedKey] = list(self.pinned)
        if self.own is not None and self.own.issuer in self.issuers:
            found.append(self.own)
        for issuer in self.issuers:
            if (self.own is not None and issuer == self.own.issuer) or not issuer.startswith("did:web:"):
                continue
            found.extend(self._listed(issuer))
        return tuple(dict.fromkeys(found))

    def _listed(self, issuer: str) -> list[TrustedKey]:
        try:
            document = self.resolver.resolve(issuer)
        except FetchBusy:
            raise
        except DIDError:
            return []
        keys = []
        for method in document.verification_method:
            if method.type != BABYJUBJUB_KEY_TYPE:
                continue
            try:
                document.find_method(method.id, "assertionMethod")
                x, y = method.babyjubjub_coordinates()
                keys.append(TrustedKey(issuer, BabyJubJubPublicKey(x, y)))
            except (DIDError, InvalidKey, ZKError):
                continue  # not authorised for assertions, or not a valid key: it does not count
        return keys


def trusted_issuer_keys(
    resolver: DIDResolver,
    issuers: Iterable[str],
    own: TrustedKey,
    pinned: Iterable[tuple[str, int, int]] = (),
) -> TrustedIssuerKeys:
    """The keys an issuer's configuration trusts; a pinned key that is not a valid BabyJubJub
    key stops the service (``IssuerKeyError``) rather than being ignored."""
    try:
        keys = [TrustedKey(did, BabyJubJubPublicKey(x, y)) for did, x, y in pinned]
    except ZKError as exc:
        raise IssuerKeyError(f"a pinned BabyJubJub key is not valid: {exc.message}") from exc
    return TrustedIssuerKeys(resolver, issuers, own=own, pinned=keys)


@dataclass(frozen=True, slots=True)
class RequestSpec:
    """What a relying party chooses. ``threshold`` is a confidence x 10000; ``max_age`` bounds
    how long ago the liveness check may have been (``notBefore = atTime - max_age``); ``domain``
    is its origin or client id and ``scope`` the context of a stable pseudonym (both hashed to
    the field; ``None`` = 0, none)."""

    threshold: int
    required_checks: tuple[str, ...] = DEFAULT_REQUIRED_CHECKS
    max_age: timedelta | None = None
    domain: str | None = None
    scope: str | None = None


@dataclass(frozen=True, slots=True)
class ZKPresentationResult:
    """The verdict. ``issuer`` is the trusted issuer whose key signed the holder's claim;
    ``pseudonym`` (decimal) is the holder's stable pseudonym for the request's scope."""

    verified: bool
    reasons: tuple[str, ...]
    request_id: str | None = None
    issuer: str | None = None
    pseudonym: str | None = field(default=None)


def _name(value: str | None, what: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not 0 < len(value) <= MAX_NAME or not value.isprintable():
        raise InvalidPresentationRequest(f"{what} must be 1-{MAX_NAME} printable characters", field=what)
    return value


def request_from_json(data: Mapping[str, Any]) -> PresentationRequest:
    """The circuit's public inputs of a stored request."""
    values = {name: int(str(data[name])) for name in REQUEST_FIELDS}
    return PresentationRequest(
        threshold=values["threshold"],
        required_checks=values["requiredChecks"],
        not_before=values["notBefore"],
        at_time=values["atTime"],
        nonce=values["nonce"],
        domain=values["domain"],
        scope=values["scope"],
    )


class ZKPresentationVerifier:
    def __init__(
        self,
        requests: ZKRequestStore,
        keys: TrustedIssuerKeys,
        verification_key: Callable[[], VerificationKey],
        *,
        min_threshold: int,
        fast_verify: FastVerify | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.requests = requests
        self.trusted = keys
        self.verification_key = verification_key
        self.min_threshold = min_threshold
        self.fast_verify = fast_verify
        self.clock = clock

    def create_request(self, spec: RequestSpec) -> StoredRequest:
        """A fresh request, stored until it expires; raises ``InvalidPresentationRequest``."""
        if isinstance(spec.threshold, bool) or not isinstance(spec.threshold, int):
            raise InvalidPresentationRequest("threshold must be an integer", field="threshold")
        if not self.min_threshold <= spec.threshold <= 10_000:
            raise InvalidPresentationRequest(
                f"threshold must be in [{self.min_threshold}, 10000] (the policy floor, x 10000)", field="threshold"
            )
        unknown = [c for c in spec.required_checks if c not in CHECK_BITS]
        if unknown or len(spec.required_checks) > len(CHECK_BITS):
            raise InvalidPresentationRequest(
                f"requiredChecks are names among {', '.join(CHECK_BITS)}", field="requiredChecks"
            )
        if spec.max_age is not None and spec.max_age <= timedelta(0):
            raise InvalidPresentationRequest("maxAge must be positive", field="maxAge")
        domain, scope = _name(spec.domain, "domain"), _name(spec.scope, "scope")
        at_time = int(self.clock().timestamp())
        not_before = max(0, at_time - int(spec.max_age.total_seconds())) if spec.max_age is not None else 0
        checks = sorted(set(spec.required_checks), key=list(CHECK_BITS).index)
        request = PresentationRequest(
            threshold=spec.threshold,
            required_checks=checks_mask(checks),
            not_before=not_before,
            at_time=at_time,
            nonce=random_field_element(),
            domain=domain_hash(domain) if domain else 0,
            scope=domain_hash(scope) if scope else 0,
        )
        body: dict[str, Any] = {"type": "LivenessPresentationRequest"}
        body.update({name: str(value) for name, value in request.signals().items()})
        body["requiredCheckNames"] = checks
        body["domainName"] = domain
        body["scopeName"] = scope
        # The keys a proof may use: the holder proves with its own issuer's.
        body["issuerKeys"] = [{"issuer": k.issuer, "publicKey": k.key.to_json()} for k in self.trusted.current()]
        return self.requests.add(body)

    def verify(
        self, proof_data: object, *, request_id: str | None = None, request: Mapping[str, Any] | None = None
    ) -> ZKPresentationResult:
        """Verify a holder's proof (``{"proof", "publicSignals"}``) for a request made here, named
        by ``request_id`` or given whole as ``request`` (which must then equal the stored one)."""
        proof = PresentationProof.from_json(proof_data)  # malformed: raises, before any look-up
        wanted = request_id if request_id is not None else (request or {}).get("id")
        stored = self.requests.get(wanted) if isinstance(wanted, str) else None
        if stored is None:
            return ZKPresentationResult(False, ("request_unknown_or_expired",))
        if request is not None and any(str(request.get(k)) != stored.request[k] for k in REQUEST_FIELDS):
            return ZKPresentationResult(False, ("request_mismatch",), stored.id)
        if stored.used:
            return ZKPresentationResult(False, ("request_already_used",), stored.id)
        asked = request_from_json(stored.request)
        trusted = self.trusted.current()
        keys = [t.key for t in trusted]
        result: ZKResult | None = None
        if self.fast_verify is not None:
            try:
                result = self.fast_verify(proof, asked, keys)
            except ProverError:
                result = None  # the worker is down: the pure-Python verifier decides
        if result is None:
            # The checks before the pairing need no key: a proof for another request is refused
            # even where the circuit's artifacts are missing.
            early = check_presentation(proof, asked, keys)
            result = (
                ZKResult.of(early) if early else verify_presentation_proof(proof, self.verification_key(), asked, keys)
            )
        if not result.verified:
            return ZKPresentationResult(False, tuple(result.reasons), stored.id)
        if not self.requests.consume(stored.id):  # a racing copy of the same proof won
            return ZKPresentationResult(False, ("request_already_used",), stored.id)
        issuer = next((t.issuer for t in trusted if t.key.point == proof.issuer_key), None)
        pseudonym = str(proof.pseudonym) if asked.scope else None
        return ZKPresentationResult(True, (), stored.id, issuer, pseudonym)
