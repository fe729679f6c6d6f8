"""The scheme and its parameters, versioned as data.

The Center changes the scheme's parameters between years. Each change is an event that yields a
new parameter version; an application records the version it was judged under, and every later
rule about that application reads that version, not today's.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import Enum
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from subsidy.domain import rules
from subsidy.domain.actor import Actor, Role
from subsidy.domain.errors import InvalidValue, NotFound

DEFAULT_SCHEME_CODE = "jcrd-hr-accompaniment"
DEFAULT_SCHEME_NAME = "地方創生人材育成伴走型支援事業"


class ConflictPolicy(Enum):
    """Which ties bar a reviewer from reviewing an application."""

    ORGANISATION = "organisation"
    ORGANISATION_AND_PREFECTURE = "organisation_and_prefecture"


@dataclass(frozen=True)
class SchemeParameters:
    """One version of the scheme's rules (DOMAIN.md, "The scheme" and "Money")."""

    max_annual_amount: int = 1_500_000
    max_grant_years: int = 3
    subsidy_rate: Decimal = Decimal("1")
    min_plan_years: int = 5
    min_reviews: int = 2
    withdrawal_period_days: int = 10
    report_due_days: int = 30
    report_latest_day: str = "04-10"
    repayment_period_days: int = 20
    additional_charge_rate: Decimal = Decimal("0.1095")
    late_charge_rate: Decimal = Decimal("0.1095")
    day_count_basis: int = 365
    conflict_policy: ConflictPolicy = ConflictPolicy.ORGANISATION
    review_criteria: tuple[str, ...] = (
        "necessity",
        "feasibility",
        "effectiveness",
        "sustainability",
        "cost",
    )

    def __post_init__(self) -> None:
        self._require_criteria()
        self._latest_report_day()
        self._require_positive_ints()
        self._require_rate("subsidy_rate", low_open=True, high_closed=True)
        self._require_rate("additional_charge_rate")
        self._require_rate("late_charge_rate")
        if self.day_count_basis not in (360, 365, 366):
            msg = f"day_count_basis must be 360, 365 or 366, not {self.day_count_basis!r}"
            raise InvalidValue(msg, field="day_count_basis", rule="scheme.parameters")
        if not isinstance(self.conflict_policy, ConflictPolicy):
            allowed = ", ".join(p.value for p in ConflictPolicy)
            msg = f"conflict_policy must be one of {allowed}, not {self.conflict_policy!r}"
            raise InvalidValue(msg, field="conflict_policy", rule="scheme.parameters")

    def _require_criteria(self) -> None:
        criteria = self.review_criteria
        valid = isinstance(criteria, tuple | list) and all(
            isinstance(c, str) and c.strip() for c in criteria
        )
        if not valid or not criteria or len(set(criteria)) != len(criteria):
            msg = f"review_criteria must name at least one criterion, each once, not {criteria!r}"
            raise InvalidValue(msg, field="review_criteria", rule="scheme.parameters")
        object.__setattr__(self, "review_criteria", tuple(criteria))

    def _require_rate(
        self, name: str, *, low_open: bool = False, high_closed: bool = False
    ) -> None:
        """Rates are exact decimals: a float would make yen arithmetic inexact."""
        rate = getattr(self, name)
        low = "above 0" if low_open else "from 0"
        high = "up to 1" if high_closed else "up to 1 (excluded)"
        in_range = isinstance(rate, Decimal) and (
            (rate > 0 if low_open else rate >= 0) and (rate <= 1 if high_closed else rate < 1)
        )
        if not in_range:
            msg = f"{name} must be a decimal {low} {high}, e.g. Decimal('0.5'), not {rate!r}"
            raise InvalidValue(msg, field=name, rule="scheme.parameters")

    def _latest_report_day(self) -> tuple[int, int]:
        try:
            month, day = (int(part) for part in str(self.report_latest_day).split("-"))
            date(2001, month, day)  # a common year: 02-29 would not exist every year
        except ValueError:
            msg = f"report_latest_day must be MM-DD, e.g. 04-10, not {self.report_latest_day!r}"
            raise InvalidValue(msg, field="report_latest_day", rule="scheme.parameters") from None
        return month, day

    def report_due_on(self, fiscal_year: int, activity_ends_on: date | None = None) -> date:
        """When the performance report for ``fiscal_year`` is due.

        ``report_due_days`` after the year's activity ends (by default the fiscal year's last
        day), and no later than ``report_latest_day`` of the next fiscal year.
        """
        ends = activity_ends_on or date(fiscal_year + 1, 3, 31)
        month, day = self._latest_report_day()
        # The first such day after the fiscal year ends (March 31 of fiscal_year + 1).
        latest_year = fiscal_year + 1 if month >= 4 else fiscal_year + 2
        return min(ends + timedelta(days=self.report_due_days), date(latest_year, month, day))

    def _require_positive_ints(self) -> None:
        for name in (
            "max_annual_amount",
            "max_grant_years",
            "min_plan_years",
            "min_reviews",
            "withdrawal_period_days",
            "report_due_days",
            "repayment_period_days",
        ):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                msg = f"{name} must be a whole number of at least 1, not {value!r}"
                raise InvalidValue(msg, field=name, rule="scheme.parameters")

    def changed(self, changes: dict[str, Any]) -> SchemeParameters:
        """A copy with ``changes`` applied, refusing unknown parameter names."""
        known = {f.name for f in dataclasses.fields(self)}
        for name in changes:
            if name not in known:
                msg = f"{name!r} is not a scheme parameter; known: {', '.join(sorted(known))}"
                raise InvalidValue(msg, field=name, rule="scheme.parameters")
        return dataclasses.replace(self, **changes)


class Scheme(Aggregate):
    """A grant scheme with its versioned parameters.

    ``parameters_version`` starts at 1 and grows by one with each change; ``parameters_at``
    returns the rules an application submitted under a given version is judged by.
    """

    @staticmethod
    def id_for(code: str) -> UUID:
        """The scheme's identity, derived from its code so that creation is idempotent."""
        return uuid5(NAMESPACE_URL, f"subsidy:scheme:{code}")

    @classmethod
    def register(
        cls, *, code: str, name: str, parameters: SchemeParameters, actor: Actor
    ) -> Scheme:
        """Create a scheme with its first parameter version."""
        actor.require(Role.SYSTEM, Role.ADMINISTRATOR)
        return cls(id=cls.id_for(code), code=code, name=name, parameters=parameters, actor=actor)

    @event("Registered")
    def __init__(
        self, *, id: UUID, code: str, name: str, parameters: SchemeParameters, actor: Actor
    ) -> None:
        self.code = code
        self.name = name
        self.history: list[SchemeParameters] = [parameters]

    @property
    def parameters(self) -> SchemeParameters:
        """The parameters in force now."""
        return self.history[-1]

    @property
    def parameters_version(self) -> int:
        """The number of the parameter version in force now."""
        return len(self.history)

    def parameters_at(self, version: int) -> SchemeParameters:
        """The parameters of ``version`` (1-based)."""
        if not 1 <= version <= len(self.history):
            msg = f"scheme {self.code} has no parameter version {version}"
            raise NotFound(msg, field="scheme_version")
        return self.history[version - 1]

    def change_parameters(self, *, changes: dict[str, Any], reason: str, actor: Actor) -> None:
        """Record a new parameter version; only an administrator may, and must say why."""
        actor.require(Role.ADMINISTRATOR)
        if not changes:
            raise InvalidValue("name at least one parameter to change", field="changes")
        if not reason.strip():
            msg = "a change of the scheme's parameters needs a reason"
            raise InvalidValue(msg, field="reason", rule="scheme.reason_required")
        new = self.parameters.changed(changes)
        changed = sorted(n for n in changes if getattr(new, n) != getattr(self.parameters, n))
        if not changed:
            msg = "the change leaves every parameter as it is"
            raise InvalidValue(msg, field="changes", rule="scheme.parameters")
        self._parameters_changed(
            parameters=new,
            changed=changed,
            reason=reason,
            rule=rules.SCHEME_CHANGE,
            actor=actor,
        )

    @event("ParametersChanged")
    def _parameters_changed(
        self,
        *,
        parameters: SchemeParameters,
        changed: list[str],
        reason: str,
        rule: str,
        actor: Actor,
    ) -> None:
        self.history.append(parameters)
