"""Repayment orders, repayments with 加算金 and 延滞金, revocation and overdue flags.

At 10.95% a year on 365 days the daily rate is exactly 0.03%: every charge below is
``balance × 0.0003 × days``, both end days counted.
"""

from datetime import date
from typing import Any
from uuid import NAMESPACE_URL, uuid5

import pytest

from subsidy.domain import rules
from subsidy.domain.actor import Actor, Role
from subsidy.domain.budget import CostCategory, CostLine
from subsidy.domain.charges import Receipt
from subsidy.domain.disbursement import AnnualDisbursement, OverPayment
from subsidy.domain.errors import PermissionDenied, RuleViolation, TransitionNotAllowed
from subsidy.domain.repayment import Allocation, OrderKind, RepaymentOrder

from domain_builders import LEAD_ID, PARAMS, emitted, names, settled

DECIDED_ON = date(2024, 4, 1)
FINANCE = Actor("finance", Role.FINANCE)
APPROVER = Actor("approver", Role.APPROVER)
APPLICANT = Actor("a", Role.APPLICANT, LEAD_ID)
DUE = date(2025, 5, 11)  # 2025-04-21 + 20 days


def opened(*advances: tuple[date, int]) -> AnnualDisbursement:
    disbursement = AnnualDisbursement.open(
        approval_id=uuid5(NAMESPACE_URL, "subsidy:test:approval"),
        organisation_id=LEAD_ID,
        fiscal_year=2024,
        decided=1_000_000,
        decided_on=DECIDED_ON,
        report_due_on=PARAMS.report_due_on(2024),
        actor=FINANCE,
    )
    for paid_on, amount in advances:
        disbursement.pay_advance(amount=amount, paid_on=paid_on, actor=FINANCE)
    settled(disbursement)
    return disbursement


def overpaid(due_on: date | None = None) -> AnnualDisbursement:
    """1,000,000 paid, 800,000 determined on 2025-04-21: 200,000 ordered back by DUE."""
    disbursement = opened((date(2024, 6, 3), 1_000_000))
    line = CostLine(CostCategory.HONORARIA, "講師謝金", 800_500)
    disbursement.submit_report(cost_lines=(line,), reported_on=date(2025, 4, 1), actor=APPLICANT)
    disbursement.determine(
        on=date(2025, 4, 21), parameters=PARAMS, repayment_due_on=due_on, actor=FINANCE
    )
    settled(disbursement)
    return disbursement


def revoked(*advances: tuple[date, int], on: date, due_on: date) -> AnnualDisbursement:
    disbursement = opened(*advances)
    disbursement.revoke(on=on, due_on=due_on, parameters=PARAMS, actor=APPROVER)
    settled(disbursement)
    return disbursement


def repay(disbursement: AnnualDisbursement, amount: int, on: date) -> None:
    disbursement.receive_repayment(amount=amount, received_on=on, parameters=PARAMS, actor=FINANCE)


def allocations(events: list[Any]) -> list[Allocation]:
    received = [e for e in events if type(e).__name__ == "RepaymentReceived"]
    return [a for e in received for a in e.repayment.allocations]


def test_an_overpayment_order_is_due_on_the_date_given_instead_of_the_default() -> None:
    disbursement = overpaid(due_on=date(2025, 6, 30))

    owed = disbursement.owed(date(2025, 6, 30), PARAMS)

    assert [(b.order.kind, b.order.due_on, b.total) for b in owed] == [
        (OrderKind.OVERPAYMENT, date(2025, 6, 30), 200_000)
    ]


def test_a_repayment_in_full_by_the_due_date_closes_the_year() -> None:
    disbursement = overpaid()

    repay(disbursement, 200_000, DUE)

    events = emitted(disbursement)
    assert names(events) == ["RepaymentReceived", "Closed"]
    assert allocations(events) == [Allocation(1, 200_000, 0, 0)]
    assert events[0].calculation.rule == rules.REPAYMENT
    assert events[1].held == 800_000


def test_a_partial_repayment_reduces_what_the_grantee_holds_and_leaves_the_year_open() -> None:
    disbursement = overpaid()

    repay(disbursement, 50_000, date(2025, 5, 1))

    events = emitted(disbursement)
    assert names(events) == ["RepaymentReceived"]
    assert allocations(events) == [Allocation(1, 50_000, 0, 0)]
    assert (disbursement.paid, disbursement.principal_repaid, disbursement.held) == (
        1_000_000,
        50_000,
        950_000,
    )
    assert not disbursement.closed


def test_a_repayment_of_more_than_is_owed_is_refused() -> None:
    disbursement = overpaid()

    with pytest.raises(OverPayment) as raised:
        repay(disbursement, 200_001, DUE)

    assert raised.value.message == "200,001 yen exceeds the 200,000 yen owed on 2025-05-11"
    assert raised.value.rule == "repayment.within_owed"
    assert disbursement.collect_events() == []


def test_a_late_repayment_owes_the_late_charge_from_the_day_after_the_due_date() -> None:
    disbursement = overpaid()

    repay(disbursement, 201_200, date(2025, 5, 31))

    events = emitted(disbursement)
    assert names(events) == ["RepaymentReceived", "Closed"]
    # 延滞金 2025-05-12..31 = 20 days: 200,000 × 0.0003 × 20 = 1,200
    assert allocations(events) == [Allocation(1, 200_000, 0, 1_200)]


def test_the_year_stays_open_while_a_late_charge_is_owed() -> None:
    disbursement = overpaid()

    repay(disbursement, 200_000, date(2025, 5, 31))

    assert allocations(emitted(disbursement)) == [Allocation(1, 200_000, 0, 0)]
    owed = disbursement.owed(date(2025, 6, 30), PARAMS)
    assert [(b.principal, b.late_owed) for b in owed] == [(0, 1_200)]
    assert not disbursement.closed


def test_paying_the_late_charge_afterwards_closes_the_year() -> None:
    disbursement = overpaid()
    repay(disbursement, 200_000, date(2025, 5, 31))
    settled(disbursement)

    repay(disbursement, 1_200, date(2025, 6, 30))

    events = emitted(disbursement)
    assert names(events) == ["RepaymentReceived", "Closed"]
    assert allocations(events) == [Allocation(1, 0, 0, 1_200)]


def test_a_late_partial_repayment_goes_to_principal_and_the_charge_runs_on_the_rest() -> None:
    disbursement = overpaid()

    repay(disbursement, 100_000, date(2025, 5, 21))
    repay(disbursement, 100_900, date(2025, 5, 31))

    events = emitted(disbursement)
    assert names(events) == ["RepaymentReceived", "RepaymentReceived", "Closed"]
    # 200,000 × 0.0003 × 10 (05-12..21) + 100,000 × 0.0003 × 10 (05-22..31) = 900
    assert allocations(events) == [Allocation(1, 100_000, 0, 0), Allocation(1, 100_000, 0, 900)]


def test_repayments_go_to_principal_then_additional_charge_then_late_charge() -> None:
    disbursement = revoked(
        (date(2024, 6, 3), 1_000_000), on=date(2024, 9, 2), due_on=date(2024, 9, 30)
    )
    paid_on = date(2024, 10, 10)

    repay(disbursement, 1_020_000, paid_on)
    repay(disbursement, 22_000, paid_on)

    events = emitted(disbursement)
    assert names(events) == ["RepaymentReceived", "RepaymentReceived", "Closed"]
    # 加算金 2024-06-03..10-10 = 130 days → 39,000; 延滞金 10-01..10-10 = 10 days → 3,000
    assert allocations(events) == [
        Allocation(1, 1_000_000, 20_000, 0),
        Allocation(1, 0, 19_000, 3_000),
    ]


def test_revoke_ends_the_year_and_orders_back_every_receipt() -> None:
    disbursement = opened((date(2024, 7, 1), 600_000), (date(2024, 10, 1), 400_000))

    disbursement.revoke(
        on=date(2025, 1, 10), due_on=date(2025, 1, 30), parameters=PARAMS, actor=APPROVER
    )

    events = emitted(disbursement)
    assert names(events) == ["Ended", "RepaymentOrdered"]
    assert (events[0].how, events[0].on, events[0].rule) == (
        "revoked",
        date(2025, 1, 10),
        rules.REVOCATION,
    )
    assert events[1].order == RepaymentOrder(
        number=1,
        kind=OrderKind.REVOCATION,
        principal=1_000_000,
        ordered_on=date(2025, 1, 10),
        due_on=date(2025, 1, 30),
        receipts=(Receipt(date(2024, 7, 1), 600_000), Receipt(date(2024, 10, 1), 400_000)),
    )
    assert events[1].calculation.rule == rules.REVOCATION_REPAYMENT


def test_the_additional_charge_runs_on_each_receipt_to_the_repayment_day() -> None:
    disbursement = revoked(
        (date(2024, 7, 1), 600_000),
        (date(2024, 10, 1), 400_000),
        on=date(2025, 1, 10),
        due_on=date(2025, 1, 30),
    )

    repay(disbursement, 1_053_160, date(2025, 1, 30))

    events = emitted(disbursement)
    assert names(events) == ["RepaymentReceived", "Closed"]
    assert allocations(events) == [Allocation(1, 1_000_000, 53_160, 0)]
    steps = events[0].calculation.steps
    assert "  加算金 600,000 × 0.1095 × 214/365 (2024-07-01–2025-01-30) = 38,520.0000" in steps
    assert "  加算金 400,000 × 0.1095 × 122/365 (2024-10-01–2025-01-30) = 14,640.0000" in steps
    assert events[1].held == 0


def test_revoking_after_an_overpayment_order_orders_back_only_the_rest() -> None:
    disbursement = overpaid()

    disbursement.revoke(
        on=date(2025, 5, 1), due_on=date(2025, 5, 21), parameters=PARAMS, actor=APPROVER
    )

    events = emitted(disbursement)
    assert names(events) == ["Ended", "RepaymentOrdered"]
    order = events[1].order
    assert (order.number, order.kind, order.principal) == (2, OrderKind.REVOCATION, 800_000)
    assert order.receipts == (Receipt(date(2024, 6, 3), 800_000),)


def test_revoking_a_year_with_nothing_paid_ends_and_closes_it() -> None:
    disbursement = opened()

    disbursement.revoke(
        on=date(2024, 9, 2), due_on=date(2024, 9, 30), parameters=PARAMS, actor=APPROVER
    )

    assert names(emitted(disbursement)) == ["Ended", "Closed"]


def test_no_payment_is_recorded_after_revocation() -> None:
    disbursement = revoked(
        (date(2024, 6, 3), 500_000), on=date(2024, 9, 2), due_on=date(2024, 9, 30)
    )

    with pytest.raises(TransitionNotAllowed) as raised:
        disbursement.pay_advance(amount=100_000, paid_on=date(2024, 9, 3), actor=FINANCE)

    assert raised.value.message == "cannot record a payment: the grant decision was revoked"
    assert raised.value.rule == "disbursement.revoked"
    assert disbursement.collect_events() == []


def test_a_repayment_when_nothing_is_owed_is_refused() -> None:
    disbursement = opened((date(2024, 6, 3), 500_000))

    with pytest.raises(RuleViolation, match="nothing is owed") as raised:
        repay(disbursement, 1_000, date(2024, 9, 3))

    assert raised.value.rule == "repayment.nothing_owed"
    assert disbursement.collect_events() == []


def test_receive_repayment_is_refused_to_anyone_but_finance() -> None:
    disbursement = overpaid()

    with pytest.raises(PermissionDenied):
        disbursement.receive_repayment(
            amount=200_000, received_on=DUE, parameters=PARAMS, actor=APPLICANT
        )

    assert disbursement.collect_events() == []


def test_flag_overdue_records_each_unpaid_order_once() -> None:
    disbursement = overpaid()

    on_due = disbursement.flag_overdue(today=DUE, parameters=PARAMS, actor=FINANCE)
    first = disbursement.flag_overdue(today=date(2025, 5, 12), parameters=PARAMS, actor=FINANCE)
    second = disbursement.flag_overdue(today=date(2025, 6, 1), parameters=PARAMS, actor=FINANCE)

    events = emitted(disbursement)
    assert names(events) == ["RepaymentOverdue"]
    assert (events[0].order_number, events[0].due_on) == (1, DUE)
    assert (on_due, first, second) == (0, 1, 0)


def test_flag_overdue_records_nothing_for_an_order_repaid_in_time() -> None:
    disbursement = overpaid()
    repay(disbursement, 200_000, DUE)
    settled(disbursement)

    recorded = disbursement.flag_overdue(today=date(2025, 6, 1), parameters=PARAMS, actor=FINANCE)

    assert recorded == 0
    assert disbursement.collect_events() == []
