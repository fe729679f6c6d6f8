"""In-memory batches: rows read once, changed in memory, written in bulk exactly as SQL would."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    DateTime,
    Engine,
    MetaData,
    String,
    Table,
    create_engine,
    delete,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql import bindparam

from subsidy.projections.batch import DuplicateRow, MissingRow, Rows
from subsidy.projections.bulk import BulkStatement, conversion_for
from subsidy.projections.database import read_model_engine

from conftest import DURABLE_STORES
from projection_helpers import rows


def a_table(metadata: MetaData, name: str = "t") -> Table:
    return Table(
        name,
        metadata,
        Column("id", String(8), primary_key=True),
        Column("group_id", String(40), nullable=True),
        Column("amount", BigInteger, nullable=False, default=0),
        Column("at", DateTime(timezone=True), nullable=True),
        Column("on", Date, nullable=True),
    )


@pytest.fixture
def db() -> Engine:
    return create_engine("sqlite://")


def stored(db: Engine, table: Table) -> list[tuple[Any, ...]]:
    """The rows as the database holds them, without SQLAlchemy's type conversions."""
    with db.connect() as conn:
        return list(conn.exec_driver_sql(f'SELECT * FROM "{table.name}" ORDER BY id'))


AT = datetime(2024, 4, 15, 1, 2, 3, 4567, tzinfo=UTC)
ROWS = [
    {"id": "a", "group_id": "g", "amount": 1, "at": AT, "on": date(2024, 4, 1)},
    {"id": "b", "group_id": None, "amount": 2, "at": None, "on": None},
]


@pytest.mark.parametrize("store_url", DURABLE_STORES, indirect=True)
def test_bulk_statements_store_exactly_what_sqlalchemy_stores(store_url: str) -> None:
    db = read_model_engine(store_url)
    metadata = MetaData()
    by_sqlalchemy, in_bulk = a_table(metadata, "by_sqlalchemy"), a_table(metadata, "in_bulk")
    metadata.create_all(db)
    tricky = [{**ROWS[0], "id": "c", "group_id": "tab\tnew line\nback\\slash 全角"}]
    changes = [{"key_id": "a", "group_id": "h", "amount": 5, "at": AT, "on": date(2025, 1, 2)}]
    values = ["group_id", "amount", "at", "on"]

    with db.begin() as conn:
        for table in (by_sqlalchemy, in_bulk):
            where = table.c.id == bindparam("key_id")
            statements = [
                (insert(table), ROWS + tricky, None),
                (update(table).where(where), changes, values),
                (delete(table).where(where), [{"key_id": "b"}], None),
            ]
            for statement, parameters, columns in statements:
                if table is in_bulk:
                    BulkStatement(statement, columns).run(conn, parameters)
                else:
                    conn.execute(statement, parameters)

    assert stored(db, in_bulk) == stored(db, by_sqlalchemy)
    assert stored(db, in_bulk)[0][1:3] == ("h", 5)
    assert stored(db, in_bulk)[1][1] == tricky[0]["group_id"]
    assert len(stored(db, in_bulk)) == 2


@settings(max_examples=300)
@given(st.datetimes(timezones=st.none() | st.timezones()) | st.dates() | st.none())
def test_sqlite_datetimes_are_written_as_sqlalchemy_writes_them(value: date | None) -> None:
    dialect = create_engine("sqlite://").dialect
    impl = DateTime(timezone=True).dialect_impl(dialect)
    ours, theirs = conversion_for(impl, dialect), impl.bind_processor(dialect)
    assert ours is not None
    assert theirs is not None
    assert ours(value) == theirs(value)


def test_a_batch_writes_inserts_updates_and_deletes_at_flush(db: Engine) -> None:
    table = a_table(MetaData())
    table.metadata.create_all(db)
    with db.begin() as conn:
        conn.execute(insert(table), ROWS)

    with db.begin() as conn:
        batch = Rows(table, conn)
        batch.update(("a",), amount=10)
        batch.delete(("b",))
        batch.insert(id="c", amount=3)
        batch.delete(("a",))
        batch.insert(id="a", amount=7)  # deleted, then back: an update of the stored row
        unwritten = conn.execute(select(table.c.amount).where(table.c.id == "a")).scalar_one()
        batch.flush(conn)

    assert unwritten == 1  # nothing reaches the table before the flush
    assert [(r[0], r[2]) for r in rows(db, table)] == [("a", 7), ("c", 3)]


def test_find_merges_the_table_with_newer_rows_in_memory(db: Engine) -> None:
    table = a_table(MetaData())
    table.metadata.create_all(db)
    with db.begin() as conn:
        conn.execute(insert(table), [{**ROWS[0]}, {**ROWS[1], "group_id": "g"}])

    with db.begin() as conn:
        batch = Rows(table, conn, lookups=("group_id",))
        batch.update(("b",), group_id="other")
        batch.insert(id="c", group_id="g")
        found = sorted(r["id"] for r in batch.find("group_id", "g"))

    assert found == ["a", "c"]


def test_in_complete_mode_a_batch_never_reads_and_keeps_its_lookups(db: Engine) -> None:
    batch = Rows(a_table(MetaData()), None, lookups=("group_id",))

    batch.insert(id="a", group_id="g")
    batch.update(("a",), group_id="h")

    assert batch.get("b") is None
    assert batch.find("group_id", "g") == []
    assert [r["id"] for r in batch.find("group_id", "h")] == ["a"]


def test_counters_start_at_their_default(db: Engine) -> None:
    batch = Rows(a_table(MetaData()), None)

    batch.add(("a",), amount=2)
    row = batch.add(("a",), amount=3)

    assert row["amount"] == 5
    assert row["group_id"] is None


def test_a_taken_key_is_refused_and_a_missing_row_is_an_error_only_when_required() -> None:
    batch = Rows(a_table(MetaData()), None)
    batch.insert(id="a")

    with pytest.raises(DuplicateRow, match="already has a row"):
        batch.insert(id="a")
    with pytest.raises(MissingRow, match="no row"):
        batch.require("b")
    assert batch.update(("b",), amount=1) is False  # as SQL's UPDATE: nothing to change


def test_a_key_the_table_already_holds_is_refused_when_the_batch_is_written(db: Engine) -> None:
    table = a_table(MetaData())
    table.metadata.create_all(db)
    with db.begin() as conn:
        conn.execute(insert(table), ROWS[:1])

    with db.begin() as conn:
        batch = Rows(table, conn)
        batch.insert(id="a", amount=9)  # not looked up: the table itself refuses it
        with pytest.raises(IntegrityError):
            batch.flush(conn)
        conn.rollback()

    assert [(r[0], r[2]) for r in rows(db, table)] == [("a", 1)]
