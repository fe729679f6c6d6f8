"""Reviewer assignment (conflicts of interest) and reviews (the rubric, once each)."""

from typing import Any
from uuid import UUID

import pytest

from subsidy.domain import rules
from subsidy.domain.actor import Actor
from subsidy.domain.errors import (
    InvalidValue,
    PermissionDenied,
    RuleViolation,
    TransitionNotAllowed,
)
from subsidy.domain.grant_application import GrantApplication
from subsidy.domain.review import ConflictOfInterest, Recommendation
from subsidy.domain.scheme import ConflictPolicy, SchemeParameters
from subsidy.domain.workflow import ApplicationStatus

from domain_builders import (
    ADMIN,
    APPLICANT,
    APPROVER,
    DECIDED,
    GOOD_SCORES,
    LEAD_ID,
    MEMBER_ID,
    OTHER_ID,
    PARAMS,
    REVIEWER_A,
    REVIEWER_B,
    assign,
    bodies_of,
    drafted_application,
    emitted,
    names,
    review,
    reviewer,
    submitted_application,
)

BY_PREFECTURE = PARAMS.changed({"conflict_policy": ConflictPolicy.ORGANISATION_AND_PREFECTURE})


def assign_tied(
    application: GrantApplication,
    organisations: tuple[UUID, ...] = (),
    prefectures: tuple[str, ...] = (),
    parameters: SchemeParameters = PARAMS,
) -> None:
    application.assign_reviewer(
        on=DECIDED,
        reviewer=reviewer("reviewer-t", organisations, prefectures),
        bodies=bodies_of(application),
        parameters=parameters,
        actor=ADMIN,
    )


def record(application: GrantApplication, actor: Actor, scores: dict[str, Any]) -> None:
    application.record_review(
        scores=scores,
        recommendation=Recommendation.APPROVE,
        comment="妥当",
        parameters=PARAMS,
        actor=actor,
    )


def test_assign_reviewer_records_the_reviewer_and_the_conflict_rule() -> None:
    application = submitted_application()

    assign(application, REVIEWER_A.user_id)

    events = emitted(application)
    assert names(events) == ["ReviewerAssigned"]
    assert events[0].reviewer_id == REVIEWER_A.user_id
    assert events[0].rule == rules.CONFLICT_OF_INTEREST
    assert events[0].actor == ADMIN
    assert application.status is ApplicationStatus.UNDER_REVIEW


def test_assign_reviewer_accepts_a_reviewer_tied_only_to_an_unrelated_body() -> None:
    application = submitted_application(members=(MEMBER_ID,))

    assign_tied(application, organisations=(OTHER_ID,), prefectures=("北海道",))

    assert names(emitted(application)) == ["ReviewerAssigned"]


@pytest.mark.parametrize("tied_to", [LEAD_ID, MEMBER_ID], ids=["lead", "member"])
def test_assign_reviewer_refuses_a_reviewer_tied_to_an_applying_body(tied_to: UUID) -> None:
    application = submitted_application(members=(MEMBER_ID,))

    with pytest.raises(ConflictOfInterest, match=f"tied to {tied_to}, which applies") as raised:
        assign_tied(application, organisations=(tied_to,))

    assert raised.value.field == "reviewer_id"
    assert raised.value.rule == "review.conflict_of_interest"
    assert application.collect_events() == []
    assert application.reviewer_ids == []


def test_assign_reviewer_refuses_a_reviewer_tied_to_the_prefecture_under_that_policy() -> None:
    application = submitted_application()

    with pytest.raises(ConflictOfInterest, match="tied to 千葉県") as raised:
        assign_tied(application, prefectures=("千葉県",), parameters=BY_PREFECTURE)

    assert raised.value.rule == "review.conflict_of_interest"
    assert application.collect_events() == []


def test_assign_reviewer_ignores_a_prefecture_tie_under_the_organisation_policy() -> None:
    application = submitted_application()

    assign_tied(application, prefectures=("千葉県",), parameters=PARAMS)

    assert names(emitted(application)) == ["ReviewerAssigned"]


def test_assign_reviewer_refuses_a_reviewer_already_assigned() -> None:
    application = submitted_application()
    assign(application, REVIEWER_A.user_id)
    application.collect_events()

    with pytest.raises(RuleViolation, match="already assigned") as raised:
        assign(application, REVIEWER_A.user_id)

    assert raised.value.rule == "review.once"
    assert application.collect_events() == []
    assert application.reviewer_ids == [REVIEWER_A.user_id]


def test_assign_reviewer_refuses_the_user_who_submitted() -> None:
    application = submitted_application()

    with pytest.raises(RuleViolation, match="submitted this application") as raised:
        assign(application, APPLICANT.user_id)

    assert raised.value.field == "reviewer_id"
    assert raised.value.rule == "review.conflict_of_interest"
    assert application.collect_events() == []


def test_assign_reviewer_refuses_anyone_but_an_administrator() -> None:
    application = submitted_application()

    with pytest.raises(PermissionDenied, match="administrator"):
        application.assign_reviewer(
            on=DECIDED,
            reviewer=reviewer("reviewer-a"),
            bodies=bodies_of(application),
            parameters=PARAMS,
            actor=APPROVER,
        )

    assert application.collect_events() == []


def test_assign_reviewer_refuses_a_draft() -> None:
    application = drafted_application()

    with pytest.raises(
        TransitionNotAllowed, match="cannot assign_reviewer an application that is draft"
    ):
        assign(application, REVIEWER_A.user_id)

    assert application.collect_events() == []


def test_record_review_records_the_scores_recommendation_and_reviewer() -> None:
    application = submitted_application()
    assign(application, REVIEWER_A.user_id)
    application.collect_events()

    review(application, REVIEWER_A)

    events = emitted(application)
    assert names(events) == ["ReviewRecorded"]
    assert events[0].actor == REVIEWER_A
    assert events[0].review.reviewer_id == REVIEWER_A.user_id
    assert events[0].review.scores == GOOD_SCORES
    assert events[0].review.recommendation is Recommendation.APPROVE
    assert application.reviews[0].total == 20


def test_record_review_refuses_a_reviewer_not_assigned() -> None:
    application = submitted_application()
    assign(application, REVIEWER_A.user_id)
    application.collect_events()

    with pytest.raises(PermissionDenied, match="not assigned") as raised:
        review(application, REVIEWER_B)

    assert raised.value.rule == "review.assigned"
    assert application.collect_events() == []


def test_record_review_refuses_a_second_review_by_the_same_reviewer() -> None:
    application = submitted_application()
    assign(application, REVIEWER_A.user_id)
    review(application, REVIEWER_A)
    application.collect_events()

    with pytest.raises(RuleViolation, match="already reviewed") as raised:
        review(application, REVIEWER_A)

    assert raised.value.rule == "review.once"
    assert application.collect_events() == []
    assert len(application.reviews) == 1


def test_record_review_refuses_an_actor_who_is_not_a_reviewer() -> None:
    application = submitted_application()
    assign(application, APPROVER.user_id)
    application.collect_events()

    with pytest.raises(PermissionDenied, match="reviewer"):
        review(application, APPROVER)

    assert application.collect_events() == []


@pytest.mark.parametrize(
    ("scores", "field", "message"),
    [
        pytest.param(
            {k: v for k, v in GOOD_SCORES.items() if k != "cost"},
            "scores",
            r"missing \['cost'\]",
            id="missing",
        ),
        pytest.param({**GOOD_SCORES, "style": 3}, "scores", r"unknown \['style'\]", id="unknown"),
        pytest.param({**GOOD_SCORES, "cost": 6}, "scores.cost", "from 0 to 5, not 6", id="six"),
        pytest.param({**GOOD_SCORES, "cost": -1}, "scores.cost", "from 0 to 5, not -1", id="minus"),
        pytest.param({**GOOD_SCORES, "cost": True}, "scores.cost", "not True", id="bool"),
        pytest.param({**GOOD_SCORES, "cost": 3.0}, "scores.cost", "not 3.0", id="float"),
    ],
)
def test_record_review_refuses_scores_off_the_rubric(
    scores: dict[str, Any], field: str, message: str
) -> None:
    application = submitted_application()
    assign(application, REVIEWER_A.user_id)
    application.collect_events()

    with pytest.raises(InvalidValue, match=message) as raised:
        record(application, REVIEWER_A, scores)

    assert raised.value.field == field
    assert raised.value.rule == "review.rubric"
    assert application.collect_events() == []
    assert application.reviews == []


@pytest.mark.parametrize("score", [0, 5])
def test_record_review_accepts_the_ends_of_the_scale(score: int) -> None:
    application = submitted_application()
    assign(application, REVIEWER_A.user_id)
    application.collect_events()

    record(application, REVIEWER_A, dict.fromkeys(GOOD_SCORES, score))

    assert names(emitted(application)) == ["ReviewRecorded"]


def test_register_reviewer_refuses_a_tie_to_a_prefecture_that_does_not_exist() -> None:
    with pytest.raises(InvalidValue, match="not one of the 47") as raised:
        reviewer("reviewer-x", tied_prefectures=("千葉",))

    assert raised.value.field == "tied_prefectures"
