"""Dates follow the lifecycle, applicants cannot choose them, and amendments keep the rules."""

from __future__ import annotations

from datetime import date

import pytest

from subsidy.application import SubsidyEngine
from subsidy.domain.actor import Actor, Role
from subsidy.domain.errors import InvalidValue, PermissionDenied, RuleViolation
from subsidy.domain.review import Recommendation

from builders import (
    ADMIN,
    APPROVER,
    GOOD_SCORES,
    REVIEWER_A,
    World,
    amounts,
    event_count,
    refused,
    year,
)
from builders import plan_content as plan
from conftest import ALL_STORES, travel_to

pytestmark = pytest.mark.parametrize("store_url", ALL_STORES, indirect=True)
FINANCE = Actor("finance", Role.FINANCE)


def test_an_applicant_cannot_backdate_a_submission(engine: SubsidyEngine) -> None:
    world = World.build(engine)
    application_id = world.draft(year(2024))

    error = refused(
        engine,
        PermissionDenied,
        r"on is today \(2024-04-15\) for this act",
        lambda: engine.submit_application(world.applicant, application_id, on=date(2024, 4, 1)),
    )

    assert error.rule == "dates.applicant_today"


def test_an_administrator_records_a_paper_submission_on_its_receipt_day(
    engine: SubsidyEngine,
) -> None:
    world = World.build(engine)
    application_id = world.draft(year(2024))

    engine.submit_application(ADMIN, application_id, on=date(2024, 4, 10))

    assert engine.application(application_id).submitted_on == date(2024, 4, 10)


def test_no_one_records_a_submission_in_the_future(engine: SubsidyEngine) -> None:
    world = World.build(engine)
    application_id = world.draft(year(2024))

    refused(
        engine,
        InvalidValue,
        "is in the future",
        lambda: engine.submit_application(ADMIN, application_id, on=date(2024, 5, 1)),
    )


def test_a_submission_before_the_plan_was_adopted_is_refused(engine: SubsidyEngine) -> None:
    world = World.build(engine)
    application_id = world.draft(year(2024))

    error = refused(
        engine,
        RuleViolation,
        "adopted on 2024-03-01, after the submission date 2024-02-01",
        lambda: engine.submit_application(ADMIN, application_id, on=date(2024, 2, 1)),
    )

    assert error.rule == "scheme.action_plan"


def test_a_notice_before_the_submission_is_refused(engine: SubsidyEngine) -> None:
    world = World.build(engine)
    application_id = world.reviewed(year(2024))

    error = refused(
        engine,
        InvalidValue,
        "the notice date 2024-04-01 is before the submission",
        lambda: engine.approve_application(
            APPROVER,
            application_id,
            amounts=amounts((2024, 1_000_000)),
            reason="可",
            notice_date=date(2024, 4, 1),
        ),
    )

    assert error.rule == "decision.notice_date"


def test_an_amendment_above_what_was_requested_is_refused(engine: SubsidyEngine) -> None:
    world = World.build(engine)
    approval_id = world.approved()

    error = refused(
        engine,
        RuleViolation,
        "FY2027 was not requested",
        lambda: engine.amend_approval(
            APPROVER,
            approval_id,
            amounts=amounts((2025, 1_500_000), (2026, 1_500_000), (2027, 1_500_000)),
            reason="年度の繰下げ",
        ),
    )

    assert error.rule == "decision.requested_years"


def test_a_reviewer_of_the_application_cannot_amend_or_revoke_its_grant(
    engine: SubsidyEngine,
) -> None:
    world = World.build(engine)
    approval_id = world.approved()
    reviewer_as_approver = Actor(REVIEWER_A.user_id, Role.APPROVER)

    refused(
        engine,
        RuleViolation,
        "reviewed this application and cannot decide it",
        lambda: engine.amend_approval(
            reviewer_as_approver,
            approval_id,
            amounts=amounts((2024, 1_000_000), (2025, 1_500_000), (2026, 1_500_000)),
            reason="減額",
        ),
    )
    refused(
        engine,
        RuleViolation,
        "reviewed this application and cannot decide it",
        lambda: engine.revoke_approval(reviewer_as_approver, approval_id, ground="取消"),
    )


def test_an_advance_before_the_decision_is_refused(engine: SubsidyEngine) -> None:
    world = World.build(engine)
    approval_id = world.approved()

    error = refused(
        engine,
        InvalidValue,
        r"paid_on 2020-01-01 is before the grant decision \(2024-05-20\)",
        lambda: engine.record_advance(
            FINANCE, approval_id, 2024, amount=100_000, paid_on=date(2020, 1, 1)
        ),
    )

    assert error.rule == "disbursement.date_order"


def test_a_repayment_dated_before_its_order_is_refused(engine: SubsidyEngine) -> None:
    world = World.build(engine)
    approval_id = world.approved()
    engine.record_advance(FINANCE, approval_id, 2024, amount=1_000_000, paid_on=date(2024, 6, 3))
    engine.revoke_approval(APPROVER, approval_id, ground="流用", on=date(2024, 9, 2))

    refused(
        engine,
        InvalidValue,
        r"received_on 2024-01-01 is before the order \(2024-09-02\)",
        lambda: engine.record_repayment(
            FINANCE, approval_id, 2024, amount=1_000_000, received_on=date(2024, 1, 1)
        ),
    )


def test_unpaid_additional_charge_is_flagged_overdue(engine: SubsidyEngine) -> None:
    world = World.build(engine)
    approval_id = world.approved()
    engine.record_advance(FINANCE, approval_id, 2024, amount=800_000, paid_on=date(2024, 7, 10))
    engine.revoke_approval(
        APPROVER,
        approval_id,
        ground="流用",
        on=date(2024, 12, 2),
        repayment_due_on=date(2024, 12, 23),
    )
    engine.record_repayment(
        FINANCE, approval_id, 2024, amount=800_000, received_on=date(2024, 12, 20)
    )
    travel_to(date(2025, 1, 5))

    flagged = engine.run_deadlines(today=date(2025, 1, 5))

    assert flagged == 1
    assert engine.disbursement(approval_id, 2024).orders[0].additional_charge_owed == 39_360


def test_an_activity_ending_early_brings_the_report_forward(engine: SubsidyEngine) -> None:
    world = World.build(engine)
    approval_id = world.approved()

    due = engine.declare_activity_end(
        world.applicant, approval_id, 2024, ends_on=date(2024, 12, 20)
    )

    assert due == date(2025, 1, 19)
    assert engine.disbursement(approval_id, 2024).report_due_on == date(2025, 1, 19)
    assert engine.run_deadlines(today=date(2025, 1, 20)) == 1


def test_an_activity_end_outside_the_year_is_refused(engine: SubsidyEngine) -> None:
    world = World.build(engine)
    approval_id = world.approved()

    refused(
        engine,
        InvalidValue,
        "the activity of FY2024 ends within it",
        lambda: engine.declare_activity_end(
            world.applicant, approval_id, 2024, ends_on=date(2025, 4, 1)
        ),
    )


def test_an_applicant_cannot_backdate_an_adoption(engine: SubsidyEngine) -> None:
    world = World.build(engine)
    plan_id = engine.draft_action_plan(world.applicant, owner_id=world.lead_id, content=plan())

    refused(
        engine,
        PermissionDenied,
        "for this act; only an administrator records another date",
        lambda: engine.adopt_action_plan(world.applicant, plan_id, on=date(2023, 1, 1)),
    )


def test_an_agreement_signed_in_the_future_is_refused(engine: SubsidyEngine) -> None:
    world = World.build(engine)

    refused(
        engine,
        InvalidValue,
        "the signing date 2030-01-01 is in the future",
        lambda: engine.sign_agreement(
            ADMIN, party_ids=(world.member_id,), signed_on=date(2030, 1, 1)
        ),
    )


def test_a_retry_with_the_same_scores_in_another_order_is_the_same_request(
    engine: SubsidyEngine,
) -> None:
    world = World.build(engine)
    application_id = world.submitted(year(2024))
    engine.assign_reviewer(ADMIN, application_id, reviewer_user_id=REVIEWER_A.user_id)
    scores = dict(GOOD_SCORES)
    engine.record_review(
        REVIEWER_A,
        application_id,
        scores=scores,
        recommendation=Recommendation.APPROVE,
        comment="妥当",
        idempotency_key="review-1",
    )
    before = event_count(engine)

    engine.record_review(
        REVIEWER_A,
        application_id,
        scores=dict(reversed(list(scores.items()))),
        recommendation=Recommendation.APPROVE,
        comment="妥当",
        idempotency_key="review-1",
    )

    assert event_count(engine) == before
