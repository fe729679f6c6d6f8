"""Edits made behind the engine's back, straight in the database, as an intruder would."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from uuid import uuid4

import psycopg
from eventsourcing.persistence import StoredEvent

from subsidy.persistence.chain import GENESIS, link_hash
from subsidy.persistence.storage import postgres_dsn


class Tamperer:
    """Raw access to the events and chain tables of a SQLite or PostgreSQL store."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.postgres = url.startswith("postgresql")
        self.events = "subsidy_events" if self.postgres else "stored_events"
        self.chain = f"{self.events}_chain"
        self.position = "notification_id" if self.postgres else "rowid"
        self.mark = "%s" if self.postgres else "?"

    @contextmanager
    def _cursor(self) -> Iterator[Any]:
        if self.postgres:
            dsn = postgres_dsn(self.url)
            assert dsn is not None
            with psycopg.connect(dsn) as conn, conn.cursor() as cursor:
                yield cursor
        else:
            conn = sqlite3.connect(self.url.removeprefix("sqlite:///"))
            try:
                yield conn.cursor()
                conn.commit()
            finally:
                conn.close()

    def _sql(self, statement: str) -> str:
        return statement.format(events=self.events, chain=self.chain, pos=self.position).replace(
            "?", self.mark
        )

    def row(self, position: int) -> tuple[Any, int, str, bytes]:
        with self._cursor() as cursor:
            cursor.execute(
                self._sql(
                    "SELECT originator_id, originator_version, topic, state "
                    "FROM {events} WHERE {pos} = ?"
                ),
                (position,),
            )
            originator, version, topic, state = cursor.fetchone()
            return originator, version, topic, bytes(state)

    def head(self) -> int:
        with self._cursor() as cursor:
            cursor.execute(self._sql("SELECT MAX({pos}) FROM {events}"))
            return int(cursor.fetchone()[0])

    def flip_byte(self, position: int, offset: int = 10) -> None:
        state = bytearray(self.row(position)[3])
        state[offset] ^= 0x01
        self._set_state(position, bytes(state))

    def set_link(self, position: int, link: bytes) -> None:
        with self._cursor() as cursor:
            cursor.execute(
                self._sql("UPDATE {chain} SET link = ? WHERE notification_id = ?"), (link, position)
            )

    def set_state(self, position: int, state: bytes) -> None:
        self._set_state(position, state)

    def upper_case_id(self, position: int) -> None:
        """SQLite keeps ids as hex text: the same UUID in capitals is another aggregate's key."""
        with self._cursor() as cursor:
            cursor.execute(
                self._sql(
                    "UPDATE {events} SET originator_id = upper(originator_id) WHERE {pos} = ?"
                ),
                (position,),
            )

    def snapshot_rows(self) -> list[tuple[Any, int, bytes]]:
        table = "subsidy_snapshots" if self.postgres else "stored_snapshots"
        with self._cursor() as cursor:
            cursor.execute(f"SELECT originator_id, originator_version, state FROM {table}")
            return [(o, v, bytes(s)) for o, v, s in cursor.fetchall()]

    def set_snapshot_state(self, originator: Any, version: int, state: bytes) -> None:
        table = "subsidy_snapshots" if self.postgres else "stored_snapshots"
        with self._cursor() as cursor:
            cursor.execute(
                self._sql(
                    f"UPDATE {table} SET state = ? "
                    "WHERE originator_id = ? AND originator_version = ?"
                ),
                (state, originator, version),
            )

    def _set_state(self, position: int, state: bytes) -> None:
        with self._cursor() as cursor:
            cursor.execute(
                self._sql("UPDATE {events} SET state = ? WHERE {pos} = ?"), (state, position)
            )

    def delete(self, position: int) -> None:
        with self._cursor() as cursor:
            cursor.execute(self._sql("DELETE FROM {events} WHERE {pos} = ?"), (position,))

    def forge(self, copy_of: int) -> int:
        """Append a copy of an event under a new originator id, with no link; its position."""
        _, version, topic, state = self.row(copy_of)
        originator = uuid4() if self.postgres else uuid4().hex
        position = self.head() + 1
        columns = "originator_id, originator_version, topic, state"
        with self._cursor() as cursor:
            if self.postgres:
                statement = f"INSERT INTO {self.events} ({columns}, notification_id) "
            else:
                statement = f"INSERT INTO {self.events} (rowid, {columns}) "
            values = (
                (originator, version, topic, state, position)
                if self.postgres
                else (position, originator, version, topic, state)
            )
            cursor.execute(statement + self._sql("VALUES (?, ?, ?, ?, ?)"), values)
        return position

    def swap(self, first: int, second: int) -> None:
        """Exchange the contents of two event rows (their positions swap)."""
        a, b = self.row(first), self.row(second)
        placeholder = uuid4() if self.postgres else uuid4().hex
        update = self._sql(
            "UPDATE {events} SET originator_id = ?, originator_version = ?, topic = ?, "
            "state = ? WHERE {pos} = ?"
        )
        with self._cursor() as cursor:
            cursor.execute(update, (placeholder, -1, a[2], a[3], first))
            cursor.execute(update, (*a, second))
            cursor.execute(update, (*b, first))

    def rewrite_from(self, position: int) -> None:
        """Change one event and recompute every link from it on: a chain that verifies alone."""
        self.flip_byte(position)
        with self._cursor() as cursor:
            cursor.execute(
                self._sql("SELECT link FROM {chain} WHERE notification_id = ?"), (position - 1,)
            )
            found = cursor.fetchone()
            previous = bytes(found[0]) if found else GENESIS
            cursor.execute(
                self._sql(
                    "SELECT {pos}, originator_id, originator_version, topic, state FROM {events} "
                    "WHERE {pos} >= ? ORDER BY {pos}"
                ),
                (position,),
            )
            for at, originator, version, topic, state in cursor.fetchall():
                event = StoredEvent(originator, version, topic, bytes(state))
                previous = link_hash(previous, at, event)
                cursor.execute(
                    self._sql("UPDATE {chain} SET link = ? WHERE notification_id = ?"),
                    (previous, at),
                )
