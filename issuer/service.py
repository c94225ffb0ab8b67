"""``Issuer``: build -> validate against the schema -> assign a status entry -> sign -> record.

One object composes the issuer key and DID, the JSON-LD context allowlist, the store and the
verifier; the API and the CLI hold one and call it from worker threads (it keeps no
per-request state; the status-list cache is guarded by a lock).
"""

from __future__ import annotations

import copy
import json
import threading
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from did import (
    BABYJUBJUB_FRAGMENT,
    DIDDocument,
    DIDResolver,
    Ed25519KeyPair,
    Fetcher,
    FetchError,
    KeyDIDResolver,
    WebDIDResolver,
    did_key_from_public_key,
    single_key_document,
)
from issuer._exceptions import CredentialTooComplex, InvalidCredential, SchemaValidationError, UnsupportedProofType
from issuer.bitstring import bits_from_indexes, encode_list
from issuer.canonical import canonicalize
from issuer.challenges import ChallengeStore
from issuer.complexity import check_structure
from issuer.contexts import CREDENTIALS_V1, CREDENTIALS_V2, STATUS_LIST_V1, ContextLoader, liveness_context_url
from issuer.credential import (
    build_liveness_credential,
    face_match_proof_evidence,
    liveness_evidence,
    parse_datetime,
    xsd_datetime,
)
from issuer.liveness_claims import (
    ClaimCommitments,
    claim_checks,
    derive_babyjubjub_key,
    liveness_claim,
    sign_claim_evidence,
)
from issuer.policy import StatusMode, VerificationPolicy
from issuer.presentations import PresentationVerifier
from issuer.proofs import EDDSA_RDFC_2022, PROOF_TYPES, create_proof, with_suite_context
from issuer.schema import is_vc2, schema_errors
from issuer.store import IssuerStore, StatusPosition
from issuer.verify import CredentialVerifier, EvidenceChecker, VerificationResult
from issuer.zk_presentations import TrustedKey, trusted_issuer_keys
from issuer.zk_requests import ZKRequestStore
from zk import BabyJubJubPublicKey, checks_mask

STATUS_PATH = "/status/"


# Liveness is a fact of a moment: a face was live in front of a camera then. 30 days bounds how
# long a stolen or shared credential stays useful without forcing a check on every visit; a
# relying party that needs fresher evidence sets a verification max_age (issue 15).
DEFAULT_VALIDITY = timedelta(days=30)
# In trusted_issuers, this service's own DID.
SELF = "self"


@dataclass(frozen=True, slots=True)
class IssuerConfig:
    public_url: str
    validity: timedelta | None = DEFAULT_VALIDITY
    proof_type: str = EDDSA_RDFC_2022
    status_purpose: str | None = "revocation"
    # Other livecred deployments whose context URL this verifier accepts.
    trusted_context_urls: tuple[str, ...] = ()
    # The verifier's default policy. Issuers whose credentials count ("self" = this service's
    # DID; empty = only this service); status strict or lenient; the oldest liveness check
    # accepted; the lowest face-match threshold Groth16 evidence may prove (scaled by 10000).
    trusted_issuers: tuple[str, ...] = ()
    status_mode: StatusMode = "strict"
    max_age: timedelta | None = None
    min_face_match_threshold: int = 0
    # BabyJubJub keys trusted for zero-knowledge presentations besides those of trusted_issuers'
    # DID documents: (issuer DID, x, y). The only way to trust a did:key issuer's (docs/zk-presentations.md).
    zk_trusted_keys: tuple[tuple[str, int, int], ...] = ()


def with_status_context(context: Any) -> Any:
    """``@context`` with the W3C status list context after credentials v1 (VC 2.0 has the terms)."""
    contexts = list(context) if isinstance(context, list) else [context]
    if contexts[:1] != [CREDENTIALS_V1] or STATUS_LIST_V1 in contexts:
        return context
    return [contexts[0], STATUS_LIST_V1, *contexts[1:]]


class RemoteStatusSource:
    """Fetches a foreign issuer's status list credential through the guarded ``Fetcher``.

    Any failure (refused address, network, HTTP status, size, not a JSON object) is ``None``: the
    verifier reports the list as not available, whatever the reason. ``FetchBusy`` propagates:
    it is the service's state, not the list's (for the API to answer 503). A list past the
    structural caps a credential is held to (nested too deep to parse, included) raises
    ``CredentialTooComplex``: the verifier fails the status check, it does not skip it.
    """

    def __init__(self, fetcher: Fetcher, *, max_bytes: int = 2 * 1024 * 1024) -> None:
        self._fetcher = fetcher
        self._max = max_bytes

    def __call__(self, url: str) -> Mapping[str, Any] | None:
        try:
            body = self._fetcher.get(url, accept="application/vc+ld+json, application/json", max_bytes=self._max)
            data = json.loads(body)
        except (FetchError, ValueError):
            return None
        except RecursionError as exc:
            raise CredentialTooComplex("the status list credential is nested too deeply to parse") from exc
        if not isinstance(data, dict):
            return None
        check_structure(data)
        return data


class Issuer:
    def __init__(
        self,
        key: Ed25519KeyPair,
        store: IssuerStore,
        config: IssuerConfig,
        *,
        did: str | None = None,
        fetcher: Fetcher | None = None,
        evidence_checker: EvidenceChecker | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        if config.proof_type not in PROOF_TYPES:
            raise InvalidCredential(f"proof type must be one of {', '.join(PROOF_TYPES)}")
        self.key = key
        self.store = store
        self.config = config
        self.public_url = config.public_url.rstrip("/")
        self.did = did or did_key_from_public_key(key.public_key)
        # The second key, for zero-knowledge presentations (issuer/liveness_claims.py).
        self.babyjubjub = derive_babyjubjub_key(key)
        self.babyjubjub_method = f"{self.did}#{BABYJUBJUB_FRAGMENT}"
        self.document: DIDDocument = self._document()
        self.verification_method = self.document.verification_method[0].id
        self.clock = clock
        self.loader = ContextLoader([liveness_context_url(self.public_url), *config.trusted_context_urls])
        self._fetcher = fetcher or Fetcher()
        self.resolver = DIDResolver(
            [KeyDIDResolver(), WebDIDResolver(self._fetcher)],
            static={self.did: self.document},
            failure_ttl_seconds=self._fetcher.policy.failure_ttl_seconds,
        )
        self._remote_status = RemoteStatusSource(self._fetcher)
        trusted = [self.did if t == SELF else t for t in config.trusted_issuers] or [self.did]
        self.policy = VerificationPolicy(
            frozenset(trusted),
            status=config.status_mode,
            max_age=config.max_age,
            min_face_match_threshold=config.min_face_match_threshold,
        )
        self.verifier = CredentialVerifier(
            self.resolver,
            self.loader,
            policy=self.policy,
            status_source=self._status_source,
            evidence_checker=evidence_checker,
            clock=clock,
        )
        self.presentations = PresentationVerifier(self.verifier)
        self.challenges = ChallengeStore(store.engine, clock=clock)
        # Zero-knowledge presentations (issuer/zk_presentations.py): requests made here, and the
        # BabyJubJub keys whose claims count.
        self.zk_requests = ZKRequestStore(store.engine, clock=clock)
        own = TrustedKey(self.did, self.babyjubjub_public_key)
        self.zk_keys = trusted_issuer_keys(self.resolver, trusted, own, config.zk_trusted_keys)
        self._lists: dict[str, tuple[int, dict[str, Any]]] = {}
        self._lists_lock = threading.Lock()

    def publish_at(self, public_url: str) -> None:
        """Publish from ``public_url`` from now on: the context, schema, status list and key URLs
        of credentials issued after this name it. For a service that learns its URL only once its
        server has bound a port, before it issues anything; the old URL's context stays accepted."""
        self.public_url = public_url.rstrip("/")
        self.config = replace(self.config, public_url=self.public_url)
        self.loader.accept_liveness_url(self.public_url)
        self.document = self._document()  # its context names the new URL
        self.resolver.pin(self.did, self.document)

    def _document(self) -> DIDDocument:
        public = self.babyjubjub.public_key
        return single_key_document(
            self.did,
            self.key.public_key,
            babyjubjub=(public.x, public.y),
            babyjubjub_context=liveness_context_url(self.public_url),
        )

    @property
    def babyjubjub_public_key(self) -> BabyJubJubPublicKey:
        public: BabyJubJubPublicKey = self.babyjubjub.public_key
        return public

    def start(self) -> None:
        self.store.create_schema()
        self.store.remember_key(self.verification_method, self.did, self.key.public_key.multibase)

    def close(self) -> None:
        self._fetcher.close()
        self.store.close()

    # issuance --------------------------------------------------------------------------------
    def liveness_credential(
        self,
        *,
        holder_did: str,
        device_type: str,
        timestamp: datetime | None = None,
        checks: Iterable[str] = (),
        face_match_proof: Mapping[str, Any] | None = None,
        engine: str | None = None,
        zk_claim: ClaimCommitments | None = None,
        challenges: Sequence[str] = (),
    ) -> dict[str, Any]:
        """An unsigned LivenessCredential for ``holder_did`` with its evidence.

        With ``zk_claim``, the evidence also carries a ``LivenessClaimSignature``: the issuer's
        BabyJubJub signature over the claim built from the commitments, the checks (``challenges``
        names the take's challenges, which make the ``challenges`` bit), the liveness time, the
        expiry and the credential id (docs/zk-presentations.md).
        """
        now = self.clock()
        checks = list(checks)
        when = timestamp or now
        expires = now + self.config.validity if self.config.validity else None
        credential_id = f"urn:uuid:{uuid.uuid4()}"
        evidence = [liveness_evidence(checks, engine=engine, verifier=self.did)]
        if face_match_proof is not None:
            evidence.append(
                face_match_proof_evidence(
                    face_match_proof, verification_key_url=f"{self.public_url}/zk/verification-key"
                )
            )
        if zk_claim is not None:
            claim = liveness_claim(
                zk_claim,
                checks=checks_mask(claim_checks(checks, challenges)),
                timestamp=when,
                valid_until=expires,
                credential_id=credential_id,
            )
            evidence.append(sign_claim_evidence(claim, self.babyjubjub, self.babyjubjub_method))
        return build_liveness_credential(
            issuer=self.did,
            holder_did=holder_did,
            device_type=device_type,
            timestamp=when,
            public_url=self.public_url,
            issued_at=now,
            expires_at=expires,
            evidence=evidence,
            credential_id=credential_id,
        )

    def _complete(self, credential: Mapping[str, Any]) -> dict[str, Any]:
        if not isinstance(credential, Mapping):
            raise InvalidCredential("the credential must be a JSON object")
        doc = copy.deepcopy(dict(credential))
        if "proof" in doc:
            raise InvalidCredential("the credential already carries a proof")
        if "credentialStatus" in doc:
            raise InvalidCredential("credentialStatus is assigned by the issuer; leave it out")
        now = self.clock()
        doc.setdefault("@context", [CREDENTIALS_V1, liveness_context_url(self.public_url)])
        doc.setdefault("issuer", self.did)
        issuer = doc["issuer"]["id"] if isinstance(doc["issuer"], dict) else doc["issuer"]
        if issuer != self.did:
            raise InvalidCredential(f"the issuer must be this service's DID ({self.did})")
        doc.setdefault("id", f"urn:uuid:{uuid.uuid4()}")
        if not isinstance(doc["id"], str) or not 0 < len(doc["id"]) <= 200:
            raise InvalidCredential("the credential id must be a string of at most 200 characters")
        # VC 2.0 (first context credentials/v2) is dated by validFrom / validUntil, 1.1 by
        # issuanceDate / expirationDate; each has its schema variant.
        start_key, end_key = ("validFrom", "validUntil") if is_vc2(doc) else ("issuanceDate", "expirationDate")
        doc.setdefault(start_key, xsd_datetime(now))
        if self.config.validity is not None and end_key not in doc:
            start = parse_datetime(doc[start_key]) or now
            doc[end_key] = xsd_datetime(start + self.config.validity)
        return doc

    def issue(
        self, credential: Mapping[str, Any], *, proof_type: str | None = None, status_purpose: str | None = ""
    ) -> dict[str, Any]:
        """Sign ``credential``; raises ``SchemaValidationError`` / ``InvalidCredential`` if it cannot be.

        ``status_purpose`` "" means the configured default; ``None`` issues without a status entry.
        """
        proof_type = proof_type or self.config.proof_type
        if proof_type not in PROOF_TYPES:
            raise UnsupportedProofType(f"unsupported proof type; use one of {', '.join(PROOF_TYPES)}")
        purpose = self.config.status_purpose if status_purpose == "" else status_purpose
        check_structure(credential)  # before the copy, the schema and the JSON-LD work
        doc = self._complete(credential)
        errors = schema_errors(doc)
        if errors:
            raise SchemaValidationError(f"the credential does not match the schema ({len(errors)} errors)", errors)
        doc = with_suite_context(doc, proof_type)
        subject = doc.get("credentialSubject")
        holder = subject.get("id") if isinstance(subject, dict) else None
        types = doc["type"] if isinstance(doc["type"], list) else [doc["type"]]
        if (isinstance(holder, str) and len(holder) > 500) or len(" ".join(map(str, types))) > 500:
            raise InvalidCredential("credentialSubject.id and type are limited to 500 characters")
        position = self.store.reserve(
            str(doc["id"]),
            holder_did=holder if isinstance(holder, str) else None,
            issuer_did=self.did,
            types=[str(t) for t in types],
            issued_at=parse_datetime(doc.get("issuanceDate", doc.get("validFrom"))) or self.clock(),
            expires_at=parse_datetime(doc.get("expirationDate", doc.get("validUntil"))),
            purpose=purpose,
        )
        try:
            if position is not None:
                doc["credentialStatus"] = self._status_entry(position)
                doc["@context"] = with_status_context(doc["@context"])
            return create_proof(
                doc,
                self.key,
                verification_method=self.verification_method,
                created=xsd_datetime(self.clock()),
                loader=self.loader,
                proof_type=proof_type,
            )
        except BaseException:
            self.store.forget(str(doc["id"]))
            raise

    def _status_entry(self, position: StatusPosition) -> dict[str, Any]:
        # The entry's terms come from the W3C status list context (VC 1.1) or credentials v2:
        # standard verifiers (Digital Bazaar's vc-bitstring-status-list) check status only then.
        list_url = self.status_list_url(position.list_id)
        return {
            "id": f"{list_url}#{position.index}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": position.purpose,
            "statusListIndex": str(position.index),
            "statusListCredential": list_url,
        }

    # status ----------------------------------------------------------------------------------
    def status_list_url(self, list_id: str) -> str:
        return f"{self.public_url}{STATUS_PATH}{list_id}"

    def set_status(self, credential_id: str, status: str) -> str:
        return self.store.set_status(credential_id, status).status

    def status_list_credential(self, list_id: str) -> dict[str, Any]:
        """The signed BitstringStatusListCredential (VC 2.0), re-signed only when the list changed."""
        version = self.store.list_version(list_id)
        with self._lists_lock:
            cached = self._lists.get(list_id)
            if cached is not None and cached[0] == version:
                return cached[1]
        state = self.store.list_state(list_id)
        url = self.status_list_url(list_id)
        now = xsd_datetime(self.clock())
        unsigned = {
            "@context": [CREDENTIALS_V2],
            "id": url,
            "type": ["VerifiableCredential", "BitstringStatusListCredential"],
            "issuer": self.did,
            "validFrom": now,
            "credentialSubject": {
                "id": f"{url}#list",
                "type": "BitstringStatusList",
                "statusPurpose": state.purpose,
                "encodedList": encode_list(bits_from_indexes(state.size, state.set_indexes)),
            },
        }
        # The credentials v2 context already defines DataIntegrityProof: no suite context added.
        signed = create_proof(
            unsigned, self.key, verification_method=self.verification_method, created=now, loader=self.loader
        )
        with self._lists_lock:
            self._lists[list_id] = (state.version, signed)
        return signed

    def _status_source(self, url: str) -> Mapping[str, Any] | None:
        prefix = self.public_url + STATUS_PATH
        if url.startswith(prefix):
            try:
                return self.status_list_credential(url[len(prefix) :])
            except Exception:  # noqa: BLE001 - an unknown list is "not available", a verdict
                return None
        return self._remote_status(url)

    # verification ----------------------------------------------------------------------------
    def verify(self, credential: object, policy: VerificationPolicy | None = None) -> VerificationResult:
        """Verify under ``policy``, by default the configured one (``self.policy``)."""
        return self.verifier.verify(credential, policy)

    def verify_presentation(
        self, presentation: object, *, challenge: str, domain: str, policy: VerificationPolicy | None = None
    ) -> VerificationResult:
        """A holder-signed presentation over a challenge this service issued (``challenges``), once."""
        return self.presentations.verify(
            presentation, challenge=challenge, domain=domain, policy=policy, consume=self.challenges.consume
        )

    def canonical_form(self, credential: dict[str, Any]) -> str:
        return canonicalize(credential, self.loader)
