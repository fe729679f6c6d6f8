"""Yen arithmetic: whole yen as ``int``, never floats."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal

from subsidy.domain.errors import InvalidValue

THOUSAND = 1_000
# Far above any grant, and every sum of such amounts still fits the read models' 64-bit columns.
MAX_YEN = 10**15


def floor_to_thousand(amount: int) -> int:
    """Drop fractions below ¥1,000 (千円未満切捨て)."""
    return (amount // THOUSAND) * THOUSAND


def grant_ceiling(eligible_cost: int, rate: Decimal) -> int:
    """The largest grant that ``eligible_cost`` supports at ``rate``, floored to ¥1,000."""
    exact = (Decimal(eligible_cost) * rate).to_integral_value(rounding=ROUND_FLOOR)
    return floor_to_thousand(int(exact))


def require_yen(amount: object, field: str, *, positive: bool = False) -> int:
    """Refuse anything but a whole, non-negative (or positive) number of yen."""
    if isinstance(amount, bool) or not isinstance(amount, int):
        msg = f"{field} must be a whole number of yen, not {amount!r}"
        raise InvalidValue(msg, field=field, rule="money.integer_yen")
    if amount < 0 or (positive and amount == 0):
        kind = "positive" if positive else "zero or more"
        msg = f"{field} must be {kind}, not {amount:,} yen"
        raise InvalidValue(msg, field=field, rule="money.non_negative")
    if amount > MAX_YEN:
        msg = f"{field} must be at most {MAX_YEN:,} yen, not {amount:,}"
        raise InvalidValue(msg, field=field, rule="money.range")
    return amount


def require_thousands(amount: int, field: str) -> int:
    """Refuse a grant amount that is not a whole number of ¥1,000."""
    if amount % THOUSAND:
        msg = (
            f"{field} must be a whole number of ¥1,000 (千円未満切捨て): "
            f"{amount:,} yen would be {floor_to_thousand(amount):,}"
        )
        raise InvalidValue(msg, field=field, rule="money.floor_to_thousand")
    return amount


def split_instalments(total: int, count: int) -> list[int]:
    """Split ``total`` yen into ``count`` instalments; the remainder goes to the first one."""
    require_yen(total, "total")
    if count < 1:
        raise InvalidValue(f"split into at least one instalment, not {count}", field="count")
    base, remainder = divmod(total, count)
    return [base + remainder, *([base] * (count - 1))]


@dataclass(frozen=True)
class Calculation:
    """The arithmetic behind a money event: rule, formula, inputs and result.

    Stored on the event itself, so an auditor can redo every amount from the history alone.
    """

    rule: str
    formula: str
    inputs: dict[str, str]
    result: int
    steps: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "steps", tuple(self.steps))

    def explain(self) -> str:
        """The calculation as one readable paragraph."""
        given = ", ".join(f"{k} = {v}" for k, v in self.inputs.items())
        lines = [f"{self.formula} with {given} → {self.result:,} yen ({self.rule})"]
        return "\n".join([*lines, *(f"  {step}" for step in self.steps)])
