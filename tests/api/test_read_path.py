"""The API's read path: queries that never wait for the write lock, bodies as FastAPI sends them."""

from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime
from pathlib import Path
from uuid import uuid4

import pytest
from pydantic import TypeAdapter
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from subsidy.api.payloads import json_response
from subsidy.api.routes.ledger import GrantsPackage, LedgerKind, LedgerPage, LedgerRow
from subsidy.bootstrap import build_query_engine, build_read_models
from subsidy.settings import Settings


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(database_url=f"sqlite:///{tmp_path / 'events.sqlite3'}")


def test_sqlite_queries_answer_while_another_connection_holds_the_write_lock(
    settings: Settings, tmp_path: Path
) -> None:
    db = build_read_models(settings)
    queries = build_query_engine(settings, db)
    writer = sqlite3.connect(tmp_path / "events.sqlite3", isolation_level=None, timeout=0.1)
    try:
        writer.execute("PRAGMA journal_mode=WAL")
        writer.execute("CREATE TABLE counted (n INTEGER)")
        writer.execute("INSERT INTO counted VALUES (1)")
        writer.execute("BEGIN IMMEDIATE")  # as a projection batch or a command does
        writer.execute("INSERT INTO counted VALUES (2)")

        with queries.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM counted")).scalar_one() == 1
        writer.execute("COMMIT")
        with queries.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM counted")).scalar_one() == 2
    finally:
        writer.close()
        queries.dispose()
        db.dispose()


def test_sqlite_queries_cannot_write(settings: Settings) -> None:
    db = build_read_models(settings)
    queries = build_query_engine(settings, db)
    try:
        with pytest.raises(OperationalError, match="readonly"), queries.begin() as conn:
            conn.execute(text("CREATE TABLE scratch (n INTEGER)"))
    finally:
        queries.dispose()
        db.dispose()


def test_other_stores_query_through_the_read_models_engine() -> None:
    settings = Settings(database_url="memory://")
    db = build_read_models(settings)
    try:
        assert build_query_engine(settings, db) is db
    finally:
        db.dispose()


def test_a_json_response_is_byte_for_byte_what_fastapi_sends_for_the_model() -> None:
    row = LedgerRow(
        position=7,
        line=1,
        recorded_at=datetime(2024, 6, 1, 9, 30, 15, 123456, tzinfo=UTC),
        occurred_on=date(2024, 6, 1),
        fiscal_year=2024,
        organisation_id=uuid4(),
        approval_id=uuid4(),
        kind=next(iter(LedgerKind)),
        amount=-1_500_000,
        balance=0,
        rule=None,
        actor_id='経理 "finance" \u2028 <tag>',
    )
    page = LedgerPage(items=[row], page=1, per_page=100, fiscal_year_totals={"advance": 1_500_000})

    body = json_response(page).body

    assert body == TypeAdapter(LedgerPage | GrantsPackage).dump_json(page, by_alias=True)
    assert json_response(page).media_type == "application/json"
