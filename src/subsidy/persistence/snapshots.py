"""Which aggregates have snapshots, in one query, so verification checks only those."""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID

from eventsourcing.persistence import AggregateRecorder
from eventsourcing.postgres import PostgresAggregateRecorder
from eventsourcing.sqlite import SQLiteAggregateRecorder
from psycopg.sql import SQL, Identifier


def snapshotted_ids(recorder: AggregateRecorder) -> set[UUID] | None:
    """The ids of every aggregate with at least one snapshot in ``recorder``.

    ``None`` when the recorder is of a kind this does not know (the in-memory one): then every
    aggregate has to be asked on its own. An id that does not parse as a UUID is left out: no
    aggregate the engine loads has such an id.
    """
    if isinstance(recorder, SQLiteAggregateRecorder):
        statement = f"SELECT DISTINCT originator_id FROM {recorder.events_table_name}"  # noqa: S608
        with recorder.datastore.transaction(commit=False) as c:
            c.execute(statement)
            return _uuids(row[0] for row in c.fetchall())
    if isinstance(recorder, PostgresAggregateRecorder):
        query = SQL("SELECT DISTINCT originator_id FROM {0}.{1}").format(
            Identifier(recorder.datastore.schema), Identifier(recorder.events_table_name)
        )
        with recorder.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(query)
            return _uuids(row["originator_id"] for row in curs.fetchall())
    return None


def _uuids(values: Iterable[object]) -> set[UUID]:
    found = set()
    for value in values:
        if isinstance(value, UUID):
            found.add(value)
            continue
        try:
            found.add(UUID(str(value)))
        except ValueError:
            continue
    return found
