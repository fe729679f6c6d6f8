"""The scheme and its parameters, versioned as data.

The Center changes the scheme's parameters between years. Each change is an event that yields a
new parameter version; an application records the version it was judged under, and every later
rule about that application reads that version, not today's.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
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
        object.__setattr__(self, "review_criteria", tuple(self.review_criteria))
        self._require_positive_ints()
        if not Decimal(0) < self.subsidy_rate <= Decimal(1):
            msg = f"subsidy_rate must be above 0 and at most 1, not {self.subsidy_rate}"
            raise InvalidValue(msg, field="subsidy_rate", rule="scheme.parameters")
        for name in ("additional_charge_rate", "late_charge_rate"):
            if not Decimal(0) <= getattr(self, name) < Decimal(1):
                msg = f"{name} must be a yearly rate from 0 up to 1, not {getattr(self, name)}"
                raise InvalidValue(msg, field=name, rule="scheme.parameters")
        if self.day_count_basis not in (360, 365, 366):
            msg = f"day_count_basis must be 360, 365 or 366, not {self.day_count_basis}"
            raise InvalidValue(msg, field="day_count_basis", rule="scheme.parameters")
        if not self.review_criteria or len(set(self.review_criteria)) != len(self.review_criteria):
            msg = "review_criteria must name at least one criterion, each once"
            raise InvalidValue(msg, field="review_criteria", rule="scheme.parameters")

    def _require_positive_ints(self) -> None:
        for name in (
            "max_annual_amount",
            "max_grant_years",
            "min_plan_years",
            "min_reviews",
            "withdrawal_period_days",
            "report_due_days",
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
        self._parameters_changed(
            parameters=new,
            changed=sorted(changes),
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
