"""The wallet path's steps: open a session (with proof of possession), take attempts, issue once.

:class:`Wallet` composes the session store (:mod:`wallet.sessions`), holder binding
(:mod:`wallet.binding`), the lockout (:mod:`wallet.lockout`) and the issuer
(:class:`issuer.service.Issuer`). The liveness verdict comes from the capture state machine
(:mod:`wallet.capture`), fed by an engine the API adapts: this package never imports the engine.
OpenID4VCI's endpoints are in :mod:`wallet.oid4vci` (``wallet.oid4vci``); the OpenID4VP verifier in
:mod:`wallet.oid4vp` (``wallet.oid4vp``).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from did import DIDError, FetchBusy, is_did
from issuer.liveness_claims import ClaimCommitments
from issuer.service import Issuer
from issuer.store import metadata
from wallet._exceptions import HolderProofInvalid, InvalidHolderDID, SessionError
from wallet.binding import HolderBinding, oid4vci_nonces
from wallet.lockout import Lockout, session_failures, session_lockouts
from wallet.oid4vci import OID4VCI
from wallet.oid4vp import OID4VP, OID4VPConfig, oid4vp_requests
from wallet.sessions import HOLDER_DID_RULE, Session, SessionStore, liveness_sessions
from wallet.zk_claims import ClaimOpening, ZKClaimStore, parse_holder_commitment, zk_session_claims
from zk import poseidon, random_field_element

__all__ = ["IssuedCredential", "Wallet", "WalletConfig"]


@dataclass(frozen=True, slots=True)
class IssuedCredential:
    """A session's signed credential and, when the holder asked for a zero-knowledge claim, the
    private opening of the claim's score commitment (for the holder, once; never logged)."""

    credential: dict[str, Any]
    zk_claim_opening: ClaimOpening | None = field(default=None, repr=False)


@dataclass(frozen=True, slots=True)
class WalletConfig:
    token_lifetime: timedelta = timedelta(minutes=5)
    nonce_lifetime: timedelta = timedelta(minutes=5)
    proof_max_age: timedelta = timedelta(minutes=5)
    engine: str | None = None  # named in the evidence, e.g. "livecred 0.1 (YuNet, MiniFASNet, MobileFaceNet)"
    presentations: OID4VPConfig = field(default_factory=OID4VPConfig)


class Wallet:
    def __init__(
        self,
        issuer: Issuer,
        sessions: SessionStore,
        lockout: Lockout,
        *,
        config: WalletConfig | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.issuer = issuer
        self.sessions = sessions
        self.lockout = lockout
        self.config = config or WalletConfig()
        self.clock = clock
        self.issuer_id = issuer.public_url
        self.binding = HolderBinding(
            issuer.resolver,
            self.issuer_id,
            sessions.engine,
            proof_max_age=self.config.proof_max_age,
            nonce_lifetime=self.config.nonce_lifetime,
            clock=clock,
        )
        self.zk_claims = ZKClaimStore(sessions.engine, clock=clock)
        self.oid4vci = OID4VCI(self)
        self.oid4vp = OID4VP(issuer, sessions.engine, config=self.config.presentations, clock=clock)

    def follow_issuer_url(self) -> None:
        """Take the issuer's public URL again (it moved, ``Issuer.publish_at``): the key proofs'
        audience, the OpenID4VCI issuer identifier and the OpenID4VP response URI follow it."""
        self.issuer_id = self.issuer.public_url
        self.binding.audience = self.issuer_id
        self.oid4vci.issuer_id = self.issuer_id
        self.oid4vp.follow_issuer_url()

    def create_schema(self) -> None:
        """Create the wallet's tables where missing (the issuer creates its own)."""
        tables = [
            liveness_sessions,
            session_failures,
            session_lockouts,
            oid4vci_nonces,
            oid4vp_requests,
            zk_session_claims,
        ]
        metadata.create_all(self.sessions.engine, tables=tables)

    # sessions --------------------------------------------------------------------------------
    @staticmethod
    def check_holder_did(holder_did: str) -> None:
        """Refuse anything but a DID, before anything is keyed on it: a DID URL (``#key``,
        ``?query``) or a trailing newline would open sessions and rate-limit budgets of their own
        for one holder."""
        if not is_did(holder_did) or len(holder_did) > 500:
            raise InvalidHolderDID(HOLDER_DID_RULE)

    def create_session(
        self,
        *,
        holder_did: str,
        device_type: str,
        face_match: bool,
        holder_proof: object,
        device: str | None,
        zk_holder_commitment: str | None = None,
    ) -> Session:
        """Open a session for a holder that proves control of ``holder_did`` (a key proof over a
        fresh ``c_nonce``). A proof that fails counts against the device, never the DID. With
        ``zk_holder_commitment`` (``Poseidon(holderSecret)``, decimal), the credential will carry
        a signed claim for zero-knowledge presentations (:mod:`wallet.zk_claims`)."""
        self.check_holder_did(holder_did)
        commitment = parse_holder_commitment(zk_holder_commitment) if zk_holder_commitment is not None else None
        devices = self.lockout.devices(device)
        self.lockout.check(devices)
        try:
            self.issuer.resolver.resolve(holder_did)
        except FetchBusy:
            raise  # the service is busy (503), the DID is not at fault
        except DIDError as exc:
            raise InvalidHolderDID(f"holderDid cannot be resolved: {exc.message}") from exc
        check = self.binding.verify(holder_proof, holder_did=holder_did, nonce=None)
        if not check.valid:
            self.lockout.record_failure(devices)
            raise HolderProofInvalid(f"the holder proof does not verify: {'; '.join(check.reasons)}")
        if not self.binding.consume_nonce(check.claims.get("nonce")):
            self.lockout.record_failure(devices)
            raise HolderProofInvalid("the holder proof's nonce is not a fresh c_nonce from POST /nonce")
        session = self.sessions.create(holder_did=holder_did, device_type=device_type, face_match=face_match)
        if commitment is not None:
            self.zk_claims.remember(session.id, commitment, session.expires_at)
        return session

    def begin_attempt(self, session_id: str, device: str | None) -> Session:
        """Take one attempt of the session for a live take (refused while the device is locked out)."""
        self.lockout.check(self.lockout.devices(device))
        return self.sessions.begin_attempt(session_id)

    def finish_attempt(
        self,
        session: Session,
        *,
        passed: bool,
        checks: Sequence[str],
        face_match_proof: Mapping[str, Any] | None,
        device: str | None,
        claim_opening: ClaimOpening | None = None,
    ) -> tuple[Session, dict[str, Any] | None]:
        """Record the verdict; on success also the credential offer (returned once, never stored).
        A failure counts against the session (its attempts) and the device that made it.

        ``claim_opening`` is the opening of the face-match proof's commitment; a session that
        asked for a zero-knowledge claim keeps it until issuance (one without a face match
        commits to score 0 with a fresh salt)."""
        devices = self.lockout.devices(device)
        if not passed:
            self.lockout.record_failure(devices)
            return self.sessions.finish_attempt(session, passed=False), None
        code = secrets.token_urlsafe(32)
        done = self.sessions.finish_attempt(
            session, passed=True, checks=checks, face_match_proof=face_match_proof, offer_code=code
        )
        self.zk_claims.record_opening(session.id, claim_opening or ClaimOpening(0, random_field_element()))
        self.lockout.clear(devices)
        return done, self.oid4vci.credential_offer(code)

    # issuance --------------------------------------------------------------------------------
    def issue(self, session: Session) -> IssuedCredential:
        """Sign the session's one credential (the session moves to issued, or back on failure).
        The zero-knowledge claim's opening is returned with it and forgotten here."""
        claimed = self.sessions.claim(session.id)
        try:
            pending = self.zk_claims.get(session.id)
            opening = pending.opening if pending is not None else None
            commitments = None
            if pending is not None and opening is not None:
                commitments = ClaimCommitments(poseidon([opening.score, opening.salt]), pending.holder_commitment)
                proof = claimed.face_match_proof
                if proof is not None and str(proof.get("commitment")) != str(commitments.score_commitment):
                    raise RuntimeError("the session's claim opening does not open its face-match commitment")
            unsigned = self.issuer.liveness_credential(
                holder_did=claimed.holder_did,
                device_type=claimed.device_type,
                timestamp=claimed.passed_at,
                checks=claimed.checks,
                face_match_proof=claimed.face_match_proof,
                engine=self.config.engine,
                zk_claim=commitments,
                challenges=claimed.challenges,
            )
            credential = self.issuer.issue(unsigned)
        except BaseException:
            self.sessions.release(session.id)
            raise
        self.sessions.complete(session.id, str(credential["id"]))
        self.zk_claims.forget(session.id)
        return IssuedCredential(credential, opening if commitments is not None else None)

    def ready(self, session_id: str) -> Session:
        """The session, if a credential may be issued for it now (else the error saying why)."""
        session = self.sessions.get(session_id)
        if session.state != "passed" or session.expired(self.clock()):
            self.sessions._refuse(session, self.clock(), want="passed")
            raise SessionError("the session cannot issue a credential now")
        return session

    def issue_direct(self, session_id: str, holder_proof: object, device: str | None) -> IssuedCredential:
        """``POST /sessions/{id}/credential``: the holder proof's nonce is the session nonce. Never
        blocked by a lockout (the session passed); a bad proof counts against the device."""
        session = self.ready(session_id)
        check = self.binding.verify(holder_proof, holder_did=session.holder_did, nonce=session.nonce)
        if not check.valid:
            self.lockout.record_failure(self.lockout.devices(device))
            raise HolderProofInvalid(f"the holder proof does not verify: {'; '.join(check.reasons)}")
        return self.issue(session)
