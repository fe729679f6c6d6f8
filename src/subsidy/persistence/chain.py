"""A SHA-256 hash chain over the notification log, written in the transaction that stores events.

Each stored event gets a link: the hash of the previous event's link, the event's position in the
notification log, its identity (originator id and version) and its stored bytes (topic and state).
The link sits in a table beside the events (``<events table>_chain``), keyed by position, and is
inserted by the same transaction as the event, after the insert has taken the store's write lock
(SQLite's single writer, PostgreSQL's ``EXCLUSIVE`` table lock), so links are made in log order
and no event is ever committed without one.

The recorders here are the library's application recorders with that one addition, selected
with ``APPLICATION_RECORDER_TOPIC`` by :func:`subsidy.persistence.storage.event_store_environment`.
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol
from uuid import UUID

from eventsourcing.persistence import ApplicationRecorder, StoredEvent
from eventsourcing.popo import POPOApplicationRecorder, POPOFactory
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from eventsourcing.sqlite import (
    SQLiteApplicationRecorder,
    SQLiteCursor,
    SQLiteDatastore,
    SQLiteFactory,
)
from eventsourcing.utils import Environment, EnvType
from psycopg import Cursor
from psycopg.rows import DictRow, tuple_row
from psycopg.sql import SQL, Identifier

GENESIS = bytes(32)
"""The "previous link" of the first event: 32 zero bytes."""

RawRow = tuple[int, Any, Any, Any, Any, Any]
"""A stored event's columns as read: position, originator id, version, topic, state, link."""


def link_hash(previous: bytes, position: int, event: StoredEvent) -> bytes:
    """The chain link of ``event`` stored at ``position`` after the link ``previous``.

    SHA-256 over the previous link, the position, the length-prefixed originator id (a UUID as
    its 32 hex digits) and topic, the version and the SHA-256 of the state: no two different
    stored rows encode to the same bytes.
    """
    row = (position, event.originator_id, event.originator_version, event.topic, event.state, None)
    return row_link(previous, row)


_POSITION_AND_LENGTH = struct.Struct(">QI")
_VERSION_AND_LENGTH = struct.Struct(">qI")

MALFORMED_ERRORS = (TypeError, ValueError, AttributeError, OverflowError, struct.error)
"""What :func:`row_link` raises for a column holding a value the engine never writes."""


def row_link(previous: bytes, row: RawRow) -> bytes:
    """:func:`link_hash` of a stored row's columns as read, without building a StoredEvent.

    The verifier calls this once per stored event, so it hashes one buffer rather than
    feeding the digest piece by piece. The row's link (its last column) is not used.
    """
    return hashlib.sha256(previous + row_suffix(row)).digest()


def row_suffix(row: RawRow) -> bytes:
    """What a row's link hashes after the previous link: the link is SHA-256(previous + this)."""
    position, originator_id, originator_version, topic, state, _ = row
    originator = _canonical_id(originator_id).encode()
    topic_bytes = topic.encode()
    state_bytes = state if isinstance(state, bytes) else stored_bytes(state)
    return b"".join(
        (
            _POSITION_AND_LENGTH.pack(position, len(originator)),
            originator,
            _VERSION_AND_LENGTH.pack(originator_version, len(topic_bytes)),
            topic_bytes,
            hashlib.sha256(state_bytes).digest(),
        )
    )


def state_hash(state: bytes) -> bytes:
    """The SHA-256 of an event's stored state: links cover it, so an audit bundle can show the
    hash of a state it withholds (an API token's) and still let the auditor check the link."""
    return hashlib.sha256(state).digest()


def _canonical_id(originator_id: object) -> str:
    # The id exactly as stored: a UUID as its 32 lower-case hex digits (SQLite keeps that text;
    # PostgreSQL's uuid column reads back as a UUID); any other text as it is. An edit that
    # changes the stored text (upper case, hyphens) changes the link, as it changes which
    # aggregate the event belongs to.
    if isinstance(originator_id, UUID):
        return originator_id.hex
    return str(originator_id)


def stored_bytes(value: object) -> bytes:
    """A stored column as bytes, whatever type an edit behind the engine's back left in it."""
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value)
    return str(value).encode()


@dataclass(frozen=True)
class ChainedRow:
    """One stored event as the verifier sees it: its position, bytes and link (if any)."""

    position: int
    event: StoredEvent
    link: bytes | None


def chained_row(raw: RawRow) -> ChainedRow:
    """The row as the verifier hands it on (the state as bytes, the link as bytes or None)."""
    position, originator_id, originator_version, topic, state, link = raw
    event = StoredEvent(originator_id, originator_version, topic, stored_bytes(state))
    return ChainedRow(position, event, None if link is None else stored_bytes(link))


class ChainReader(Protocol):
    """What the verifier needs from a recorder that keeps a hash chain."""

    def select_chained(self, after: int, limit: int) -> Sequence[ChainedRow]:
        """Up to ``limit`` events after position ``after``, in log order, with their links."""
        ...

    def select_raw(self, after: int, limit: int) -> Sequence[RawRow]:
        """The same rows as :meth:`select_chained`, as the database returns their columns."""
        ...

    def first_orphan_link(self) -> int | None:
        """The lowest position that has a link but no event (an event deleted), if any."""
        ...

    def head_link(self) -> tuple[int, bytes] | None:
        """The position and link of the last linked event, or ``None`` for an empty store."""
        ...

    def link_at(self, position: int) -> bytes | None:
        """The stored link of the event at ``position``."""
        ...


def _links(previous: bytes, ids: Sequence[int], events: Sequence[StoredEvent]) -> list[bytes]:
    links = []
    for position, event in zip(ids, events, strict=True):
        previous = link_hash(previous, position, event)
        links.append(previous)
    return links


class ChainedPOPORecorder(POPOApplicationRecorder):
    """The in-memory store with a hash chain (nothing to tamper with, but the same answers)."""

    def __init__(self) -> None:
        super().__init__()
        self._chain: dict[int, bytes] = {}

    def _insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int]:
        with self._database_lock:
            ids = super()._insert_events(stored_events, **kwargs) or []
            previous = self._chain[len(self._chain)] if self._chain else GENESIS
            for position, link in zip(ids, _links(previous, ids, stored_events), strict=True):
                self._chain[position] = link
            return ids

    def select_chained(self, after: int, limit: int) -> Sequence[ChainedRow]:
        return [chained_row(raw) for raw in self.select_raw(after, limit)]

    def select_raw(self, after: int, limit: int) -> Sequence[RawRow]:
        with self._database_lock:
            rows = self._stored_events[after : after + limit]
            return [
                (
                    after + i + 1,
                    e.originator_id,
                    e.originator_version,
                    e.topic,
                    e.state,
                    self._chain.get(after + i + 1),
                )
                for i, e in enumerate(rows)
            ]

    def first_orphan_link(self) -> int | None:
        return None

    def head_link(self) -> tuple[int, bytes] | None:
        with self._database_lock:
            if not self._chain:
                return None
            last = max(self._chain)
            return last, self._chain[last]

    def link_at(self, position: int) -> bytes | None:
        return self._chain.get(position)


class ChainedPOPOFactory(POPOFactory):
    """The in-memory infrastructure, with the chained recorder (the library's ignores the topic)."""

    def application_recorder(self) -> ApplicationRecorder:
        return ChainedPOPORecorder()


class PatientSQLiteFactory(SQLiteFactory):
    """SQLite infrastructure whose threads wait for the writer as long as for the file lock.

    The library's pool gives up on its single writer connection after 5 seconds, while SQLite
    itself waits ``SQLITE_LOCK_TIMEOUT`` for the file; under load (read models share the file)
    requests would fail long before the database would have let them through.
    """

    def __init__(self, env: Environment | EnvType | None):
        super().__init__(env)
        timeout = self.env.get(self.SQLITE_LOCK_TIMEOUT)
        if timeout:
            self.datastore.pool.pool_timeout = float(timeout)


class ChainedSQLiteRecorder(SQLiteApplicationRecorder):
    """The SQLite store with a hash chain in ``<events table>_chain``."""

    def __init__(self, datastore: SQLiteDatastore, events_table_name: str = "stored_events"):
        self.chain_table_name = f"{events_table_name}_chain"
        super().__init__(datastore, events_table_name)

    def construct_create_table_statements(self) -> list[str]:
        return [
            *super().construct_create_table_statements(),
            f"CREATE TABLE IF NOT EXISTS {self.chain_table_name} ("
            "notification_id INTEGER PRIMARY KEY, link BLOB NOT NULL)",
        ]

    def _insert_events(
        self, c: SQLiteCursor, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        # The events go in first: the insert takes SQLite's write lock, so the last link read
        # below cannot change before this transaction commits.
        ids = list(super()._insert_events(c, stored_events, **kwargs) or [])
        c.execute(f"SELECT link FROM {self.chain_table_name} ORDER BY notification_id DESC LIMIT 1")
        row = c.fetchone()
        previous = bytes(row[0]) if row else GENESIS
        links = _links(previous, ids, stored_events)
        for position, link in zip(ids, links, strict=True):
            c.execute(f"INSERT INTO {self.chain_table_name} VALUES (?, ?)", (position, link))
        return ids

    def select_chained(self, after: int, limit: int) -> Sequence[ChainedRow]:
        return [chained_row(raw) for raw in self.select_raw(after, limit)]

    def select_raw(self, after: int, limit: int) -> Sequence[RawRow]:
        statement = (
            f"SELECT e.rowid, e.originator_id, e.originator_version, e.topic, "
            f"e.state, c.link FROM {self.events_table_name} e "
            f"LEFT JOIN {self.chain_table_name} c ON c.notification_id = e.rowid "
            "WHERE e.rowid > ? ORDER BY e.rowid LIMIT ?"
        )
        with self.datastore.transaction(commit=False) as c:
            c.execute(statement, (after, limit))
            rows: Sequence[RawRow] = c.fetchall()  # sqlite3.Row objects unpack as these tuples
            return rows

    def first_orphan_link(self) -> int | None:
        return self._scalar(
            f"SELECT MIN(c.notification_id) FROM {self.chain_table_name} c "
            f"WHERE NOT EXISTS (SELECT 1 FROM {self.events_table_name} e "
            "WHERE e.rowid = c.notification_id)"
        )

    def head_link(self) -> tuple[int, bytes] | None:
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                f"SELECT notification_id, link FROM {self.chain_table_name} "
                "ORDER BY notification_id DESC LIMIT 1"
            )
            row = c.fetchone()
            return None if row is None else (int(row[0]), bytes(row[1]))

    def link_at(self, position: int) -> bytes | None:
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                f"SELECT link FROM {self.chain_table_name} WHERE notification_id = ?", (position,)
            )
            row = c.fetchone()
            return None if row is None else bytes(row[0])

    def _scalar(self, statement: str) -> int | None:
        with self.datastore.transaction(commit=False) as c:
            c.execute(statement)
            row = c.fetchone()
            return None if row is None or row[0] is None else int(row[0])


class ChainedPostgresRecorder(PostgresApplicationRecorder):
    """The PostgreSQL store with a hash chain in ``<events table>_chain``."""

    def __init__(
        self, datastore: PostgresDatastore, *, events_table_name: str = "stored_events"
    ) -> None:
        super().__init__(datastore, events_table_name=events_table_name)
        if datastore.enable_db_functions:
            msg = "the hash chain needs POSTGRES_ENABLE_DB_FUNCTIONS off"
            raise ValueError(msg)
        self.chain_table_name = f"{events_table_name}_chain"
        self.check_identifier_length(self.chain_table_name)
        self._chain = Identifier(self.datastore.schema), Identifier(self.chain_table_name)
        self._events = Identifier(self.datastore.schema), Identifier(self.events_table_name)
        self.sql_create_statements.append(
            SQL(
                "CREATE TABLE IF NOT EXISTS {0}.{1} ("
                "notification_id bigint PRIMARY KEY, link bytea NOT NULL)"
            ).format(*self._chain)
        )
        self._link_statement = SQL(
            "WITH RECURSIVE links (i, link) AS ("
            " SELECT 1, sha256(coalesce("
            "  (SELECT link FROM {0}.{1} ORDER BY notification_id DESC LIMIT 1), %(genesis)s"
            " ) || (%(suffixes)s::bytea[])[1])"
            " UNION ALL"
            " SELECT i + 1, sha256(link || (%(suffixes)s::bytea[])[i + 1]) FROM links"
            " WHERE i < cardinality(%(suffixes)s::bytea[])"
            ") INSERT INTO {0}.{1} (notification_id, link)"
            " SELECT (%(ids)s::bigint[])[i], link FROM links"
        ).format(*self._chain)

    def _fetch_ids_after_insert_events(
        self, curs: Cursor[DictRow], stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        # Runs inside the insert's transaction, after it took the EXCLUSIVE lock on the events
        # table: no other writer can add a link until this transaction ends.
        #
        # One statement links them all: the server reads the last link and hashes each new one
        # from the previous link and the suffix computed here (row_suffix). It returns nothing,
        # so the pipeline sends it with the COMMIT, without waiting for the last link first.
        ids = list(super()._fetch_ids_after_insert_events(curs, stored_events, **kwargs) or [])
        suffixes = [
            row_suffix((position, e.originator_id, e.originator_version, e.topic, e.state, None))
            for position, e in zip(ids, stored_events, strict=True)
        ]
        curs.execute(
            self._link_statement,
            {"ids": ids, "suffixes": suffixes, "genesis": GENESIS},
            prepare=True,
        )
        return ids

    def select_chained(self, after: int, limit: int) -> Sequence[ChainedRow]:
        return [chained_row(raw) for raw in self.select_raw(after, limit)]

    def select_raw(self, after: int, limit: int) -> Sequence[RawRow]:
        statement = SQL(
            "SELECT e.notification_id, e.originator_id, e.originator_version, e.topic, "
            "e.state, c.link FROM {0}.{1} e LEFT JOIN {2}.{3} c "
            "ON c.notification_id = e.notification_id "
            "WHERE e.notification_id > %s ORDER BY e.notification_id LIMIT %s"
        ).format(*self._events, *self._chain)
        with self.datastore.get_connection() as conn, conn.cursor(row_factory=tuple_row) as curs:
            curs.execute(statement, (after, limit))
            return curs.fetchall()

    def first_orphan_link(self) -> int | None:
        statement = SQL(
            "SELECT MIN(c.notification_id) AS position FROM {2}.{3} c WHERE NOT EXISTS "
            "(SELECT 1 FROM {0}.{1} e WHERE e.notification_id = c.notification_id)"
        ).format(*self._events, *self._chain)
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(statement)
            row = curs.fetchone()
            return None if row is None or row["position"] is None else int(row["position"])

    def head_link(self) -> tuple[int, bytes] | None:
        statement = SQL(
            "SELECT notification_id, link FROM {0}.{1} ORDER BY notification_id DESC LIMIT 1"
        ).format(*self._chain)
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(statement)
            row = curs.fetchone()
            return None if row is None else (int(row["notification_id"]), bytes(row["link"]))

    def link_at(self, position: int) -> bytes | None:
        statement = SQL("SELECT link FROM {0}.{1} WHERE notification_id = %s").format(*self._chain)
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(statement, (position,))
            row = curs.fetchone()
            return None if row is None else bytes(row["link"])
