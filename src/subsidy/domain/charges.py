"""Interest on money owed back: 加算金 after a revocation and 延滞金 after a due date.

Both run at a yearly rate on a day count (365 days a year by default, even in leap years) on the
principal still unpaid; a repayment reduces the principal from the day after it is made, since
the day of repayment itself is counted. Each line is kept exact; only the total is floored to the
yen, so the arithmetic can be shown line by line and re-done by hand.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from math import floor


@dataclass(frozen=True)
class Receipt:
    """Money the grantee received (a payment), which 加算金 runs on from its day."""

    received_on: date
    amount: int


@dataclass(frozen=True)
class PrincipalRepayment:
    """The part of a repayment that went to principal, on the day it was received."""

    repaid_on: date
    amount: int


@dataclass(frozen=True)
class ChargeLine:
    """One stretch of days at one balance: ``balance × rate × days / basis``."""

    balance: int
    first_day: date
    last_day: date
    days: int
    amount: Fraction

    def describe(self, rate: Decimal, basis: int) -> str:
        """The line as a person would write it down."""
        period = f"{self.first_day.isoformat()}–{self.last_day.isoformat()}"
        return f"{self.balance:,} × {rate} × {self.days}/{basis} ({period}) = {self.amount_text}"

    @property
    def amount_text(self) -> str:
        """The exact amount to four decimals (the total is floored only once)."""
        return f"{float(self.amount):,.4f}"


@dataclass(frozen=True)
class Charge:
    """A computed charge: its lines and the total floored to the yen."""

    lines: tuple[ChargeLine, ...]
    exact: Fraction
    total: int


def _accrue(
    balance: int,
    *,
    first_day: date,
    repayments: Sequence[PrincipalRepayment],
    until: date,
    rate: Decimal,
    basis: int,
) -> list[ChargeLine]:
    """Lines for ``balance`` accruing from ``first_day`` to ``until``, less ``repayments``."""
    lines = []
    day = first_day
    for repayment in sorted(repayments, key=lambda r: r.repaid_on):
        if balance <= 0 or day > until:
            break
        if repayment.repaid_on < day:
            # Repaid before the charge starts to run (e.g. before the due date): no charge on it.
            balance -= repayment.amount
            continue
        last = min(repayment.repaid_on, until)
        lines.append(_line(balance, day, last, rate, basis))
        day = last + timedelta(days=1)
        balance -= repayment.amount
    if balance > 0 and day <= until:
        lines.append(_line(balance, day, until, rate, basis))
    return lines


def _line(balance: int, first: date, last: date, rate: Decimal, basis: int) -> ChargeLine:
    days = (last - first).days + 1
    amount = Fraction(balance) * Fraction(rate) * days / basis
    return ChargeLine(balance, first, last, days, amount)


def _charge(lines: list[ChargeLine]) -> Charge:
    exact = sum((line.amount for line in lines), Fraction(0))
    return Charge(tuple(lines), exact, floor(exact))


def allocate_to_receipts(receipts: Sequence[Receipt], ordered: int) -> list[Receipt]:
    """The receipts an order to repay ``ordered`` yen falls on, latest first (順次さかのぼり).

    When less than everything received is ordered back, the order is matched against the most
    recent receipts first, going back until the ordered amount is reached.
    """
    allocated: list[Receipt] = []
    remaining = ordered
    for receipt in sorted(receipts, key=lambda r: r.received_on, reverse=True):
        if remaining <= 0:
            break
        part = min(receipt.amount, remaining)
        allocated.append(Receipt(receipt.received_on, part))
        remaining -= part
    return sorted(allocated, key=lambda r: r.received_on)


def additional_charge(
    receipts: Sequence[Receipt],
    repayments: Sequence[PrincipalRepayment],
    *,
    until: date,
    rate: Decimal,
    basis: int = 365,
) -> Charge:
    """加算金: on each receipt from its day to the day it is repaid, both counted.

    Principal repayments are applied to the oldest receipt first; interest then runs only on
    what remains. ``until`` is the last day to count for principal still unpaid.
    """
    lines: list[ChargeLine] = []
    queue = sorted(repayments, key=lambda r: r.repaid_on)
    for receipt in sorted(receipts, key=lambda r: r.received_on):
        mine, queue = _take(queue, receipt.amount)
        lines += _accrue(
            receipt.amount,
            first_day=receipt.received_on,
            repayments=mine,
            until=until,
            rate=rate,
            basis=basis,
        )
    return _charge(lines)


def _take(
    queue: list[PrincipalRepayment], amount: int
) -> tuple[list[PrincipalRepayment], list[PrincipalRepayment]]:
    """Split the repayment queue into what covers ``amount`` and what is left over."""
    taken: list[PrincipalRepayment] = []
    rest: list[PrincipalRepayment] = []
    for repayment in queue:
        if amount <= 0:
            rest.append(repayment)
            continue
        part = min(repayment.amount, amount)
        taken.append(PrincipalRepayment(repayment.repaid_on, part))
        if repayment.amount > part:
            rest.append(PrincipalRepayment(repayment.repaid_on, repayment.amount - part))
        amount -= part
    return taken, rest


def late_charge(
    principal: int,
    due_on: date,
    *,
    repayments: Sequence[PrincipalRepayment],
    until: date,
    rate: Decimal,
    basis: int = 365,
) -> Charge:
    """延滞金: on the principal unpaid after ``due_on``, from the next day to the day paid."""
    first_day = due_on + timedelta(days=1)
    return _charge(
        _accrue(
            principal,
            first_day=first_day,
            repayments=repayments,
            until=until,
            rate=rate,
            basis=basis,
        )
    )
