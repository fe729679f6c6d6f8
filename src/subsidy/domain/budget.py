"""An application's budget: cost lines per fiscal year and the grant requested."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from itertools import pairwise

from subsidy.domain.errors import InvalidValue
from subsidy.domain.money import require_yen

FIRST_FISCAL_YEAR = 1989  # 平成元年度
LAST_FISCAL_YEAR = 2200


class CostCategory(Enum):
    """Cost categories (経費区分)."""

    HONORARIA = "謝金"
    TRAVEL = "旅費"
    VENUE = "会場費"
    OUTSOURCING = "委託費"
    SUPPLIES = "需用費"
    OTHER = "その他"


@dataclass(frozen=True)
class CostLine:
    """One line of eligible cost in one fiscal year."""

    category: CostCategory
    description: str
    amount: int


@dataclass(frozen=True)
class YearBudget:
    """One fiscal year of the application: its cost lines and the grant requested."""

    fiscal_year: int
    cost_lines: tuple[CostLine, ...]
    requested: int

    def __post_init__(self) -> None:
        object.__setattr__(self, "cost_lines", tuple(self.cost_lines))

    @property
    def eligible_cost(self) -> int:
        """The year's total eligible cost in yen."""
        return sum(line.amount for line in self.cost_lines)


@dataclass(frozen=True)
class YearAmount:
    """A decided grant amount for one fiscal year."""

    fiscal_year: int
    amount: int


def check_budget(years: tuple[YearBudget, ...]) -> None:
    """Refuse a budget that is malformed whatever the scheme says."""
    seen: set[int] = set()
    for index, year in enumerate(years):
        field = f"years[{index}]"
        if not FIRST_FISCAL_YEAR <= year.fiscal_year <= LAST_FISCAL_YEAR:
            msg = (
                f"FY{year.fiscal_year} is outside the years the engine handles "
                f"({FIRST_FISCAL_YEAR}–{LAST_FISCAL_YEAR})"
            )
            raise InvalidValue(msg, field=f"{field}.fiscal_year", rule="dates.fiscal_year_range")
        if year.fiscal_year in seen:
            msg = f"FY{year.fiscal_year} appears twice in the budget"
            raise InvalidValue(msg, field=f"{field}.fiscal_year")
        seen.add(year.fiscal_year)
        require_yen(year.requested, f"{field}.requested")
        for line_index, line in enumerate(year.cost_lines):
            require_yen(line.amount, f"{field}.cost_lines[{line_index}].amount")


def require_consecutive(fiscal_years: list[int], field: str) -> None:
    """Refuse fiscal years that are not consecutive."""
    ordered = sorted(fiscal_years)
    for previous, current in pairwise(ordered):
        if current != previous + 1:
            msg = f"the grant years must be consecutive: FY{previous} is followed by FY{current}"
            raise InvalidValue(msg, field=field, rule="scheme.consecutive_years")
