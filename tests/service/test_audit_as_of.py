"""Auditors replay any aggregate to a past version or instant, from the store itself."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from subsidy.application import SubsidyEngine
from subsidy.domain.errors import InvalidValue, NotFound
from subsidy.domain.workflow import ApplicationStatus

from builders import APPROVER, World, year
from conftest import ALL_STORES

pytestmark = pytest.mark.parametrize("store_url", ALL_STORES, indirect=True)


def test_the_state_after_a_past_version_is_replayed(engine: SubsidyEngine) -> None:
    world = World.build(engine)
    application_id = world.submitted(year(2024))
    engine.return_application(APPROVER, application_id, reason="補正のこと")

    submitted = engine.state_as_of(application_id, version=2)
    latest = engine.state_as_of(application_id, version=3)

    assert submitted.state["status"] is ApplicationStatus.SUBMITTED
    assert submitted.version == 2
    assert latest.state["status"] is ApplicationStatus.RETURNED
    assert latest.version == latest.latest_version == 3


def test_the_state_at_an_instant_is_the_state_after_the_last_event_by_then(
    engine: SubsidyEngine,
) -> None:
    world = World.build(engine)
    application_id = world.draft(year(2024))
    after_draft = engine.state_as_of(application_id, version=1).recorded_at
    engine.withdraw_application(world.applicant, application_id, reason="誤登録")

    then = engine.state_as_of(application_id, at=after_draft + timedelta(microseconds=1))
    now = engine.state_as_of(application_id, at=datetime.now(UTC) + timedelta(seconds=1))

    assert then.state["status"] is ApplicationStatus.DRAFT
    assert now.state["status"] is ApplicationStatus.WITHDRAWN


def test_an_instant_before_the_aggregate_existed_is_refused(engine: SubsidyEngine) -> None:
    world = World.build(engine)
    application_id = world.draft(year(2024))

    with pytest.raises(NotFound, match="did not exist yet then"):
        engine.state_as_of(application_id, at=datetime(2000, 1, 1, tzinfo=UTC))


def test_an_instant_without_a_time_zone_is_refused(engine: SubsidyEngine) -> None:
    world = World.build(engine)

    with pytest.raises(InvalidValue, match="needs a time zone"):
        engine.state_as_of(world.plan_id, at=datetime(2024, 4, 1))


def test_a_version_the_aggregate_never_had_is_refused(engine: SubsidyEngine) -> None:
    world = World.build(engine)
    application_id = world.draft(year(2024))

    with pytest.raises(NotFound, match="has 1 events; there is no version 5"):
        engine.state_as_of(application_id, version=5)
    with pytest.raises(InvalidValue, match="versions start at 1"):
        engine.state_as_of(application_id, version=0)
