"""Every rule of the scheme table, refused through the service with no event recorded."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from subsidy.application import SubsidyEngine
from subsidy.domain.actor import Actor, Role
from subsidy.domain.errors import PermissionDenied, RuleViolation

from builders import (
    ADMIN,
    APPROVER,
    REVIEWER_A,
    SUBMITTED_ON,
    World,
    amounts,
    plan_content,
    refused,
    year,
)
from conftest import ALL_STORES, travel_to

pytestmark = pytest.mark.parametrize("store_url", ALL_STORES, indirect=True)


def test_a_year_over_the_annual_cap_is_refused(engine: SubsidyEngine) -> None:
    world = World.build(engine)
    application_id = world.draft(year(2024, cost=2_000_000, requested=1_501_000))

    error = refused(
        engine,
        RuleViolation,
        "1,501,000 yen requested exceeds the annual cap of 1,500,000 yen",
        lambda: engine.submit_application(world.applicant, application_id, on=SUBMITTED_ON),
    )

    assert error.rule == "scheme.max_annual_amount"


def test_more_grant_years_than_the_maximum_are_refused(engine: SubsidyEngine) -> None:
    world = World.build(engine)
    application_id = world.draft(*(year(fy) for fy in (2024, 2025, 2026, 2027)))

    error = refused(
        engine,
        RuleViolation,
        "4 grant years exceed the scheme's maximum of 3",
        lambda: engine.submit_application(world.applicant, application_id, on=SUBMITTED_ON),
    )

    assert error.rule == "scheme.max_grant_years"


def test_grant_years_that_are_not_consecutive_are_refused(engine: SubsidyEngine) -> None:
    world = World.build(engine)
    application_id = world.draft(year(2024), year(2026))

    error = refused(
        engine,
        RuleViolation,
        "consecutive: FY2024 is followed by FY2026",
        lambda: engine.submit_application(world.applicant, application_id, on=SUBMITTED_ON),
    )

    assert error.rule == "scheme.consecutive_years"


def test_a_request_above_eligible_cost_times_rate_is_refused(engine: SubsidyEngine) -> None:
    world = World.build(engine)
    engine.change_scheme_parameters(
        ADMIN, changes={"subsidy_rate": Decimal("0.5")}, reason="令和6年度から助成率を1/2に"
    )
    application_id = world.draft(year(2024, cost=1_234_567, requested=618_000))

    error = refused(
        engine,
        RuleViolation,
        r"exceeds eligible cost 1,234,567 yen × rate 0.5, floored to ¥1,000: 617,000 yen",
        lambda: engine.submit_application(world.applicant, application_id, on=SUBMITTED_ON),
    )

    assert error.rule == "scheme.subsidy_rate"


def test_a_plan_version_not_adopted_is_refused(engine: SubsidyEngine) -> None:
    world = World.build(engine)
    draft_plan = engine.draft_action_plan(
        world.applicant, owner_id=world.lead_id, content=plan_content()
    )
    application_id = engine.draft_application(
        world.applicant,
        organisation_id=world.lead_id,
        title="未採択の計画",
        plan_id=draft_plan,
        plan_version=1,
        years=(year(2024),),
    )

    error = refused(
        engine,
        RuleViolation,
        "version 1 of the Action Plan has not been adopted",
        lambda: engine.submit_application(world.applicant, application_id, on=SUBMITTED_ON),
    )

    assert error.rule == "scheme.action_plan"


def test_a_plan_shorter_than_the_minimum_cannot_be_adopted(engine: SubsidyEngine) -> None:
    world = World.build(engine)
    plan_id = engine.draft_action_plan(
        world.applicant, owner_id=world.lead_id, content=plan_content(2024, 2026)
    )

    error = refused(
        engine,
        RuleViolation,
        "the plan covers 3 fiscal years; the scheme asks for at least 5",
        lambda: engine.adopt_action_plan(world.applicant, plan_id),
    )

    assert error.rule == "scheme.min_plan_years"


def test_a_short_plan_with_an_exception_can_be_applied_for(engine: SubsidyEngine) -> None:
    world = World.build(engine, plan_years=(2024, 2026))

    application_id = world.submitted(year(2024))

    assert engine.application(application_id).status == "submitted"


def test_a_plan_made_too_short_by_a_later_scheme_version_is_refused(
    engine: SubsidyEngine,
) -> None:
    world = World.build(engine)
    engine.change_scheme_parameters(ADMIN, changes={"min_plan_years": 6}, reason="要件の改定")
    application_id = world.draft(year(2024))

    error = refused(
        engine,
        RuleViolation,
        "covers 5 fiscal years; the scheme asks for at least 6",
        lambda: engine.submit_application(world.applicant, application_id, on=SUBMITTED_ON),
    )

    assert error.rule == "scheme.min_plan_years"


def test_an_applicant_without_an_agreement_in_force_is_refused(engine: SubsidyEngine) -> None:
    world = World.build(engine)
    application_id = world.draft(year(2024))

    error = refused(
        engine,
        RuleViolation,
        "no partnership agreement with the Center in force on 2017-12-01",
        lambda: engine.submit_application(ADMIN, application_id, on=date(2017, 12, 1)),
    )

    assert error.rule == "scheme.partnership_agreement"


def test_an_applicant_whose_agreement_was_terminated_is_refused(engine: SubsidyEngine) -> None:
    world = World.build(engine)
    agreement = engine.list_agreements()[0]
    engine.terminate_agreement(ADMIN, agreement.id, on=date(2024, 4, 1), reason="協定期間満了")
    application_id = world.draft(year(2024))

    refused(
        engine,
        RuleViolation,
        "in force on 2024-04-15",
        lambda: engine.submit_application(world.applicant, application_id, on=SUBMITTED_ON),
    )


def test_an_applicant_acts_only_for_its_own_organisation(engine: SubsidyEngine) -> None:
    world = World.build(engine)
    outsider = Actor("applicant-otaki", Role.APPLICANT, world.member_id)

    error = refused(
        engine,
        PermissionDenied,
        "may act only for its own organisation",
        lambda: engine.draft_application(
            outsider,
            organisation_id=world.lead_id,
            title="他団体の申請",
            plan_id=world.plan_id,
            plan_version=1,
            years=(year(2024),),
        ),
    )

    assert error.field == "organisation_id"


def test_a_decision_above_the_request_is_refused(engine: SubsidyEngine) -> None:
    world = World.build(engine)
    application_id = world.reviewed(year(2024, requested=1_000_000))

    error = refused(
        engine,
        RuleViolation,
        "1,200,000 yen exceeds the 1,000,000 yen requested",
        lambda: engine.approve_application(
            APPROVER, application_id, amounts=amounts((2024, 1_200_000)), reason="妥当"
        ),
    )

    assert error.rule == "decision.within_request"


def test_a_decision_not_in_whole_thousands_is_refused(engine: SubsidyEngine) -> None:
    world = World.build(engine)
    application_id = world.reviewed(year(2024))

    error = refused(
        engine,
        RuleViolation,
        "must be a whole number of ¥1,000",
        lambda: engine.approve_application(
            APPROVER, application_id, amounts=amounts((2024, 1_234_567)), reason="妥当"
        ),
    )

    assert error.rule == "money.floor_to_thousand"


def test_a_decision_needs_the_minimum_number_of_reviews(engine: SubsidyEngine) -> None:
    world = World.build(engine)
    application_id = world.reviewed(year(2024), reviewers=(REVIEWER_A,))

    error = refused(
        engine,
        RuleViolation,
        "has 1 review",
        lambda: engine.approve_application(
            APPROVER, application_id, amounts=amounts((2024, 1_000_000)), reason="妥当"
        ),
    )

    assert error.rule == "scheme.min_reviews"


def test_an_amendment_over_the_cap_is_refused(engine: SubsidyEngine) -> None:
    world = World.build(engine)
    approval_id = world.approved()

    error = refused(
        engine,
        RuleViolation,
        "exceeds the annual cap",
        lambda: engine.amend_approval(
            APPROVER,
            approval_id,
            amounts=amounts((2024, 1_600_000), (2025, 1_500_000), (2026, 1_500_000)),
            reason="増額",
        ),
    )

    assert error.rule == "scheme.max_annual_amount"


def test_a_withdrawal_after_the_period_is_refused(engine: SubsidyEngine) -> None:
    world = World.build(engine)
    approval_id = world.approved()

    error = refused(
        engine,
        RuleViolation,
        "until 2024-05-30",
        lambda: (
            travel_to(date(2024, 5, 31)),
            engine.withdraw_approval(world.applicant, approval_id, reason="事業中止"),
        ),
    )

    assert error.rule == "scheme.withdrawal_period_days"


def test_a_withdrawal_on_the_last_day_of_the_period_is_recorded(engine: SubsidyEngine) -> None:
    world = World.build(engine)
    approval_id = world.approved()

    travel_to(date(2024, 5, 30))
    engine.withdraw_approval(world.applicant, approval_id, reason="事業中止")

    assert engine.approval(approval_id).status == "withdrawn"
