"""Holder binding: proof that the wallet controls its holder DID, and the single-use nonces it signs.

A key proof is a JWT as OpenID4VCI 1.0 (Appendix F.1) defines it: header ``typ``
``openid4vci-proof+jwt``, ``alg`` EdDSA, ``kid`` a DID URL of the holder DID; claims ``aud`` (this
credential issuer's identifier), ``iat`` and ``nonce``. It is asked three times on the wallet path:

* opening a session (``POST /sessions``): the nonce is a fresh ``c_nonce`` from ``POST /nonce``, so
  nobody opens sessions (or fails them) under a DID whose key they do not hold;
* the direct credential route: the nonce is the session's own nonce;
* OpenID4VCI's Credential Endpoint: a fresh ``c_nonce`` again.

``c_nonce`` values are stored as SHA-256 hashes, expire, and are consumed by the first proof that
uses them (one conditional ``DELETE``, so two replicas cannot both accept one).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import Column, DateTime, String, Table, delete
from sqlalchemy.engine import Engine

from did import DIDResolver
from did.jws import JWSVerification, verify_did_jws
from issuer.store import _db_errors, metadata
from wallet.sessions import token_hash

__all__ = ["PROOF_JWT_TYPE", "HolderBinding"]

PROOF_JWT_TYPE = "openid4vci-proof+jwt"

oid4vci_nonces = Table(
    "oid4vci_nonces",
    metadata,
    Column("nonce_hash", String(64), primary_key=True),
    Column("expires_at", DateTime(timezone=True), nullable=False),
)


class HolderBinding:
    def __init__(
        self,
        resolver: DIDResolver,
        audience: str,
        engine: Engine,
        *,
        proof_max_age: timedelta = timedelta(minutes=5),
        nonce_lifetime: timedelta = timedelta(minutes=5),
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.resolver = resolver
        self.audience = audience
        self.engine = engine
        self.proof_max_age = proof_max_age
        self.nonce_lifetime = nonce_lifetime
        self.clock = clock

    def verify(self, token: object, *, holder_did: str, nonce: str | None) -> JWSVerification:
        """Check a key proof of ``holder_did`` (``nonce``: the one it must carry, or None to read it
        from the claims and pass it to :meth:`consume_nonce`)."""
        return verify_did_jws(
            token,
            self.resolver,
            typ=PROOF_JWT_TYPE,
            audience=self.audience,
            nonce=nonce,
            expected_did=holder_did,
            max_age_seconds=self.proof_max_age.total_seconds(),
            now=self.clock().timestamp(),
        )

    @_db_errors
    def new_nonce(self) -> str:
        nonce = secrets.token_urlsafe(24)
        now = self.clock()
        with self.engine.begin() as conn:
            conn.execute(delete(oid4vci_nonces).where(oid4vci_nonces.c.expires_at < now))
            conn.execute(
                oid4vci_nonces.insert().values(nonce_hash=token_hash(nonce), expires_at=now + self.nonce_lifetime)
            )
        return nonce

    @_db_errors
    def consume_nonce(self, nonce: object) -> bool:
        """True once for a fresh nonce this service handed out; False for anything else."""
        if not isinstance(nonce, str) or not 0 < len(nonce) <= 200:
            return False
        with self.engine.begin() as conn:
            used = conn.execute(
                delete(oid4vci_nonces).where(
                    oid4vci_nonces.c.nonce_hash == token_hash(nonce), oid4vci_nonces.c.expires_at > self.clock()
                )
            ).rowcount
        return used == 1
