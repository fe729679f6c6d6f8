"""The Alembic migrations build exactly the tables the projections define."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from alembic import command
from sqlalchemy import MetaData, insert, inspect

from subsidy.projections.dashboard import Dashboard, dashboard
from subsidy.projections.database import read_model_engine
from subsidy.projections.ledger import Ledger, ledger_totals
from subsidy.projections.migrate import alembic_config, check, migrate
from subsidy.projections.registry import read_model_metadata

from conftest import DURABLE_STORES, make_engine
from projection_helpers import (
    decision_days_from_rows,
    kept_decision_days,
    kept_ledger_totals,
    kept_prefectures,
    kept_statuses,
    ledger_totals_from_rows,
    prefectures_from_rows,
    statuses_from_rows,
)

pytestmark = pytest.mark.parametrize("store_url", DURABLE_STORES, indirect=True)


def test_migrating_a_fresh_database_builds_every_read_model_table(store_url: str) -> None:
    make_engine(store_url).close()  # the event store's own tables share the database
    db = read_model_engine(store_url)

    migrate(db)
    migrate(db)  # a second run finds nothing to do

    tables = set(inspect(db).get_table_names())
    assert set(read_model_metadata().tables) <= tables
    check(db)  # raises if a projection's tables changed without a migration


def test_upgrading_fills_the_kept_figures_from_the_rows_already_there(store_url: str) -> None:
    make_engine(store_url).close()
    db = read_model_engine(store_url)
    config = alembic_config(db)
    with db.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "0002")  # before the kept totals, days, statuses, prefectures
    board, ledger = Dashboard().define(MetaData()), Ledger().define(MetaData())
    with db.begin() as conn:
        decided = [
            application("a", 10, "岩手県", approval_status="in_force"),
            application("b", 20, None, approval_status="revoked"),
            application("c", None, "岩手県"),
            {**application("d", None, "岩手県"), "status": "draft", "submitted_on": None},
        ]
        conn.execute(insert(board["applications"]), decided)
        lines = [line(1, 2024, 600), line(2, 2024, 400), line(3, 2025, 700)]
        conn.execute(insert(ledger["ledger"]), lines)

    migrate(db)

    assert kept_decision_days(db, board) == decision_days_from_rows(db, board) == {10: 1, 20: 1}
    assert kept_statuses(db, board) == statuses_from_rows(db, board)
    assert kept_statuses(db, board) == {"approved": 2, "submitted": 1, "draft": 1}
    assert kept_prefectures(db, board) == prefectures_from_rows(db, board)
    assert kept_prefectures(db, board) == {"岩手県": (2, 1, 1_500_000), "": (1, 0, 0)}
    assert kept_ledger_totals(db, ledger) == ledger_totals_from_rows(db, ledger)
    with db.connect() as conn:
        figures = dashboard(conn)
        assert figures["median_days_to_decision"] == 15.0
        assert figures["prefectures"][-1] == {
            "prefecture": None,
            "applications": 1,
            "approved": 0,
            "approved_total": 0,
        }
        assert ledger_totals(conn, 2024) == {"advance": 1_000}


def application(
    application_id: str,
    days: int | None,
    prefecture: str | None,
    approval_status: str | None = None,
) -> dict[str, Any]:
    return {
        "application_id": application_id,
        "prefecture": prefecture,
        "status": "approved" if days is not None else "submitted",
        "submitted_on": date(2024, 4, 15),
        "decided_on": None if days is None else date(2024, 4, 15) + timedelta(days=days),
        "approval_status": approval_status,
        "decided_total": None if days is None else 1_500_000,
    }


def line(position: int, fiscal_year: int, amount: int) -> dict[str, Any]:
    return {
        "position": position,
        "line": 0,
        "recorded_at": datetime(2024, 6, 1, tzinfo=UTC),
        "occurred_on": date(2024, 6, 1),
        "fiscal_year": fiscal_year,
        "organisation_id": "o",
        "approval_id": "a",
        "kind": "advance",
        "amount": amount,
        "balance": amount,
        "actor_id": "finance",
    }
