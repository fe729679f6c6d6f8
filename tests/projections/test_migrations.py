"""The Alembic migrations build exactly the tables the projections define."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect

from subsidy.projections.database import read_model_engine
from subsidy.projections.migrate import check, migrate
from subsidy.projections.registry import read_model_metadata

from conftest import DURABLE_STORES, make_engine

pytestmark = pytest.mark.parametrize("store_url", DURABLE_STORES, indirect=True)


def test_migrating_a_fresh_database_builds_every_read_model_table(store_url: str) -> None:
    make_engine(store_url).close()  # the event store's own tables share the database
    db = read_model_engine(store_url)

    migrate(db)
    migrate(db)  # a second run finds nothing to do

    tables = set(inspect(db).get_table_names())
    assert set(read_model_metadata().tables) <= tables
    check(db)  # raises if a projection's tables changed without a migration
