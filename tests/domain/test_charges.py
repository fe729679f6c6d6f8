"""加算金 and 延滞金 worked out by hand, and 順次さかのぼり.

At the scheme's rate 10.95% a year on a 365-day basis the daily rate is exactly 0.03%, so every
worked example below is ``balance × 0.0003 × days``, with both end days counted.
"""

from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from math import floor

import pytest
from hypothesis import given
from hypothesis import strategies as st

from subsidy.domain.charges import (
    PrincipalRepayment,
    Receipt,
    additional_charge,
    allocate_to_receipts,
    late_charge,
)

RATE = Decimal("0.1095")


def charge_on(receipts: list[Receipt], repayments: list[PrincipalRepayment], until: date) -> int:
    return additional_charge(receipts, repayments, until=until, rate=RATE).total


def late_on(principal: int, due_on: date, repayments: list[PrincipalRepayment], until: date) -> int:
    return late_charge(principal, due_on, repayments=repayments, until=until, rate=RATE).total


def test_additional_charge_counts_both_days_on_a_365_day_basis_in_a_leap_year() -> None:
    receipt = Receipt(date(2024, 2, 1), 1_000_000)
    repaid = PrincipalRepayment(date(2024, 3, 1), 1_000_000)

    charge = additional_charge([receipt], [repaid], until=date(2024, 3, 1), rate=RATE)

    assert [line.days for line in charge.lines] == [30]  # 29 days of February 2024 + March 1
    assert charge.total == 9_000  # 1,000,000 × 0.0003 × 30


def test_additional_charge_over_a_whole_leap_year_is_more_than_the_yearly_rate() -> None:
    receipt = Receipt(date(2024, 1, 1), 1_000_000)

    total = charge_on([receipt], [], until=date(2024, 12, 31))

    assert total == 109_800  # 366 days × 300, not 1,000,000 × 10.95% = 109,500


def test_additional_charge_on_a_repayment_on_the_receipt_day_counts_one_day() -> None:
    receipt = Receipt(date(2024, 6, 3), 1_000_000)
    repaid = PrincipalRepayment(date(2024, 6, 3), 1_000_000)

    total = charge_on([receipt], [repaid], until=date(2024, 6, 30))

    assert total == 300


def test_additional_charge_runs_on_the_rest_from_the_day_after_a_partial_repayment() -> None:
    receipt = Receipt(date(2024, 6, 3), 1_000_000)
    repayments = [
        PrincipalRepayment(date(2024, 9, 10), 400_000),
        PrincipalRepayment(date(2024, 9, 30), 600_000),
    ]

    charge = additional_charge([receipt], repayments, until=date(2024, 9, 30), rate=RATE)

    spans = [(ln.balance, ln.first_day, ln.last_day, ln.days) for ln in charge.lines]
    assert spans == [
        (1_000_000, date(2024, 6, 3), date(2024, 9, 10), 100),
        (600_000, date(2024, 9, 11), date(2024, 9, 30), 20),
    ]
    assert charge.total == 33_600  # 30,000 + 3,600


def test_additional_charge_runs_on_each_receipt_from_its_own_day() -> None:
    receipts = [Receipt(date(2024, 7, 1), 600_000), Receipt(date(2024, 10, 1), 400_000)]
    repaid = PrincipalRepayment(date(2025, 1, 30), 1_000_000)

    charge = additional_charge(receipts, [repaid], until=date(2025, 1, 30), rate=RATE)

    assert [line.days for line in charge.lines] == [214, 122]
    assert charge.total == 53_160  # 600,000 × 0.0003 × 214 + 400,000 × 0.0003 × 122


def test_additional_charge_on_several_receipts_with_partial_repayments() -> None:
    receipts = [Receipt(date(2024, 10, 1), 400_000), Receipt(date(2024, 7, 1), 600_000)]
    repayments = [
        PrincipalRepayment(date(2025, 1, 10), 700_000),
        PrincipalRepayment(date(2025, 1, 30), 300_000),
    ]

    total = charge_on(receipts, repayments, until=date(2025, 1, 30))

    # 1,000,000 until 2025-01-10: 600,000 × 194 days + 400,000 × 102 days at 0.03% = 47,160;
    # then 300,000 for 2025-01-11..30: 300,000 × 0.0003 × 20 = 1,800.
    assert total == 48_960


def test_additional_charge_on_unpaid_principal_runs_until_the_day_asked() -> None:
    receipt = Receipt(date(2024, 6, 3), 1_000_000)
    partial = PrincipalRepayment(date(2024, 9, 10), 400_000)

    total = charge_on([receipt], [partial], until=date(2024, 9, 20))

    assert total == 31_800  # 1,000,000 × 0.0003 × 100 + 600,000 × 0.0003 × 10 (09-11..20)


def test_additional_charge_floors_the_total_once_not_each_line() -> None:
    receipts = [Receipt(date(2024, 7, 1), 333_333), Receipt(date(2024, 7, 11), 333_333)]
    repaid = PrincipalRepayment(date(2024, 7, 20), 666_666)

    charge = additional_charge(receipts, [repaid], until=date(2024, 7, 20), rate=RATE)

    assert [line.amount for line in charge.lines] == [
        Fraction("1999.998"),  # 333,333 × 0.0003 × 20
        Fraction("999.999"),  # 333,333 × 0.0003 × 10
    ]
    assert charge.total == 2_999  # floored per line it would be 1,999 + 999 = 2,998


def test_late_charge_starts_the_day_after_the_due_date() -> None:
    repaid = PrincipalRepayment(date(2025, 5, 31), 200_000)

    charge = late_charge(
        200_000, date(2025, 5, 11), repayments=[repaid], until=date(2025, 5, 31), rate=RATE
    )

    assert [(ln.first_day, ln.last_day, ln.days) for ln in charge.lines] == [
        (date(2025, 5, 12), date(2025, 5, 31), 20)
    ]
    assert charge.total == 1_200  # 200,000 × 0.0003 × 20


@pytest.mark.parametrize(
    ("repaid_on", "expected"),
    [(date(2025, 5, 10), 0), (date(2025, 5, 11), 0), (date(2025, 5, 12), 60)],
    ids=["before-due", "on-due-date", "day-after"],
)
def test_late_charge_is_nothing_until_the_due_date_has_passed(
    repaid_on: date, expected: int
) -> None:
    repaid = PrincipalRepayment(repaid_on, 200_000)

    total = late_on(200_000, date(2025, 5, 11), [repaid], until=date(2025, 6, 30))

    assert total == expected


def test_late_charge_runs_on_what_remains_after_a_late_partial_repayment() -> None:
    repayments = [
        PrincipalRepayment(date(2025, 5, 21), 100_000),
        PrincipalRepayment(date(2025, 5, 31), 100_000),
    ]

    total = late_on(200_000, date(2025, 5, 11), repayments, until=date(2025, 5, 31))

    assert total == 900  # 200,000 × 0.0003 × 10 + 100,000 × 0.0003 × 10


def test_late_charge_runs_only_on_what_was_unpaid_on_the_due_date() -> None:
    repayments = [
        PrincipalRepayment(date(2025, 5, 1), 50_000),
        PrincipalRepayment(date(2025, 5, 21), 150_000),
    ]

    total = late_on(200_000, date(2025, 5, 11), repayments, until=date(2025, 5, 31))

    assert total == 450  # 150,000 × 0.0003 × 10 (2025-05-12..21)


@pytest.mark.parametrize(
    ("ordered", "expected"),
    [
        (300_000, [Receipt(date(2024, 10, 1), 300_000)]),
        (700_000, [Receipt(date(2024, 6, 3), 200_000), Receipt(date(2024, 10, 1), 500_000)]),
    ],
    ids=["within-the-latest", "back-into-the-earlier"],
)
def test_allocate_to_receipts_falls_on_the_latest_receipts_first(
    ordered: int, expected: list[Receipt]
) -> None:
    receipts = [Receipt(date(2024, 10, 1), 500_000), Receipt(date(2024, 6, 3), 500_000)]

    allocated = allocate_to_receipts(receipts, ordered)

    assert allocated == expected


# Properties --------------------------------------------------------------------------------

START = date(2023, 1, 1)
yen = st.integers(min_value=1, max_value=3_000_000)
offsets = st.integers(min_value=0, max_value=500)


@st.composite
def histories(draw: st.DrawFn) -> tuple[list[Receipt], list[PrincipalRepayment], date]:
    """Receipts, then principal repayments (never more than received), then a day to count to."""
    receipts = [
        Receipt(START + timedelta(days=draw(offsets)), draw(yen))
        for _ in range(draw(st.integers(1, 3)))
    ]
    last_receipt = max(r.received_on for r in receipts)
    left = sum(r.amount for r in receipts)
    repayments = []
    for _ in range(draw(st.integers(0, 3))):
        amount = draw(st.integers(min_value=1, max_value=left)) if left else 0
        if amount:
            day = last_receipt + timedelta(days=draw(offsets))
            repayments.append(PrincipalRepayment(day, amount))
            left -= amount
    until = last_receipt + timedelta(days=draw(offsets))
    return receipts, repayments, until


def outstanding_on(day: date, receipts: list[Receipt], repaid: list[PrincipalRepayment]) -> int:
    received = sum(r.amount for r in receipts if r.received_on <= day)
    return received - sum(p.amount for p in repaid if p.repaid_on < day)


@given(history=histories())
def test_additional_charge_is_the_floor_of_the_exact_sum_day_by_day(
    history: tuple[list[Receipt], list[PrincipalRepayment], date],
) -> None:
    receipts, repayments, until = history
    first = min(r.received_on for r in receipts)
    days = [first + timedelta(days=n) for n in range((until - first).days + 1)]
    exact = sum(Fraction(outstanding_on(d, receipts, repayments)) for d in days) * Fraction(RATE)

    total = charge_on(receipts, repayments, until)

    assert total == floor(exact / 365)


@given(history=histories(), later=offsets)
def test_additional_charge_never_shrinks_when_counted_to_a_later_day(
    history: tuple[list[Receipt], list[PrincipalRepayment], date], later: int
) -> None:
    receipts, repayments, until = history
    earlier_total = charge_on(receipts, repayments, until)

    later_total = charge_on(receipts, repayments, until + timedelta(days=later))

    assert later_total >= earlier_total


@given(history=histories(), extra=yen)
def test_additional_charge_never_shrinks_when_more_was_received(
    history: tuple[list[Receipt], list[PrincipalRepayment], date], extra: int
) -> None:
    receipts, repayments, until = history
    first, *rest = receipts
    more = [Receipt(first.received_on, first.amount + extra), *rest]

    smaller = charge_on(receipts, repayments, until)

    assert charge_on(more, repayments, until) >= smaller


@given(principal=yen, due=offsets, early=st.integers(0, 60), until=offsets, split=st.data())
def test_late_charge_is_nothing_when_repaid_by_the_due_date(
    principal: int, due: int, early: int, until: int, split: st.DataObject
) -> None:
    due_on = START + timedelta(days=due)
    first = split.draw(st.integers(min_value=0, max_value=principal))
    repaid = [
        PrincipalRepayment(due_on - timedelta(days=early), first),
        PrincipalRepayment(due_on, principal - first),
    ]

    total = late_on(principal, due_on, repaid, due_on + timedelta(days=until))

    assert total == 0


@given(history=histories(), data=st.data())
def test_splitting_a_repayment_in_two_on_the_same_day_changes_no_charge(
    history: tuple[list[Receipt], list[PrincipalRepayment], date], data: st.DataObject
) -> None:
    receipts, repayments, until = history
    if not repayments:
        repayments = [PrincipalRepayment(until, sum(r.amount for r in receipts))]
    whole, *others = repayments
    part = data.draw(st.integers(min_value=1, max_value=max(1, whole.amount - 1)))
    halves = [PrincipalRepayment(whole.repaid_on, part), *others]
    halves.append(PrincipalRepayment(whole.repaid_on, whole.amount - part))

    split_total = charge_on(receipts, halves, until)

    assert split_total == charge_on(receipts, repayments, until)


@given(
    receipts=st.lists(
        st.builds(Receipt, st.dates(date(2023, 4, 1), date(2025, 3, 31)), yen), min_size=1
    ),
    ordered=st.integers(min_value=0, max_value=10_000_000),
)
def test_allocate_to_receipts_takes_whole_receipts_from_the_latest_back(
    receipts: list[Receipt], ordered: int
) -> None:
    allocated = allocate_to_receipts(receipts, ordered)

    assert sum(r.amount for r in allocated) == min(ordered, sum(r.amount for r in receipts))
    earliest_taken = min((r.received_on for r in allocated), default=date.max)
    later_days = {r.received_on for r in receipts if r.received_on > earliest_taken}
    assert {d: on_day(allocated, d) for d in later_days} == {
        d: on_day(receipts, d) for d in later_days
    }
    assert all(r.amount > 0 for r in allocated)


def on_day(receipts: list[Receipt], day: date) -> int:
    return sum(r.amount for r in receipts if r.received_on == day)
