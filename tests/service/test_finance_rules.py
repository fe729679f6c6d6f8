"""The finance half through the service: each refusal says why and records nothing."""

from __future__ import annotations

from datetime import date

import pytest

from subsidy.application import SubsidyEngine
from subsidy.domain.actor import Actor, Role
from subsidy.domain.budget import CostCategory, CostLine
from subsidy.domain.errors import RuleViolation, TransitionNotAllowed

from builders import ADMIN, APPROVER, World, amounts, refused, year
from conftest import ALL_STORES, travel_to

pytestmark = pytest.mark.parametrize("store_url", ALL_STORES, indirect=True)

FINANCE = Actor("finance", Role.FINANCE)


def cost(amount: int) -> tuple[CostLine, ...]:
    return (CostLine(CostCategory.HONORARIA, "講師謝金", amount),)


def test_an_advance_beyond_the_decided_amount_is_refused(engine: SubsidyEngine) -> None:
    world = World.build(engine)
    approval_id = world.approved()
    engine.record_advance(FINANCE, approval_id, 2024, amount=1_000_000, paid_on=date(2024, 6, 1))

    error = refused(
        engine,
        RuleViolation,
        "would bring payments to 1,600,000 yen, above the decided 1,500,000 yen",
        lambda: engine.record_advance(
            FINANCE, approval_id, 2024, amount=600_000, paid_on=date(2024, 7, 1)
        ),
    )

    assert error.rule == "disbursement.advance_within_decision"


def test_no_payment_is_recorded_after_revocation(engine: SubsidyEngine) -> None:
    world = World.build(engine)
    approval_id = world.approved()
    engine.revoke_approval(APPROVER, approval_id, ground="目的外使用", on=date(2024, 9, 1))

    error = refused(
        engine,
        TransitionNotAllowed,
        "cannot record a payment: the grant decision was revoked",
        lambda: engine.record_advance(
            FINANCE, approval_id, 2024, amount=100_000, paid_on=date(2024, 9, 2)
        ),
    )

    assert error.rule == "disbursement.revoked"


def test_an_approval_beyond_the_remaining_budget_is_refused(engine: SubsidyEngine) -> None:
    world = World.build(engine)
    engine.set_appropriation(ADMIN, fiscal_year=2024, amount=1_200_000, reason="補正")
    application_id = world.reviewed(year(2024))

    error = refused(
        engine,
        RuleViolation,
        "reserving 1,500,000 yen would exceed the 1,200,000 yen that remains",
        lambda: engine.approve_application(
            APPROVER, application_id, amounts=amounts((2024, 1_500_000)), reason="妥当"
        ),
    )

    assert error.rule == "budget.remaining"


def test_an_amendment_below_what_was_paid_is_refused(engine: SubsidyEngine) -> None:
    world = World.build(engine)
    approval_id = world.approved()
    engine.record_advance(FINANCE, approval_id, 2024, amount=1_200_000, paid_on=date(2024, 6, 1))

    error = refused(
        engine,
        RuleViolation,
        "1,200,000 yen is already paid, more than the 1,000,000 yen proposed; "
        "revoke the decision or order repayment instead",
        lambda: engine.amend_approval(
            APPROVER,
            approval_id,
            amounts=amounts((2024, 1_000_000), (2025, 1_500_000), (2026, 1_500_000)),
            reason="事業縮小",
        ),
    )

    assert error.rule == "amendment.paid"


def test_an_approval_for_a_year_without_appropriation_is_refused(engine: SubsidyEngine) -> None:
    world = World.build(engine)
    application_id = world.reviewed(year(2028))

    error = refused(
        engine,
        RuleViolation,
        "no appropriation is set for FY2028; an administrator sets it first",
        lambda: engine.approve_application(
            APPROVER, application_id, amounts=amounts((2028, 1_000_000)), reason="妥当"
        ),
    )

    assert error.rule == "budget.appropriation"


def test_an_approval_reserves_its_amount_in_the_year_budget(engine: SubsidyEngine) -> None:
    world = World.build(engine)
    application_id = world.reviewed(year(2024))

    engine.approve_application(
        APPROVER, application_id, amounts=amounts((2024, 1_000_000)), reason="妥当"
    )

    assert engine.fiscal_budget(2024) == (30_000_000, 1_000_000, 29_000_000)


def test_amendments_and_revocations_move_the_reservation(engine: SubsidyEngine) -> None:
    world = World.build(engine)
    approval_id = world.approved()

    engine.amend_approval(
        APPROVER,
        approval_id,
        amounts=amounts((2024, 1_000_000), (2025, 1_500_000), (2026, 1_500_000)),
        reason="事業縮小",
    )
    after_amendment = engine.fiscal_budget(2024)
    engine.revoke_approval(APPROVER, approval_id, ground="虚偽報告", on=date(2024, 8, 1))

    assert after_amendment == (30_000_000, 1_000_000, 29_000_000)
    assert engine.fiscal_budget(2024) == (30_000_000, 0, 30_000_000)
    assert engine.fiscal_budget(2026) == (30_000_000, 0, 30_000_000)


def test_a_year_runs_from_advance_to_settlement_and_closes(engine: SubsidyEngine) -> None:
    world = World.build(engine)
    approval_id = world.approved()
    engine.record_advance(FINANCE, approval_id, 2024, amount=750_000, paid_on=date(2024, 6, 1))
    travel_to(date(2025, 4, 5))
    engine.submit_performance_report(
        world.applicant, approval_id, 2024, cost_lines=cost(1_234_567), reported_on=date(2025, 4, 5)
    )

    determined = engine.determine_amount(FINANCE, approval_id, 2024, on=date(2025, 4, 20))
    settled = engine.pay_settlement(FINANCE, approval_id, 2024, paid_on=date(2025, 5, 1))

    view = engine.disbursement(approval_id, 2024)
    assert determined == 1_234_000
    assert settled == 484_000
    assert (view.paid, view.held, view.closed) == (1_234_000, 1_234_000, True)
    assert engine.fiscal_budget(2024)[1] == 1_234_000


def test_an_overpayment_is_ordered_back_and_repaid_late_with_late_charge(
    engine: SubsidyEngine,
) -> None:
    world = World.build(engine)
    approval_id = world.approved()
    engine.record_advance(FINANCE, approval_id, 2024, amount=1_500_000, paid_on=date(2024, 6, 1))
    travel_to(date(2025, 4, 1))
    engine.submit_performance_report(
        world.applicant, approval_id, 2024, cost_lines=cost(1_000_000), reported_on=date(2025, 4, 1)
    )
    engine.determine_amount(
        FINANCE, approval_id, 2024, on=date(2025, 4, 20), repayment_due_on=date(2025, 5, 20)
    )

    owed_late = engine.disbursement(approval_id, 2024, as_of=date(2025, 6, 19))
    engine.record_repayment(
        FINANCE, approval_id, 2024, amount=504_500, received_on=date(2025, 6, 19)
    )

    # 500,000 principal; 延滞金 500,000 × 0.1095 × 30/365 (05-21 … 06-19) = 4,500.
    assert owed_late.owed == 504_500
    view = engine.disbursement(approval_id, 2024, as_of=date(2025, 6, 19))
    assert (view.held, view.owed, view.closed) == (1_000_000, 0, True)


def test_a_revocation_is_repaid_with_additional_charge_per_receipt(engine: SubsidyEngine) -> None:
    world = World.build(engine)
    approval_id = world.approved()
    engine.record_advance(FINANCE, approval_id, 2024, amount=500_000, paid_on=date(2024, 6, 1))
    engine.record_advance(FINANCE, approval_id, 2024, amount=500_000, paid_on=date(2024, 8, 1))
    engine.revoke_approval(
        APPROVER,
        approval_id,
        ground="補助目的外への流用",
        on=date(2024, 9, 30),
        repayment_due_on=date(2024, 10, 31),
    )

    engine.record_repayment(
        FINANCE, approval_id, 2024, amount=1_000_000, received_on=date(2024, 10, 31)
    )
    after_principal = engine.disbursement(approval_id, 2024, as_of=date(2024, 10, 31))

    # 加算金: 500,000 × 0.0003 × 153 days (06-01 … 10-31) = 22,950
    #        + 500,000 × 0.0003 × 92 days (08-01 … 10-31) = 13,800  → 36,750 yen.
    assert after_principal.orders[0].principal_owed == 0
    assert after_principal.orders[0].additional_charge_owed == 36_750
    engine.record_repayment(
        FINANCE, approval_id, 2024, amount=36_750, received_on=date(2024, 11, 15)
    )
    view = engine.disbursement(approval_id, 2024, as_of=date(2024, 11, 15))
    assert (view.held, view.owed, view.closed) == (0, 0, True)


def test_overdue_deadlines_are_recorded_once(engine: SubsidyEngine) -> None:
    world = World.build(engine)
    world.approved()

    first = engine.run_deadlines(today=date(2025, 4, 11))
    second = engine.run_deadlines(today=date(2025, 4, 12))

    assert first == 1
    assert second == 0


def test_every_money_event_carries_the_arithmetic_of_its_amount(engine: SubsidyEngine) -> None:
    world = World.build(engine)
    approval_id = world.approved()
    engine.record_advance(FINANCE, approval_id, 2024, amount=1_500_000, paid_on=date(2024, 6, 1))
    travel_to(date(2025, 4, 1))
    engine.submit_performance_report(
        world.applicant, approval_id, 2024, cost_lines=cost(1_000_000), reported_on=date(2025, 4, 1)
    )
    engine.determine_amount(
        FINANCE, approval_id, 2024, on=date(2025, 4, 20), repayment_due_on=date(2025, 5, 20)
    )
    engine.record_repayment(
        FINANCE, approval_id, 2024, amount=504_500, received_on=date(2025, 6, 19)
    )

    trail = engine.money_trail(approval_id, 2024)

    assert [(s.event, s.amount) for s in trail] == [
        ("PaymentRecorded", 1_500_000),
        ("Determined", 1_000_000),
        ("RepaymentOrdered", 500_000),
        ("RepaymentReceived", 504_500),
    ]
    determined = trail[1].calculation
    assert determined.formula == "min(decided, floor_1000(eligible cost × rate))"
    assert determined.inputs["eligible_cost"] == "1000000"
    assert "延滞金 500,000 × 0.1095 × 30/365 (2025-05-21–2025-06-19)" in "\n".join(
        trail[3].calculation.steps
    )


def test_a_repayment_dated_before_the_last_one_is_refused(engine: SubsidyEngine) -> None:
    world = World.build(engine)
    approval_id = world.approved()
    engine.record_advance(FINANCE, approval_id, 2024, amount=1_000_000, paid_on=date(2024, 6, 1))
    engine.revoke_approval(APPROVER, approval_id, ground="目的外使用", on=date(2024, 9, 1))
    engine.record_repayment(
        FINANCE, approval_id, 2024, amount=500_000, received_on=date(2024, 10, 10)
    )

    error = refused(
        engine,
        RuleViolation,
        "repayments are recorded in date order; the last was received on 2024-10-10",
        lambda: engine.record_repayment(
            FINANCE, approval_id, 2024, amount=1_000, received_on=date(2024, 9, 1)
        ),
    )

    assert error.rule == "repayment.in_order"


def test_a_settled_year_can_still_be_revoked_and_is_ordered_back(engine: SubsidyEngine) -> None:
    world = World.build(engine)
    approval_id = world.approved()
    engine.record_advance(FINANCE, approval_id, 2024, amount=1_000_000, paid_on=date(2024, 6, 3))
    travel_to(date(2025, 4, 1))
    engine.submit_performance_report(
        world.applicant, approval_id, 2024, cost_lines=cost(1_200_000), reported_on=date(2025, 4, 1)
    )
    engine.determine_amount(FINANCE, approval_id, 2024, on=date(2025, 4, 15))
    engine.pay_settlement(FINANCE, approval_id, 2024, paid_on=date(2025, 4, 30))

    engine.revoke_approval(
        APPROVER,
        approval_id,
        ground="虚偽の実績報告",
        on=date(2025, 7, 1),
        repayment_due_on=date(2025, 7, 31),
    )

    view = engine.disbursement(approval_id, 2024, as_of=date(2025, 7, 1))
    assert (view.closed, view.ended, view.held) == (False, "revoked", 1_200_000)
    assert view.orders[0].principal_owed == 1_200_000
    assert view.orders[0].kind == "revocation"


def test_a_year_amended_down_to_nothing_is_closed_and_released(engine: SubsidyEngine) -> None:
    world = World.build(engine)
    approval_id = world.approved()

    engine.amend_approval(
        APPROVER,
        approval_id,
        amounts=amounts((2024, 1_500_000), (2025, 1_500_000)),
        reason="3年目を取りやめ",
    )
    engine.revoke_approval(APPROVER, approval_id, ground="事業中止", on=date(2024, 8, 1))

    view = engine.disbursement(approval_id, 2026)
    assert (view.decided, view.closed, view.ended) == (0, True, "revoked")
    assert engine.fiscal_budget(2026)[1] == 0


def test_amending_a_determined_year_is_refused_by_the_year(engine: SubsidyEngine) -> None:
    world = World.build(engine)
    approval_id = world.approved()
    travel_to(date(2025, 4, 1))
    engine.submit_performance_report(
        world.applicant, approval_id, 2024, cost_lines=cost(1_600_000), reported_on=date(2025, 4, 1)
    )
    engine.determine_amount(FINANCE, approval_id, 2024, on=date(2025, 4, 15))

    error = refused(
        engine,
        TransitionNotAllowed,
        "FY2024 is determined; its decided amount can no longer change",
        lambda: engine.amend_approval(
            APPROVER,
            approval_id,
            amounts=amounts((2024, 1_000_000), (2025, 1_500_000), (2026, 1_500_000)),
            reason="減額",
        ),
    )

    assert error.rule == "disbursement.amend_before_determination"


def test_an_unchanged_appropriation_is_refused(engine: SubsidyEngine) -> None:
    World.build(engine)

    error = refused(
        engine,
        RuleViolation,
        "FY2024's appropriation is already 30,000,000 yen",
        lambda: engine.set_appropriation(
            ADMIN, fiscal_year=2024, amount=30_000_000, reason="再設定"
        ),
    )

    assert error.rule == "budget.unchanged"
