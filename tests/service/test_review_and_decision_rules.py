"""Four-eyes, conflict of interest and the scheme version an application is judged under."""

from __future__ import annotations

import pytest

from subsidy.application import SubsidyEngine
from subsidy.domain.actor import Actor, Role
from subsidy.domain.errors import RuleViolation
from subsidy.domain.review import Recommendation
from subsidy.domain.scheme import ConflictPolicy

from builders import (
    ADMIN,
    APPROVER,
    GOOD_SCORES,
    REVIEWER_A,
    REVIEWER_B,
    SUBMITTED_ON,
    World,
    amounts,
    event_count,
    year,
)
from conftest import ALL_STORES

pytestmark = pytest.mark.parametrize("store_url", ALL_STORES, indirect=True)


def test_an_approver_who_reviewed_the_application_cannot_decide_it(engine: SubsidyEngine) -> None:
    world = World.build(engine)
    application_id = world.reviewed(year(2024))
    reviewer_as_approver = Actor(REVIEWER_A.user_id, Role.APPROVER)
    before = event_count(engine)

    with pytest.raises(RuleViolation, match="reviewed this application and cannot decide it"):
        engine.approve_application(
            reviewer_as_approver, application_id, amounts=amounts((2024, 1_000_000)), reason="可"
        )

    assert event_count(engine) == before


def test_an_approver_who_submitted_the_application_cannot_decide_it(engine: SubsidyEngine) -> None:
    world = World.build(engine)
    application_id = world.reviewed(year(2024))
    submitter_as_approver = Actor(world.applicant.user_id, Role.APPROVER)
    before = event_count(engine)

    with pytest.raises(RuleViolation, match="submitted this application and cannot decide it"):
        engine.reject_application(submitter_as_approver, application_id, reason="不可")

    assert event_count(engine) == before


def test_a_reviewer_tied_to_the_lead_body_cannot_be_assigned(engine: SubsidyEngine) -> None:
    world = World.build(engine)
    engine.register_reviewer(
        ADMIN, user_id="tied", name="元職員", tied_organisation_ids=(world.lead_id,)
    )
    application_id = world.submitted(year(2024))
    before = event_count(engine)

    with pytest.raises(RuleViolation, match="is tied to 千葉県いすみ市, which applies") as raised:
        engine.assign_reviewer(ADMIN, application_id, reviewer_user_id="tied")

    assert raised.value.field == "reviewer_id"
    assert event_count(engine) == before


def test_a_reviewer_tied_to_a_member_body_cannot_be_assigned(engine: SubsidyEngine) -> None:
    world = World.build(engine)
    engine.register_reviewer(
        ADMIN, user_id="tied", name="委員", tied_organisation_ids=(world.member_id,)
    )
    application_id = world.submitted(year(2024), members=(world.member_id,))
    before = event_count(engine)

    with pytest.raises(RuleViolation, match="is tied to 千葉県大多喜町, which applies"):
        engine.assign_reviewer(ADMIN, application_id, reviewer_user_id="tied")

    assert event_count(engine) == before


def test_a_prefecture_tie_bars_a_reviewer_only_when_the_scheme_says_so(
    engine: SubsidyEngine,
) -> None:
    world = World.build(engine)
    engine.register_reviewer(ADMIN, user_id="chiba", name="千葉県OB", tied_prefectures=("千葉県",))
    first = world.submitted(year(2024))
    engine.assign_reviewer(ADMIN, first, reviewer_user_id="chiba")
    engine.change_scheme_parameters(
        ADMIN,
        changes={"conflict_policy": ConflictPolicy.ORGANISATION_AND_PREFECTURE},
        reason="同一都道府県の審査員を除外する",
    )
    second = world.submitted(year(2024))
    before = event_count(engine)

    with pytest.raises(RuleViolation, match="is tied to 千葉県, where 千葉県いすみ市 is"):
        engine.assign_reviewer(ADMIN, second, reviewer_user_id="chiba")

    assert event_count(engine) == before
    assert engine.application(first).reviewer_ids == ("chiba",)


def test_an_application_is_judged_by_the_scheme_version_it_was_submitted_under(
    engine: SubsidyEngine,
) -> None:
    world = World.build(engine)
    application_id = world.reviewed(year(2024))
    engine.change_scheme_parameters(ADMIN, changes={"min_reviews": 3}, reason="審査の厳格化")

    engine.approve_application(
        APPROVER, application_id, amounts=amounts((2024, 1_500_000)), reason="妥当"
    )

    view = engine.application(application_id)
    assert view.scheme_version == 1
    assert view.status == "approved"
    assert engine.scheme().parameters_version == 2


def test_a_resubmitted_application_is_reviewed_afresh(engine: SubsidyEngine) -> None:
    world = World.build(engine)
    application_id = world.reviewed(year(2024))
    engine.return_application(APPROVER, application_id, reason="内訳を明記のこと")
    engine.submit_application(world.applicant, application_id, on=SUBMITTED_ON)

    engine.assign_reviewer(ADMIN, application_id, reviewer_user_id=REVIEWER_B.user_id)
    engine.record_review(
        REVIEWER_B,
        application_id,
        scores=GOOD_SCORES,
        recommendation=Recommendation.APPROVE,
        comment="改善された",
    )

    view = engine.application(application_id)
    assert view.round == 2
    assert view.status == "under_review"
    assert [r.reviewer_id for r in view.reviews] == [REVIEWER_B.user_id]
