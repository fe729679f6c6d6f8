"""A year's money: advances, the performance report, determination and settlement."""

from datetime import date, timedelta
from decimal import Decimal
from uuid import NAMESPACE_URL, uuid5

import pytest

from subsidy.domain import rules
from subsidy.domain.actor import Actor, Role
from subsidy.domain.budget import CostCategory, CostLine
from subsidy.domain.disbursement import AnnualDisbursement, OverPayment
from subsidy.domain.disbursement_values import Payment, PaymentKind
from subsidy.domain.errors import PermissionDenied, RuleViolation, TransitionNotAllowed
from subsidy.domain.repayment import OrderKind, RepaymentOrder

from domain_builders import APPLICANT, LEAD_ID, OTHER_APPLICANT, PARAMS, emitted, names, settled

DECIDED_ON = date(2024, 4, 1)
FINANCE = Actor("finance", Role.FINANCE)
APPROVER = Actor("approver", Role.APPROVER)
APPROVAL_ID = uuid5(NAMESPACE_URL, "subsidy:test:approval")
REPORT_DUE = PARAMS.report_due_on(2024)  # 2025-04-10
ADVANCE_DAY = date(2024, 6, 3)
DETERMINED_ON = date(2025, 4, 21)


def opened(decided: int = 1_000_000) -> AnnualDisbursement:
    disbursement = AnnualDisbursement.open(
        approval_id=APPROVAL_ID,
        organisation_id=LEAD_ID,
        fiscal_year=2024,
        decided=decided,
        decided_on=DECIDED_ON,
        report_due_on=REPORT_DUE,
        actor=FINANCE,
    )
    settled(disbursement)
    return disbursement


def report(disbursement: AnnualDisbursement, eligible: int, on: date = REPORT_DUE) -> None:
    line = CostLine(CostCategory.HONORARIA, "講師謝金", eligible)
    disbursement.submit_report(cost_lines=(line,), reported_on=on, actor=APPLICANT)


def reported(advance: int, eligible: int, decided: int = 1_000_000) -> AnnualDisbursement:
    """A year of ``decided``, ``advance`` paid on ADVANCE_DAY and ``eligible`` reported."""
    disbursement = opened(decided)
    if advance:
        disbursement.pay_advance(amount=advance, paid_on=ADVANCE_DAY, actor=FINANCE)
    report(disbursement, eligible)
    settled(disbursement)
    return disbursement


def determine(disbursement: AnnualDisbursement, rate: str = "1") -> None:
    parameters = PARAMS.changed({"subsidy_rate": Decimal(rate)})
    disbursement.determine(
        on=DETERMINED_ON, parameters=parameters, repayment_due_on=None, actor=FINANCE
    )


def test_pay_advance_records_the_payment_and_its_calculation() -> None:
    disbursement = opened()
    disbursement.pay_advance(amount=600_000, paid_on=ADVANCE_DAY, actor=FINANCE)
    settled(disbursement)

    disbursement.pay_advance(amount=400_000, paid_on=date(2024, 10, 1), actor=FINANCE)

    events = emitted(disbursement)
    assert names(events) == ["PaymentRecorded"]
    assert events[0].payment == Payment(PaymentKind.ADVANCE, 400_000, date(2024, 10, 1))
    assert events[0].calculation.inputs == {"decided": "1000000", "paid_before": "600000"}
    assert events[0].calculation.rule == rules.ADVANCE
    assert events[0].actor == FINANCE
    assert disbursement.paid == 1_000_000


def test_advances_never_exceed_the_decided_amount_in_total() -> None:
    disbursement = opened()
    disbursement.pay_advance(amount=600_000, paid_on=ADVANCE_DAY, actor=FINANCE)
    settled(disbursement)

    with pytest.raises(OverPayment) as raised:
        disbursement.pay_advance(amount=400_001, paid_on=date(2024, 10, 1), actor=FINANCE)

    assert raised.value.message == (
        "FY2024: an advance of 400,001 yen would bring payments to 1,000,001 yen, "
        "above the decided 1,000,000 yen (400,000 yen remain)"
    )
    assert raised.value.rule == "disbursement.advance_within_decision"
    assert raised.value.field == "amount"
    assert disbursement.collect_events() == []
    assert disbursement.paid == 600_000


def test_pay_advance_is_refused_to_anyone_but_finance() -> None:
    disbursement = opened()

    with pytest.raises(PermissionDenied, match="finance"):
        disbursement.pay_advance(amount=100_000, paid_on=ADVANCE_DAY, actor=APPLICANT)

    assert disbursement.collect_events() == []


def test_no_advance_is_paid_after_the_determination() -> None:
    disbursement = reported(advance=500_000, eligible=1_000_000)
    determine(disbursement)
    settled(disbursement)

    with pytest.raises(TransitionNotAllowed, match="pay the settlement instead") as raised:
        disbursement.pay_advance(amount=100_000, paid_on=DETERMINED_ON, actor=FINANCE)

    assert raised.value.rule == "disbursement.advance_before_determination"
    assert disbursement.collect_events() == []


@pytest.mark.parametrize(
    ("reported_on", "late"),
    [(REPORT_DUE, False), (REPORT_DUE + timedelta(days=1), True)],
    ids=["on-the-due-date", "day-after"],
)
def test_submit_report_flags_a_report_after_the_due_date_as_late(
    reported_on: date, late: bool
) -> None:
    disbursement = opened()

    report(disbursement, 950_000, on=reported_on)

    events = emitted(disbursement)
    assert names(events) == ["ReportSubmitted"]
    assert events[0].late is late
    assert events[0].report.eligible_cost == 950_000
    assert events[0].actor == APPLICANT


def test_the_performance_report_is_submitted_only_once() -> None:
    disbursement = reported(advance=0, eligible=950_000)

    with pytest.raises(TransitionNotAllowed, match="already submitted"):
        report(disbursement, 990_000)

    assert disbursement.collect_events() == []
    assert disbursement.report is not None
    assert disbursement.report.eligible_cost == 950_000


def test_submit_report_is_refused_to_another_organisations_applicant() -> None:
    disbursement = opened()
    line = CostLine(CostCategory.TRAVEL, "旅費", 10_000)

    with pytest.raises(PermissionDenied) as raised:
        disbursement.submit_report(
            cost_lines=(line,), reported_on=REPORT_DUE, actor=OTHER_APPLICANT
        )

    assert raised.value.rule == "roles.own_organisation"
    assert disbursement.collect_events() == []


def test_determine_floors_eligible_cost_times_rate_to_the_thousand() -> None:
    disbursement = reported(advance=0, eligible=1_234_567, decided=1_500_000)

    determine(disbursement, rate="0.9")

    events = emitted(disbursement)
    assert names(events) == ["Determined"]
    assert events[0].amount == 1_111_000  # 1,234,567 × 0.9 = 1,111,110.3 → 1,111,000
    assert events[0].determined_on == DETERMINED_ON
    calculation = events[0].calculation
    assert calculation.formula == "min(decided, floor_1000(eligible cost × rate))"
    assert calculation.inputs == {
        "decided": "1500000",
        "eligible_cost": "1234567",
        "rate": "0.9",
        "floor_1000(eligible cost × rate)": "1111000",
    }
    assert (calculation.result, calculation.rule) == (1_111_000, rules.DETERMINATION)


def test_determine_never_exceeds_the_decided_amount() -> None:
    disbursement = reported(advance=0, eligible=1_600_000)

    determine(disbursement)

    events = emitted(disbursement)
    assert names(events) == ["Determined"]
    assert events[0].amount == 1_000_000
    assert events[0].calculation.inputs["floor_1000(eligible cost × rate)"] == "1600000"


def test_determine_is_refused_without_a_performance_report() -> None:
    disbursement = opened()

    with pytest.raises(RuleViolation, match="none was submitted") as raised:
        determine(disbursement)

    assert raised.value.rule == "disbursement.report_required"
    assert disbursement.collect_events() == []
    assert disbursement.determined is None


def test_the_settlement_pays_determined_less_paid_and_closes_the_year() -> None:
    disbursement = reported(advance=500_000, eligible=950_500)
    determine(disbursement)
    settled(disbursement)

    disbursement.pay_settlement(paid_on=date(2025, 5, 15), actor=FINANCE)

    events = emitted(disbursement)
    assert names(events) == ["PaymentRecorded", "Closed"]
    assert events[0].payment == Payment(PaymentKind.SETTLEMENT, 450_000, date(2025, 5, 15))
    assert events[0].calculation.formula == "determined − paid"
    assert events[0].calculation.inputs == {"determined": "950000", "paid": "500000"}
    assert events[1].held == 950_000
    assert disbursement.closed


def test_a_determination_equal_to_what_was_paid_closes_the_year() -> None:
    disbursement = reported(advance=800_000, eligible=800_999)

    determine(disbursement)

    events = emitted(disbursement)
    assert names(events) == ["Determined", "Closed"]
    assert events[0].amount == 800_000
    assert disbursement.closed


def test_a_determination_below_what_was_paid_orders_the_excess_back_at_once() -> None:
    disbursement = reported(advance=1_000_000, eligible=800_500)

    determine(disbursement)

    events = emitted(disbursement)
    assert names(events) == ["Determined", "RepaymentOrdered"]
    assert events[1].order == RepaymentOrder(
        number=1,
        kind=OrderKind.OVERPAYMENT,
        principal=200_000,
        ordered_on=DETERMINED_ON,
        due_on=DETERMINED_ON + timedelta(days=PARAMS.repayment_period_days),
    )
    assert events[1].calculation.formula == "paid − determined"
    assert events[1].calculation.rule == rules.REPAYMENT_ORDER
    assert not disbursement.closed


def test_no_settlement_is_paid_when_more_was_paid_than_determined() -> None:
    disbursement = reported(advance=1_000_000, eligible=800_000)
    determine(disbursement)
    settled(disbursement)

    with pytest.raises(OverPayment, match="nothing is due") as raised:
        disbursement.pay_settlement(paid_on=date(2025, 5, 15), actor=FINANCE)

    assert raised.value.rule == "disbursement.settlement_due"
    assert disbursement.collect_events() == []


def test_change_decided_is_refused_below_what_was_already_paid() -> None:
    disbursement = opened()
    disbursement.pay_advance(amount=600_000, paid_on=ADVANCE_DAY, actor=FINANCE)
    settled(disbursement)

    with pytest.raises(RuleViolation) as raised:
        disbursement.change_decided(amount=500_000, on=DECIDED_ON, actor=APPROVER)

    assert raised.value.message == (
        "FY2024: 600,000 yen is already paid, more than the 500,000 yen proposed; "
        "revoke the decision or order repayment instead"
    )
    assert raised.value.rule == "amendment.paid"
    assert raised.value.field == "amounts.2024"
    assert disbursement.collect_events() == []
    assert disbursement.decided == 1_000_000


def test_change_decided_down_to_what_was_paid_records_the_amendment() -> None:
    disbursement = opened()
    disbursement.pay_advance(amount=600_000, paid_on=ADVANCE_DAY, actor=FINANCE)
    settled(disbursement)

    disbursement.change_decided(amount=600_000, on=DECIDED_ON, actor=APPROVER)

    events = emitted(disbursement)
    assert names(events) == ["DecidedAmountChanged"]
    assert (events[0].decided, events[0].rule) == (600_000, rules.AMENDMENT)
    assert disbursement.decided == 600_000


def test_flag_overdue_records_a_missing_report_once() -> None:
    disbursement = opened()
    day_after = REPORT_DUE + timedelta(days=1)

    on_the_due_date = disbursement.flag_overdue(today=REPORT_DUE, parameters=PARAMS, actor=FINANCE)
    first = disbursement.flag_overdue(today=day_after, parameters=PARAMS, actor=FINANCE)
    second = disbursement.flag_overdue(today=day_after, parameters=PARAMS, actor=FINANCE)

    events = emitted(disbursement)
    assert names(events) == ["ReportOverdue"]
    assert events[0].due_on == REPORT_DUE
    assert (on_the_due_date, first, second) == (0, 1, 0)


def test_flag_overdue_records_nothing_once_the_report_is_in() -> None:
    disbursement = reported(advance=0, eligible=950_000)

    recorded = disbursement.flag_overdue(
        today=REPORT_DUE + timedelta(days=30), parameters=PARAMS, actor=FINANCE
    )

    assert recorded == 0
    assert disbursement.collect_events() == []
