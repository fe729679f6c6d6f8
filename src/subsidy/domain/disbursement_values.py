"""Values an annual disbursement records: payments and the performance report."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import Enum

from subsidy.domain.budget import CostLine


class PaymentKind(Enum):
    """How a payment was made."""

    ADVANCE = "advance"  # 概算払
    SETTLEMENT = "settlement"  # 精算払


@dataclass(frozen=True)
class Payment:
    """Money paid to the grantee on one day."""

    kind: PaymentKind
    amount: int
    paid_on: date


@dataclass(frozen=True)
class PerformanceReport:
    """The applicant's performance report (実績報告): actual eligible cost per cost line."""

    cost_lines: tuple[CostLine, ...]
    reported_on: date

    def __post_init__(self) -> None:
        object.__setattr__(self, "cost_lines", tuple(self.cost_lines))

    @property
    def eligible_cost(self) -> int:
        """The year's actual eligible cost."""
        return sum(line.amount for line in self.cost_lines)
