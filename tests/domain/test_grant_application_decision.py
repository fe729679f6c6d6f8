"""The grant decision: enough reviews, four-eyes, amounts within request and caps, reasons."""

from datetime import date

import pytest

from subsidy.domain import rules
from subsidy.domain.actor import Actor, Role
from subsidy.domain.approval import Approval, OverCap
from subsidy.domain.budget import YearAmount
from subsidy.domain.errors import (
    InvalidValue,
    PermissionDenied,
    RuleViolation,
    TransitionNotAllowed,
)
from subsidy.domain.grant_application import FourEyesViolation
from subsidy.domain.workflow import ApplicationStatus

from domain_builders import (
    ADMIN,
    APPLICANT,
    APPROVER,
    DECIDED,
    FULL_GRANT,
    LEAD_ID,
    NOTICE_DATE,
    PARAMS,
    REVIEWER_A,
    REVIEWER_B,
    SCHEME_ID,
    adopted_plan,
    approve,
    assign,
    emitted,
    names,
    review,
    reviewed_application,
    submit,
    submitted_application,
    year,
)

REVIEWER_C = Actor("reviewer-c", Role.REVIEWER)
REVIEWER_D = Actor("reviewer-d", Role.REVIEWER)


def test_approve_records_the_decision_and_returns_the_approval() -> None:
    application = reviewed_application()

    approval = approve(application)

    events = emitted(application)
    assert names(events) == ["Approved"]
    assert events[0].amounts == list(FULL_GRANT)
    assert events[0].approval_id == approval.id == Approval.id_for(application.id)
    assert events[0].rule == rules.GRANT_DECISION
    assert events[0].actor == APPROVER
    assert application.status is ApplicationStatus.APPROVED


def test_the_granted_event_carries_amounts_conditions_notice_date_and_scheme_version() -> None:
    application = reviewed_application()

    approval = approve(application, (YearAmount(2024, 1_200_000), YearAmount(2025, 1_000_000)))

    events = emitted(approval)
    assert names(events) == ["Granted"]
    granted = events[0]
    assert granted.amounts == [YearAmount(2024, 1_200_000), YearAmount(2025, 1_000_000)]
    assert granted.conditions == ["実績報告を年度終了後30日以内に提出すること"]
    assert granted.notice_date == NOTICE_DATE
    assert granted.application_id == application.id
    assert granted.organisation_id == LEAD_ID
    assert granted.scheme_id == SCHEME_ID
    assert granted.scheme_version == 1
    assert granted.rule == rules.GRANT_DECISION
    assert granted.actor == APPROVER
    assert approval.total == 2_200_000


def test_approve_refuses_fewer_reviews_than_the_scheme_asks() -> None:
    application = reviewed_application(reviewers=(REVIEWER_A,))

    with pytest.raises(RuleViolation, match=r"1 review.*at least 2") as raised:
        approve(application)

    assert raised.value.field == "reviews"
    assert raised.value.rule == "scheme.min_reviews"
    assert application.collect_events() == []


def test_approve_accepts_one_review_when_the_scheme_version_asks_for_one() -> None:
    application = reviewed_application(reviewers=(REVIEWER_A,))

    approve(application, parameters=PARAMS.changed({"min_reviews": 1}))

    assert names(emitted(application)) == ["Approved"]


def test_approve_refuses_an_approver_who_is_an_assigned_reviewer() -> None:
    application = reviewed_application()
    approver = Actor(REVIEWER_A.user_id, Role.APPROVER)

    with pytest.raises(FourEyesViolation, match="reviewed this application") as raised:
        approve(application, actor=approver)

    assert raised.value.field == "actor"
    assert raised.value.rule == "decision.four_eyes"
    assert application.collect_events() == []
    assert application.status is ApplicationStatus.UNDER_REVIEW


def test_approve_refuses_an_approver_who_reviewed_in_an_earlier_round() -> None:
    plan = adopted_plan()
    application = reviewed_application(plan=plan)
    application.return_for_revision(reason="補足を求める", on=DECIDED, actor=APPROVER)
    submit(application, plan, on=date(2024, 6, 1))
    for reviewer in (REVIEWER_C, REVIEWER_D):
        assign(application, reviewer.user_id)
        review(application, reviewer)
    application.collect_events()

    with pytest.raises(FourEyesViolation, match="reviewed this application") as raised:
        approve(application, actor=Actor(REVIEWER_B.user_id, Role.APPROVER))

    assert raised.value.rule == "decision.four_eyes"
    assert application.collect_events() == []


def test_approve_refuses_an_approver_who_submitted() -> None:
    application = reviewed_application()

    with pytest.raises(FourEyesViolation, match="submitted this application") as raised:
        approve(application, actor=Actor(APPLICANT.user_id, Role.APPROVER))

    assert raised.value.rule == "decision.four_eyes"
    assert application.collect_events() == []


def test_reject_and_return_also_apply_four_eyes() -> None:
    application = reviewed_application()
    reviewing_approver = Actor(REVIEWER_A.user_id, Role.APPROVER)

    with pytest.raises(FourEyesViolation):
        application.reject(reason="不採択", on=DECIDED, parameters=PARAMS, actor=reviewing_approver)
    with pytest.raises(FourEyesViolation):
        application.return_for_revision(reason="差戻し", on=DECIDED, actor=reviewing_approver)

    assert application.collect_events() == []


@pytest.mark.parametrize("actor", [ADMIN, REVIEWER_A, APPLICANT], ids=lambda a: a.role.value)
def test_only_an_approver_decides(actor: Actor) -> None:
    application = reviewed_application()

    with pytest.raises(PermissionDenied, match="approver"):
        approve(application, actor=actor)
    with pytest.raises(PermissionDenied, match="approver"):
        application.reject(reason="不採択", on=DECIDED, parameters=PARAMS, actor=actor)
    with pytest.raises(PermissionDenied, match="approver"):
        application.return_for_revision(reason="差戻し", on=DECIDED, actor=actor)

    assert application.collect_events() == []


@pytest.mark.parametrize(
    ("amounts", "error", "rule", "message"),
    [
        pytest.param(
            (YearAmount(2024, 1_001_000),),
            OverCap,
            "decision.within_request",
            "exceeds the 1,000,000 yen requested",
            id="over-request",
        ),
        pytest.param(
            (YearAmount(2024, 999_999),),
            InvalidValue,
            "money.floor_to_thousand",
            "whole number of ¥1,000",
            id="not-thousands",
        ),
        pytest.param(
            (YearAmount(2024, 0),), InvalidValue, "money.non_negative", "positive", id="zero"
        ),
        pytest.param(
            (YearAmount(2024, 500_000), YearAmount(2026, 500_000)),
            InvalidValue,
            "scheme.consecutive_years",
            "FY2024 is followed by FY2026",
            id="non-consecutive",
        ),
        pytest.param(
            (YearAmount(2025, 500_000), YearAmount(2026, 500_000)),
            InvalidValue,
            "decision.requested_years",
            "FY2026 was not requested",
            id="year-not-requested",
        ),
        pytest.param((), InvalidValue, None, "at least one fiscal year", id="none"),
    ],
)
def test_approve_refuses_amounts_outside_the_request_and_the_yen_rules(
    amounts: tuple[YearAmount, ...], error: type[Exception], rule: str | None, message: str
) -> None:
    application = reviewed_application((year(2024, 1_600_000, 1_000_000), year(2025)))

    with pytest.raises(error, match=message) as raised:
        approve(application, amounts)

    assert getattr(raised.value, "rule", None) == rule
    assert application.collect_events() == []
    assert application.status is ApplicationStatus.UNDER_REVIEW


def test_approve_refuses_an_amount_over_the_annual_cap() -> None:
    application = reviewed_application()
    lower_cap = PARAMS.changed({"max_annual_amount": 1_000_000})

    with pytest.raises(OverCap, match="annual cap of 1,000,000 yen") as raised:
        approve(application, (YearAmount(2024, 1_500_000),), parameters=lower_cap)

    assert raised.value.rule == "scheme.max_annual_amount"
    assert application.collect_events() == []


def test_approve_accepts_less_than_requested() -> None:
    application = reviewed_application()

    approval = approve(application, (YearAmount(2024, 800_000),))

    assert names(emitted(application)) == ["Approved"]
    assert approval.amount_for(2024) == 800_000
    assert approval.amount_for(2025) == 0


def test_reject_records_the_reason_and_ground() -> None:
    application = reviewed_application()

    application.reject(reason="事業効果が不明確", on=DECIDED, parameters=PARAMS, actor=APPROVER)

    events = emitted(application)
    assert names(events) == ["Rejected"]
    assert events[0].reason == "事業効果が不明確"
    assert events[0].rule == rules.GRANT_DECISION
    assert events[0].actor == APPROVER
    assert application.status is ApplicationStatus.REJECTED


def test_reject_refuses_fewer_reviews_than_the_scheme_asks() -> None:
    application = reviewed_application(reviewers=(REVIEWER_A,))

    with pytest.raises(RuleViolation, match="at least 2") as raised:
        application.reject(reason="不採択", on=DECIDED, parameters=PARAMS, actor=APPROVER)

    assert raised.value.rule == "scheme.min_reviews"
    assert application.collect_events() == []


@pytest.mark.parametrize("reason", ["", "  "])
def test_reject_and_return_require_a_reason(reason: str) -> None:
    application = reviewed_application()

    with pytest.raises(InvalidValue, match="must be told the reason") as rejected:
        application.reject(reason=reason, on=DECIDED, parameters=PARAMS, actor=APPROVER)
    with pytest.raises(InvalidValue, match="must be told the reason") as returned:
        application.return_for_revision(reason=reason, on=DECIDED, actor=APPROVER)

    assert rejected.value.rule == returned.value.rule == "decision.reason"
    assert application.collect_events() == []


def test_a_submitted_application_can_be_returned_before_any_review() -> None:
    application = submitted_application()

    application.return_for_revision(reason="書類不備", on=DECIDED, actor=APPROVER)

    assert names(emitted(application)) == ["Returned"]


def test_a_submitted_application_cannot_be_approved_before_review() -> None:
    application = submitted_application()

    with pytest.raises(
        TransitionNotAllowed, match="cannot approve an application that is submitted"
    ):
        approve(application)

    assert application.collect_events() == []


def test_an_approved_application_cannot_be_decided_again() -> None:
    application = reviewed_application()
    approve(application)
    application.collect_events()

    with pytest.raises(TransitionNotAllowed, match="closed"):
        application.reject(reason="取消", on=DECIDED, parameters=PARAMS, actor=APPROVER)

    assert application.collect_events() == []
