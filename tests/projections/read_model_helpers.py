"""Scenarios and shortcuts for the read-model tests: run projections, query what they built."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any, TypeVar
from uuid import UUID

from sqlalchemy import Engine

from subsidy.application import SubsidyEngine
from subsidy.application.organisations import AgreementRow
from subsidy.bootstrap import build_engine
from subsidy.demo import ScenarioClock, run_demo
from subsidy.domain.actor import Actor, Role
from subsidy.domain.organisation import Organisation
from subsidy.projections.base import Projection
from subsidy.projections.runner import ProjectionRunner
from subsidy.settings import Settings

from builders import ADMIN, plan_content
from conftest import travel_to
from projection_helpers import read_models, runner_for

T = TypeVar("T")


def caught_up(
    engine: SubsidyEngine, url: str, *projections: Projection, batch_size: int = 7
) -> Engine:
    """A fresh read-model database on ``url`` with ``projections`` caught up to the log.

    The small batch makes every projection cross several batch boundaries.
    """
    db = read_models(url)
    for projection in projections:
        catch_up(engine, db, projection, batch_size=batch_size)
    return db


def catch_up(
    engine: SubsidyEngine, db: Engine, projection: Projection, batch_size: int = 7
) -> ProjectionRunner:
    """Apply what the projection has not seen yet; returns its runner."""
    runner = runner_for(engine, db, projection, batch_size=batch_size)
    runner.catch_up()
    return runner


def query(db: Engine, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Call a read-model query function on a connection of ``db``."""
    with db.connect() as conn:
        return function(conn, *args, **kwargs)


def another_applicant(
    engine: SubsidyEngine, name: str, *, signed_on: date = date(2019, 3, 1)
) -> tuple[UUID, Actor, UUID]:
    """A second body (its prefecture derived from ``name``) with an agreement and an adopted plan.

    Returns the organisation's id, its applicant and the plan's id.
    """
    engine.import_agreements(ADMIN, [AgreementRow((name,), signed_on, False, 1)])
    organisation_id = Organisation.id_for(name)
    applicant = Actor(f"applicant@{name}", Role.APPLICANT, organisation_id)
    plan_id = engine.draft_action_plan(applicant, owner_id=organisation_id, content=plan_content())
    today = engine.today()
    travel_to(date(2024, 3, 1))
    engine.adopt_action_plan(applicant, plan_id, on=date(2024, 3, 1))
    travel_to(today)
    return organisation_id, applicant, plan_id


@contextmanager
def demo_engine(url: str) -> Iterator[SubsidyEngine]:
    """An engine on ``url`` holding the demo's history, recorded on the demo's own days."""
    clock = ScenarioClock()
    engine = build_engine(Settings(database_url=url), clock=clock)
    try:
        run_demo(engine, clock)
        yield engine
    finally:
        engine.close()
