"""Repayment orders (返還命令) and what a grantee owes on them on a given day."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import Enum
from fractions import Fraction

from subsidy.domain.charges import (
    Charge,
    PrincipalRepayment,
    Receipt,
    additional_charge,
    late_charge,
)
from subsidy.domain.scheme import SchemeParameters


class OrderKind(Enum):
    """Why repayment was ordered."""

    OVERPAYMENT = "overpayment"  # 確定額を超える交付額の返還 (適正化法第18条第2項)
    REVOCATION = "revocation"  # 交付決定取消に伴う返還 (適正化法第18条第1項), with 加算金


@dataclass(frozen=True)
class RepaymentOrder:
    """One order to repay ``principal`` yen by ``due_on``.

    ``receipts`` are the payments a revocation order falls on; 加算金 runs on them.
    """

    number: int
    kind: OrderKind
    principal: int
    ordered_on: date
    due_on: date
    receipts: tuple[Receipt, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "receipts", tuple(self.receipts))


@dataclass(frozen=True)
class Allocation:
    """How much of one repayment went to one order's principal and charges."""

    order_number: int
    principal: int
    additional_charge: int
    late_charge: int

    @property
    def total(self) -> int:
        """Everything this allocation paid."""
        return self.principal + self.additional_charge + self.late_charge


@dataclass(frozen=True)
class RepaymentReceived:
    """A repayment as received on one day and how it was applied."""

    received_on: date
    amount: int
    allocations: tuple[Allocation, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "allocations", tuple(self.allocations))


@dataclass(frozen=True)
class OrderBalance:
    """What is still owed on one order on a given day."""

    order: RepaymentOrder
    principal: int
    additional: Charge | None
    late: Charge
    additional_paid: int
    late_paid: int

    @property
    def additional_owed(self) -> int:
        """加算金 accrued and not yet paid."""
        return (self.additional.total if self.additional else 0) - self.additional_paid

    @property
    def late_owed(self) -> int:
        """延滞金 accrued and not yet paid."""
        return self.late.total - self.late_paid

    @property
    def total(self) -> int:
        """Everything owed on the order."""
        return self.principal + self.additional_owed + self.late_owed


def balances(
    orders: Sequence[RepaymentOrder],
    repayments: Sequence[RepaymentReceived],
    as_of: date,
    parameters: SchemeParameters,
) -> list[OrderBalance]:
    """What is owed on each order on ``as_of``, counting that day."""
    result = []
    for order in orders:
        mine = [(r.received_on, a) for r in repayments for a in r.allocations]
        mine = [(day, a) for day, a in mine if a.order_number == order.number]
        principal_paid = [PrincipalRepayment(day, a.principal) for day, a in mine if a.principal]
        additional = None
        if order.kind is OrderKind.REVOCATION:
            additional = additional_charge(
                order.receipts,
                principal_paid,
                until=as_of,
                rate=parameters.additional_charge_rate,
                basis=parameters.day_count_basis,
            )
        late = late_charge(
            order.principal,
            order.due_on,
            repayments=principal_paid,
            until=as_of,
            rate=parameters.late_charge_rate,
            basis=parameters.day_count_basis,
        )
        result.append(
            OrderBalance(
                order=order,
                principal=order.principal - sum(p.amount for p in principal_paid),
                additional=additional,
                late=late,
                additional_paid=sum(a.additional_charge for _, a in mine),
                late_paid=sum(a.late_charge for _, a in mine),
            )
        )
    return result


def allocate(amount: int, owed: Sequence[OrderBalance]) -> tuple[Allocation, ...]:
    """Apply a repayment: principal of every order first (oldest first), then 加算金, then 延滞金.

    The charges in ``owed`` must be computed as of the repayment day with this repayment's
    principal part already counted (see :func:`settle`).
    """
    parts = {b.order.number: [0, 0, 0] for b in owed}
    remaining = amount
    for slot, field in ((0, "principal"), (1, "additional_owed"), (2, "late_owed")):
        for balance in owed:
            take = min(remaining, getattr(balance, field))
            parts[balance.order.number][slot] += take
            remaining -= take
    return tuple(Allocation(number, *p) for number, p in parts.items() if any(p))


def settle(
    orders: Sequence[RepaymentOrder],
    repayments: Sequence[RepaymentReceived],
    amount: int,
    received_on: date,
    parameters: SchemeParameters,
) -> tuple[tuple[Allocation, ...], list[OrderBalance]]:
    """Allocate ``amount`` received on ``received_on``; also return the balances it was set against.

    Principal comes first, so the principal part is known before the charges: charges are then
    computed with that principal repaid on ``received_on`` (the day itself still counts).
    """
    before = balances(orders, repayments, received_on, parameters)
    principal_parts = allocate(amount, [_principal_only(b) for b in before])
    provisional = RepaymentReceived(received_on, amount, principal_parts)
    after = balances(orders, [*repayments, provisional], received_on, parameters)
    charges_budget = amount - sum(a.principal for a in principal_parts)
    charge_parts = allocate(charges_budget, [_charges_only(b) for b in after])
    merged: dict[int, list[int]] = {}
    for part in (*principal_parts, *charge_parts):
        slot = merged.setdefault(part.order_number, [0, 0, 0])
        slot[0] += part.principal
        slot[1] += part.additional_charge
        slot[2] += part.late_charge
    return tuple(Allocation(n, *p) for n, p in sorted(merged.items())), after


def _principal_only(balance: OrderBalance) -> OrderBalance:
    return OrderBalance(balance.order, balance.principal, None, _nothing(), 0, 0)


def _charges_only(balance: OrderBalance) -> OrderBalance:
    return OrderBalance(
        balance.order,
        0,
        balance.additional,
        balance.late,
        balance.additional_paid,
        balance.late_paid,
    )


def _nothing() -> Charge:
    return Charge((), Fraction(0), 0)
