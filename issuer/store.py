"""Issuer state in SQL: issued-credential metadata, status lists, issuer keys' public metadata.

SQLite by default (a file in the state directory), PostgreSQL by URL, both through SQLAlchemy
Core. No biometric data is ever written: a credential row is its id, holder DID, dates, status
list position and status. A list's bits are not stored: they are derived from the rows whose
status sets them, so a revocation is one atomic ``UPDATE`` and never a read-modify-write of a
shared blob, which keeps replicas sharing one PostgreSQL consistent. Each list has a
``version`` bumped on every change, so the signed list credential is re-signed only when stale.

Lists fill one at a time, so that each credential hides in a herd: a new list is opened only
when the current one is full. Each list takes the next number of its purpose in
``status_list_sequence``, whose key makes issuers that open one at the same moment collide: the
losers roll back and use the winner's list. A list's ``allocated`` count only grows by a
conditional ``UPDATE``, so concurrent issuers never fill a list past its bound.
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
    func,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from issuer._exceptions import (
    CredentialNotFound,
    DuplicateCredentialId,
    IssuerError,
    StatusChangeRefused,
    StatusListNotFound,
    StoreUnavailable,
)
from issuer.database import database_engine as database_engine  # where it used to live

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

# One row per status list: its number among the lists of its purpose. The primary key is what
# lets only one of several concurrent issuers open "the next list".
status_list_sequence = Table(
    "status_list_sequence",
    metadata,
    Column("purpose", String(16), primary_key=True),
    Column("number", Integer, primary_key=True),
    Column("list_id", String(64), ForeignKey("status_lists.id"), nullable=False, unique=True),
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


class _ListFilled(Exception):
    """Rolls a reservation back: the list filled up between reading it and taking a slot."""


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
        """The list to draw from: the purpose's last list while it has room, else a new one
        numbered after it. Two issuers opening one at once insert the same number: one gets an
        ``IntegrityError``. (The last list and its fill are read in one statement: read apart,
        a list opened in between would go unseen and a second one be opened beside it.)"""
        last = conn.execute(
            select(status_list_sequence.c.number, status_lists.c.id, status_lists.c.allocated)
            .join(status_lists, status_lists.c.id == status_list_sequence.c.list_id)
            .where(status_list_sequence.c.purpose == purpose)
            .order_by(status_list_sequence.c.number.desc())
            .limit(1)
        ).first()
        if last is not None and last.allocated < self.max_allocated:
            return str(last.id)
        if last is None:  # lists made before lists were numbered: fill an open one first
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
        number = 0 if last is None else int(last.number) + 1
        conn.execute(insert(status_list_sequence).values(purpose=purpose, number=number, list_id=list_id))
        return list_id

    def _take_slot(self, conn: Connection, list_id: str) -> bool:
        """Count one more credential in ``list_id`` unless it is full (it may have filled since
        it was read: the condition is checked again on the row, under its lock)."""
        taken = conn.execute(
            update(status_lists)
            .where(status_lists.c.id == list_id, status_lists.c.allocated < self.max_allocated)
            .values(allocated=status_lists.c.allocated + 1)
        ).rowcount
        return taken == 1

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
        for _ in range(64):
            try:
                with self.engine.begin() as conn:
                    position = None
                    if purpose is not None:
                        list_id = self._open_list(conn, purpose)
                        if not self._take_slot(conn, list_id):
                            raise _ListFilled
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
                    return position
            except _ListFilled:
                continue  # another issuer took the list's last slot: read again
            except IntegrityError as exc:
                if self.get(credential_id, missing_ok=True) is not None:
                    raise DuplicateCredentialId("a credential with this id was already issued") from exc
                continue  # the random index was taken, or another issuer opened the next list: again
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
            raise CredentialNotFound("no credential with this id was issued here")
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
                raise StatusListNotFound("no such status list")
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
            raise StatusListNotFound("no such status list")
        return int(version)

    @_db_errors
    def ping(self) -> None:
        """One round trip to the database (``/health``); raises ``StoreUnavailable`` when it fails."""
        with self.engine.connect() as conn:
            conn.execute(select(1))

    @_db_errors
    def count(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(issued_credentials)).scalar() or 0)
