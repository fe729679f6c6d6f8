"""Every read model rebuilds row for row after the demo, and shadow tables never clash."""

from __future__ import annotations

from uuid import UUID

import pytest
from sqlalchemy import MetaData, create_engine

from subsidy.domain.actor import Actor, Role
from subsidy.domain.budget import YearAmount
from subsidy.projections.applications import Applications, list_applications
from subsidy.projections.base import Projection
from subsidy.projections.database import read_model_engine
from subsidy.projections.registry import all_projections, read_model_metadata

from conftest import ALL_STORES
from projection_helpers import snapshot
from read_model_helpers import catch_up, demo_engine, query

READ_MODELS: list[Projection] = all_projections()
DEMO_ADMIN = Actor("admin-yamada", Role.ADMINISTRATOR)
DEMO_APPROVER = Actor("approver-kobayashi", Role.APPROVER)


@pytest.mark.parametrize("store_url", ALL_STORES, indirect=True)
def test_a_rebuild_gives_the_rows_that_following_the_log_gave(store_url: str) -> None:
    with demo_engine(store_url) as engine:
        engine.set_appropriation(DEMO_ADMIN, fiscal_year=2026, amount=21_000_000, reason="補正")
        db = read_model_engine(store_url)
        read_model_metadata().create_all(db)
        catch_up(engine, db, Applications())  # followed in two steps, before and after
        [isumi] = query(db, list_applications, status="approved", fiscal_year=2026)
        engine.amend_approval(
            DEMO_APPROVER,
            UUID(isumi["approval_id"]),
            amounts=(
                YearAmount(2024, 1_500_000),
                YearAmount(2025, 1_400_000),
                YearAmount(2026, 1_000_000),
            ),
            reason="最終年度の事業を縮小",
        )
        runners = [catch_up(engine, db, projection) for projection in READ_MODELS]
        incremental = {r.projection.name: snapshot(db, r.projection) for r in runners}

        for runner in runners:
            runner.rebuild()

        for runner in runners:
            rebuilt = snapshot(db, runner.projection)
            assert rebuilt == incremental[runner.projection.name]
            assert all(rebuilt.values()), f"{runner.projection.name} left a table empty"
            assert runner.status().lag == 0


def test_every_table_and_index_carries_the_suffix_so_shadows_sit_beside_live_tables() -> None:
    metadata = MetaData()
    live = [p.define(metadata) for p in READ_MODELS]
    shadow = [p.define(metadata, suffix="__rebuild") for p in READ_MODELS]

    metadata.create_all(create_engine("sqlite://"))

    for tables in live:
        assert all(t.name.startswith("rm_") for t in tables.values())
    for tables in shadow:
        for table in tables.values():
            assert table.name.startswith("rm_")
            assert table.name.endswith("__rebuild")
            assert all(str(index.name).endswith("__rebuild") for index in table.indexes)
