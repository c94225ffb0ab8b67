"""Issuer state in SQL: issued-credential metadata, status lists, issuer keys' public metadata.

SQLite by default (a file in the state directory), PostgreSQL by URL, both through SQLAlchemy
Core. No biometric data is ever written: a credential row is its id, holder DID, dates, status
list position and status. A list's bits are not stored: they are derived from the rows whose
status sets them, so a revocation is one atomic ``UPDATE`` and never a read-modify-write of a
shared blob, which keeps replicas sharing one PostgreSQL consistent. Each list has a
``version`` bumped on every change, so the signed list credential is re-signed only when stale.
"""

from __future__ import annotations

import functools
import secrets
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import ParamSpec, TypeVar

from sqlalchemy import (
    Column,
    Connection,
    DateTime,
    Engine,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    UniqueConstraint,
    create_engine,
    event,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from issuer._exceptions import (
    CredentialNotFound,
    IssuerError,
    StatusChangeRefused,
    StatusListNotFound,
    StoreUnavailable,
)

metadata = MetaData()

status_lists = Table(
    "status_lists",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("purpose", String(16), nullable=False),
    Column("size", Integer, nullable=False),
    Column("allocated", Integer, nullable=False, default=0),
    Column("version", Integer, nullable=False, default=0),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

issued_credentials = Table(
    "issued_credentials",
    metadata,
    Column("id", String(200), primary_key=True),
    Column("holder_did", String(500), nullable=True),
    Column("issuer_did", String(500), nullable=False),
    Column("types", String(500), nullable=False),
    Column("issued_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=True),
    Column("status_list_id", String(64), ForeignKey("status_lists.id"), nullable=True),
    Column("status_index", Integer, nullable=True),
    Column("status", String(16), nullable=False, default="active"),
    Column("status_changed_at", DateTime(timezone=True), nullable=True),
    UniqueConstraint("status_list_id", "status_index", name="uq_status_position"),
)

issuer_keys = Table(
    "issuer_keys",
    metadata,
    Column("verification_method", String(500), primary_key=True),
    Column("did", String(500), nullable=False),
    Column("public_key_multibase", String(100), nullable=False),
    Column("first_seen_at", DateTime(timezone=True), nullable=False),
)

P = ParamSpec("P")
R = TypeVar("R")


def _db_errors(method: Callable[P, R]) -> Callable[P, R]:
    """Translate driver failures (connection lost, disk full, ...) into ``StoreUnavailable``."""

    @functools.wraps(method)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return method(*args, **kwargs)
        except SQLAlchemyError as exc:
            raise StoreUnavailable(f"the issuer database failed ({type(exc).__name__})") from exc

    return wrapper


PURPOSES = ("revocation", "suspension")
# A credential's bit is set while its status is the one its list's purpose tracks.
_SETS_BIT = {"revocation": "revoked", "suspension": "suspended"}


@dataclass(frozen=True, slots=True)
class StatusPosition:
    list_id: str
    index: int
    purpose: str


@dataclass(frozen=True, slots=True)
class CredentialRecord:
    id: str
    holder_did: str | None
    issuer_did: str
    types: tuple[str, ...]
    issued_at: datetime
    expires_at: datetime | None
    status: str
    position: StatusPosition | None


@dataclass(frozen=True, slots=True)
class StatusListState:
    id: str
    purpose: str
    size: int
    version: int
    set_indexes: tuple[int, ...]


def _utc(value: datetime | None) -> datetime | None:
    # SQLite returns naive datetimes even for timezone=True columns.
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def database_engine(url: str) -> Engine:
    """An engine for ``url``; a bare ``postgresql://`` uses the pure-Python pg8000 driver."""
    parsed = make_url(url)
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+pg8000")
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(parsed, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(conn, _record):  # type: ignore[no-untyped-def]
            cursor = conn.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        return engine
    return create_engine(parsed, pool_pre_ping=True)


class IssuerStore:
    def __init__(self, engine: Engine, *, list_size: int, fill_ratio: float = 0.5) -> None:
        self.engine = engine
        self.list_size = list_size
        # Indexes are drawn at random (the spec's advice, so an index tells nothing about issuance
        # order); a list is closed at this fill ratio so that a random draw rarely collides.
        self.max_allocated = max(1, int(list_size * fill_ratio))

    @classmethod
    def from_url(cls, url: str, *, list_size: int) -> IssuerStore:
        return cls(database_engine(url), list_size=list_size)

    def create_schema(self) -> None:
        try:
            metadata.create_all(self.engine)
        except SQLAlchemyError as exc:
            raise IssuerError(f"cannot prepare the issuer database ({type(exc).__name__})") from exc

    def close(self) -> None:
        self.engine.dispose()

    # keys ------------------------------------------------------------------------------------
    @_db_errors
    def remember_key(self, verification_method: str, did: str, public_key_multibase: str) -> None:
        with self.engine.begin() as conn:
            known = conn.execute(
                select(issuer_keys.c.verification_method).where(
                    issuer_keys.c.verification_method == verification_method
                )
            ).first()
            if known is None:
                conn.execute(
                    insert(issuer_keys).values(
                        verification_method=verification_method,
                        did=did,
                        public_key_multibase=public_key_multibase,
                        first_seen_at=datetime.now(UTC),
                    )
                )

    # issuance --------------------------------------------------------------------------------
    def _open_list(self, conn: Connection, purpose: str) -> str:
        row = conn.execute(
            select(status_lists.c.id)
            .where(status_lists.c.purpose == purpose, status_lists.c.allocated < self.max_allocated)
            .order_by(status_lists.c.created_at)
            .limit(1)
        ).first()
        if row is not None:
            return str(row[0])
        list_id = uuid.uuid4().hex[:16]
        conn.execute(
            insert(status_lists).values(
                id=list_id, purpose=purpose, size=self.list_size, allocated=0, version=0, created_at=datetime.now(UTC)
            )
        )
        return list_id

    def reserve(
        self,
        credential_id: str,
        *,
        holder_did: str | None,
        issuer_did: str,
        types: Sequence[str],
        issued_at: datetime,
        expires_at: datetime | None,
        purpose: str | None,
    ) -> StatusPosition | None:
        """Record a credential about to be signed and give it a random free status position."""
        if purpose is not None and purpose not in PURPOSES:
            raise StatusChangeRefused(f"status purpose must be one of {', '.join(PURPOSES)}")
        for _ in range(32):
            try:
                with self.engine.begin() as conn:
                    position = None
                    if purpose is not None:
                        list_id = self._open_list(conn, purpose)
                        position = StatusPosition(list_id, secrets.randbelow(self.list_size), purpose)
                    conn.execute(
                        insert(issued_credentials).values(
                            id=credential_id,
                            holder_did=holder_did,
                            issuer_did=issuer_did,
                            types=" ".join(types),
                            issued_at=issued_at,
                            expires_at=expires_at,
                            status_list_id=position.list_id if position else None,
                            status_index=position.index if position else None,
                            status="active",
                        )
                    )
                    if position is not None:
                        conn.execute(
                            update(status_lists)
                            .where(status_lists.c.id == position.list_id)
                            .values(allocated=status_lists.c.allocated + 1)
                        )
                    return position
            except IntegrityError as exc:
                if self.get(credential_id, missing_ok=True) is not None:
                    raise StatusChangeRefused(f"a credential with id {credential_id[:200]} was already issued") from exc
                continue  # the random index was taken: draw again
            except SQLAlchemyError as exc:
                raise StoreUnavailable(f"the issuer database failed ({type(exc).__name__})") from exc
        raise IssuerError("could not allocate a status list index")

    @_db_errors
    def forget(self, credential_id: str) -> None:
        """Undo ``reserve`` for a credential that was not signed after all."""
        with self.engine.begin() as conn:
            row = conn.execute(
                select(issued_credentials.c.status_list_id).where(issued_credentials.c.id == credential_id)
            ).first()
            conn.execute(issued_credentials.delete().where(issued_credentials.c.id == credential_id))
            if row is not None and row[0] is not None:
                conn.execute(
                    update(status_lists)
                    .where(status_lists.c.id == row[0])
                    .values(allocated=status_lists.c.allocated - 1)
                )

    # status ----------------------------------------------------------------------------------
    @_db_errors
    def get(self, credential_id: str, *, missing_ok: bool = False) -> CredentialRecord | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(issued_credentials, status_lists.c.purpose)
                .outerjoin(status_lists, status_lists.c.id == issued_credentials.c.status_list_id)
                .where(issued_credentials.c.id == credential_id)
            ).first()
        if row is None:
            if missing_ok:
                return None
            raise CredentialNotFound(f"no credential {credential_id[:200]!r} was issued here")
        m = row._mapping
        position = StatusPosition(m["status_list_id"], m["status_index"], m["purpose"]) if m["status_list_id"] else None
        issued_at = _utc(m["issued_at"])
        assert issued_at is not None
        return CredentialRecord(
            id=m["id"],
            holder_did=m["holder_did"],
            issuer_did=m["issuer_did"],
            types=tuple(m["types"].split()),
            issued_at=issued_at,
            expires_at=_utc(m["expires_at"]),
            status=m["status"],
            position=position,
        )

    @_db_errors
    def set_status(self, credential_id: str, status: str) -> CredentialRecord:
        """``revoked`` (final), ``suspended`` or ``active`` (lifting a suspension)."""
        record = self.get(credential_id)
        assert record is not None
        if record.position is None:
            raise StatusChangeRefused("this credential was issued without a status entry")
        purpose = record.position.purpose
        if record.status == "revoked":
            raise StatusChangeRefused("the credential is revoked; revocation is final")
        allowed = {"revocation": {"revoked"}, "suspension": {"suspended", "active"}}[purpose]
        if status not in allowed:
            raise StatusChangeRefused(
                f"the credential's status entry has purpose {purpose!r}: it can be set to {', '.join(sorted(allowed))}"
            )
        if status == record.status:
            return record
        with self.engine.begin() as conn:
            conn.execute(
                update(issued_credentials)
                .where(issued_credentials.c.id == credential_id)
                .values(status=status, status_changed_at=datetime.now(UTC))
            )
            conn.execute(
                update(status_lists)
                .where(status_lists.c.id == record.position.list_id)
                .values(version=status_lists.c.version + 1)
            )
        updated = self.get(credential_id)
        assert updated is not None
        return updated

    @_db_errors
    def list_state(self, list_id: str) -> StatusListState:
        with self.engine.connect() as conn:
            row = conn.execute(select(status_lists).where(status_lists.c.id == list_id)).first()
            if row is None:
                raise StatusListNotFound(f"no status list {list_id[:64]!r}")
            purpose = row._mapping["purpose"]
            indexes = conn.execute(
                select(issued_credentials.c.status_index).where(
                    issued_credentials.c.status_list_id == list_id,
                    issued_credentials.c.status == _SETS_BIT[purpose],
                )
            ).scalars()
            return StatusListState(
                id=list_id,
                purpose=purpose,
                size=row._mapping["size"],
                version=row._mapping["version"],
                set_indexes=tuple(sorted(int(i) for i in indexes)),
            )

    @_db_errors
    def list_version(self, list_id: str) -> int:
        with self.engine.connect() as conn:
            version = conn.execute(select(status_lists.c.version).where(status_lists.c.id == list_id)).scalar()
        if version is None:
            raise StatusListNotFound(f"no status list {list_id[:64]!r}")
        return int(version)

    @_db_errors
    @_db_errors
    def ping(self) -> None:
        """One round trip to the database (``/health``); raises ``StoreUnavailable`` when it fails."""
        with self.engine.connect() as conn:
            conn.execute(select(1))

    def count(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(issued_credentials)).scalar() or 0)
