"""Events applied in batches of any size, or in one pass from empty tables, give the same rows
as the same events applied one at a time."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, MetaData, create_engine

from subsidy.domain.actor import Actor, Role
from subsidy.domain.budget import YearAmount
from subsidy.projections.base import Projection
from subsidy.projections.registry import all_projections

from projection_helpers import (
    decision_days_from_rows,
    kept_decision_days,
    kept_ledger_totals,
    kept_prefectures,
    kept_statuses,
    ledger_totals_from_rows,
    prefectures_from_rows,
    snapshot,
    statuses_from_rows,
)
from read_model_helpers import demo_engine

History = list[tuple[int, str, Any]]
Snapshots = dict[str, dict[str, list[tuple[Any, ...]]]]
PROJECTIONS = all_projections()


@pytest.fixture(scope="module")
def history() -> Iterator[History]:
    """The demo's events and an amended decision and budget: (position, topic, event)."""
    with demo_engine("memory://") as engine:
        admin = Actor("admin-yamada", Role.ADMINISTRATOR)
        engine.set_appropriation(admin, fiscal_year=2026, amount=21_000_000, reason="補正")
        [approval_id] = [
            event.originator_id
            for event in _events(engine)
            if type(event).__qualname__ == "Approval.Granted"
            and 2026 in {a.fiscal_year for a in event.amounts}
        ]
        engine.amend_approval(
            Actor("approver-kobayashi", Role.APPROVER),
            approval_id,
            amounts=(
                YearAmount(2024, 1_500_000),
                YearAmount(2025, 1_400_000),
                YearAmount(2026, 1_000_000),
            ),
            reason="最終年度の事業を縮小",
        )
        notifications = engine.recorder.select_notifications(1, 10_000)
        yield [(n.id, n.topic, engine.mapper.to_domain_event(n)) for n in notifications]


def _events(engine: Any) -> list[Any]:
    notifications = engine.recorder.select_notifications(1, 10_000)
    return [engine.mapper.to_domain_event(n) for n in notifications]


def followed(projection: Projection, history: History) -> list[tuple[int, Any]]:
    """The (position, event) pairs of the topics the projection follows."""
    topics = set(projection.topics)
    return [(at, event) for at, topic, event in history if not topics or topic in topics]


def fresh_tables() -> tuple[Engine, dict[str, dict[str, Any]]]:
    db = create_engine("sqlite://")
    metadata = MetaData()
    tables = {p.name: p.define(metadata) for p in PROJECTIONS}
    metadata.create_all(db)
    return db, tables


def chunks(events: Sequence[tuple[int, Any]], cuts: set[int]) -> list[list[tuple[int, Any]]]:
    """``events`` split before each position in ``cuts``."""
    parts: list[list[tuple[int, Any]]] = [[]]
    for at, event in events:
        if at in cuts and parts[-1]:
            parts.append([])
        parts[-1].append((at, event))
    return parts


def assert_kept_figures_agree_with_the_rows(db: Engine, tables: dict[str, Any]) -> None:
    """The ledger's totals and the dashboard's counters match their own rows."""
    ledger, board = tables["ledger"], tables["dashboard"]
    assert kept_ledger_totals(db, ledger) == ledger_totals_from_rows(db, ledger)
    assert kept_decision_days(db, board) == decision_days_from_rows(db, board)
    assert kept_statuses(db, board) == statuses_from_rows(db, board)
    assert kept_prefectures(db, board) == prefectures_from_rows(db, board)


def all_snapshots(db: Engine) -> Snapshots:
    return {p.name: snapshot(db, p) for p in PROJECTIONS}


@pytest.fixture(scope="module")
def one_at_a_time(history: History) -> Snapshots:
    """Every read model built one event, one transaction at a time (the reference)."""
    db, tables = fresh_tables()
    for projection in PROJECTIONS:
        for at, event in followed(projection, history):
            with db.begin() as conn:
                projection.apply(conn, tables[projection.name], event, at)
    return all_snapshots(db)


@settings(max_examples=20, deadline=None)
@given(cuts=st.sets(st.integers(min_value=2, max_value=400), max_size=20))
def test_following_the_log_in_batches_of_any_size_gives_the_same_rows(
    history: History, one_at_a_time: Snapshots, cuts: set[int]
) -> None:
    db, tables = fresh_tables()

    for projection in PROJECTIONS:
        for batch in chunks(followed(projection, history), cuts):
            with db.begin() as conn:
                projection.apply_all(conn, tables[projection.name], batch)

    assert all_snapshots(db) == one_at_a_time
    assert_kept_figures_agree_with_the_rows(db, tables)


@settings(max_examples=20, deadline=None)
@given(cuts=st.sets(st.integers(min_value=2, max_value=400), max_size=20))
def test_filling_empty_tables_from_memory_gives_the_same_rows(
    history: History, one_at_a_time: Snapshots, cuts: set[int]
) -> None:
    db, tables = fresh_tables()

    for projection in PROJECTIONS:
        state = projection.open_batch(tables[projection.name], None)  # as a rebuild does
        for batch in chunks(followed(projection, history), cuts):
            for at, event in batch:
                state.apply(event, at)
            with db.begin() as conn:
                state.flush(conn)

    assert all_snapshots(db) == one_at_a_time
    assert_kept_figures_agree_with_the_rows(db, tables)


def test_one_event_at_a_time_keeps_the_totals_and_days_to_decision_of_the_rows(
    history: History,
) -> None:
    db, tables = fresh_tables()

    for projection in PROJECTIONS:
        for at, event in followed(projection, history):
            with db.begin() as conn:
                projection.apply(conn, tables[projection.name], event, at)

    assert_kept_figures_agree_with_the_rows(db, tables)
    assert sum(kept_decision_days(db, tables["dashboard"]).values()) == 3


def test_the_history_exercises_every_read_model(one_at_a_time: Snapshots) -> None:
    for name, tables in one_at_a_time.items():
        assert all(tables.values()), f"{name} left a table empty"
