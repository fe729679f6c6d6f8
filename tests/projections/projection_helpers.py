"""Running projections in tests: a read-model database beside an engine's event store."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, MetaData, Table, select

from subsidy.application import SubsidyEngine
from subsidy.projections.base import Projection
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
