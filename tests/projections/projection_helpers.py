"""Running projections in tests: a read-model database beside an engine's event store."""

from __future__ import annotations

from collections import Counter
from statistics import median
from typing import Any

from sqlalchemy import Engine, MetaData, Table, func, select

from subsidy.application import SubsidyEngine
from subsidy.projections.base import Projection
from subsidy.projections.dashboard import Dashboard
from subsidy.projections.database import read_model_engine
from subsidy.projections.registry import read_model_metadata
from subsidy.projections.runner import ProjectionRunner


def read_models(url: str) -> Engine:
    db = read_model_engine(url)
    read_model_metadata().create_all(db)
    return db


def runner_for(
    engine: SubsidyEngine, db: Engine, projection: Projection, **options: Any
) -> ProjectionRunner:
    return ProjectionRunner(
        projection, recorder=engine.recorder, mapper=engine.mapper, db=db, **options
    )


def rows(db: Engine, table: Table) -> list[tuple[Any, ...]]:
    """Every row of ``table``, ordered by its primary key."""
    with db.connect() as conn:
        return [tuple(r) for r in conn.execute(select(table).order_by(*table.primary_key))]


def snapshot(db: Engine, projection: Projection) -> dict[str, list[tuple[Any, ...]]]:
    """All rows of all the projection's live tables."""
    tables = projection.define(MetaData())
    return {name: rows(db, table) for name, table in tables.items()}


def ledger_totals_from_rows(db: Engine, tables: dict[str, Table]) -> dict[tuple[Any, ...], int]:
    """(fiscal year, kind) → amount, summed over the ledger's rows."""
    ledger = tables["ledger"]
    query = select(ledger.c.fiscal_year, ledger.c.kind, func.sum(ledger.c.amount)).group_by(
        ledger.c.fiscal_year, ledger.c.kind
    )
    with db.connect() as conn:
        return {(year, kind): int(total) for year, kind, total in conn.execute(query)}


def kept_ledger_totals(db: Engine, tables: dict[str, Table]) -> dict[tuple[Any, ...], int]:
    """(fiscal year, kind) → amount, as the ledger keeps them."""
    return {(year, kind): amount for year, kind, amount in rows(db, tables["totals"])}


def decision_days_from_rows(db: Engine, tables: dict[str, Table]) -> dict[int, int]:
    """Days to decision → decisions, counted over the dashboard's applications."""
    applications = tables["applications"]
    query = select(applications.c.submitted_on, applications.c.decided_on).where(
        applications.c.submitted_on.is_not(None), applications.c.decided_on.is_not(None)
    )
    with db.connect() as conn:
        return dict(
            Counter((decided - submitted).days for submitted, decided in conn.execute(query))
        )


def kept_decision_days(db: Engine, tables: dict[str, Table]) -> dict[int, int]:
    """Days to decision → decisions, as the dashboard keeps them."""
    return dict(rows(db, tables["decision_days"]))


def statuses_from_rows(db: Engine, tables: dict[str, Table]) -> dict[str, int]:
    """Status → applications, counted over the dashboard's applications."""
    applications = tables["applications"]
    with db.connect() as conn:
        return Counter(status for (status,) in conn.execute(select(applications.c.status)))


def kept_statuses(db: Engine, tables: dict[str, Table]) -> dict[str, int]:
    """Status → applications, as the dashboard keeps them."""
    return dict(rows(db, tables["statuses"]))


def prefectures_from_rows(db: Engine, tables: dict[str, Table]) -> dict[str, tuple[int, int, int]]:
    """Prefecture → (submitted applications, approvals in force, their total), row by row."""
    applications = tables["applications"]
    figures: dict[str, tuple[int, int, int]] = {}
    with db.connect() as conn:
        for row in conn.execute(select(applications)):
            if row.submitted_on is None:
                continue
            in_force = row.status == "approved" and row.approval_status == "in_force"
            count, approved, total = figures.get(row.prefecture or "", (0, 0, 0))
            figures[row.prefecture or ""] = (
                count + 1,
                approved + in_force,
                total + (row.decided_total or 0 if in_force else 0),
            )
    return figures


def kept_prefectures(db: Engine, tables: dict[str, Table]) -> dict[str, tuple[int, int, int]]:
    """Prefecture → (submitted applications, approvals in force, their total), as kept."""
    return {name: tuple(figures) for name, *figures in rows(db, tables["prefectures"])}


def median_days_from_rows(db: Engine) -> float | None:
    """The median days to decision, taken over the dashboard's applications row by row."""
    days = decision_days_from_rows(db, Dashboard().define(MetaData()))
    values = [d for d, n in days.items() for _ in range(n)]
    return float(median(values)) if values else None
