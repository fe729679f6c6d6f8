"""JSON transcodings for the domain's value objects, enums and dates.

The domain stays free of persistence code; this module teaches the event store's JSON
transcoder how to write and read each value type the events carry.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from enum import Enum
from typing import Any

from eventsourcing.persistence import JSONTranscoder, Transcoding

from subsidy.domain.action_plan import PlanStatus
from subsidy.domain.actor import Actor, Role
from subsidy.domain.approval import ApprovalStatus
from subsidy.domain.budget import CostCategory, CostLine, YearAmount, YearBudget
from subsidy.domain.charges import Receipt
from subsidy.domain.disbursement_values import Payment, PaymentKind, PerformanceReport
from subsidy.domain.money import Calculation
from subsidy.domain.organisation_names import OrganisationKind
from subsidy.domain.plan_content import (
    Component,
    DeliveryMode,
    Indicator,
    Measure,
    ParticipantGroup,
    PlanContent,
    TargetRole,
)
from subsidy.domain.repayment import Allocation, OrderKind, RepaymentOrder, RepaymentReceived
from subsidy.domain.review import Recommendation, Review
from subsidy.domain.scheme import ConflictPolicy, SchemeParameters
from subsidy.domain.workflow import ApplicationStatus

VALUE_TYPES: tuple[type[Any], ...] = (
    Actor,
    SchemeParameters,
    PlanContent,
    Measure,
    Indicator,
    CostLine,
    YearBudget,
    YearAmount,
    Review,
    Payment,
    PerformanceReport,
    Receipt,
    RepaymentOrder,
    Allocation,
    RepaymentReceived,
    Calculation,
)

ENUM_TYPES: tuple[type[Enum], ...] = (
    Role,
    OrganisationKind,
    ConflictPolicy,
    PlanStatus,
    TargetRole,
    ParticipantGroup,
    Component,
    DeliveryMode,
    CostCategory,
    Recommendation,
    ApplicationStatus,
    ApprovalStatus,
    PaymentKind,
    OrderKind,
)


class DateAsISO(Transcoding):
    """A calendar date as ``YYYY-MM-DD``."""

    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


class EnumAsValue(Transcoding):
    """An enum member as its value, under the enum's name."""

    def __init__(self, enum_type: type[Enum]) -> None:
        self.type = enum_type
        self.name = f"enum:{enum_type.__name__}"

    def encode(self, obj: Enum) -> Any:
        return obj.value

    def decode(self, data: Any) -> Enum:
        member: Enum = self.type(data)
        return member


class DataclassAsDict(Transcoding):
    """A frozen dataclass as a dict of its fields; JSON arrays come back as tuples."""

    def __init__(self, value_type: type[Any]) -> None:
        self.type = value_type
        self.name = f"value:{value_type.__name__}"

    def encode(self, obj: Any) -> dict[str, Any]:
        return {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)}

    def decode(self, data: dict[str, Any]) -> Any:
        fields = {k: tuple(v) if isinstance(v, list) else v for k, v in data.items()}
        return self.type(**fields)


def register_domain_transcodings(transcoder: JSONTranscoder) -> None:
    """Register every value type, enum and date the domain's events carry."""
    transcoder.register(DateAsISO())
    for enum_type in ENUM_TYPES:
        transcoder.register(EnumAsValue(enum_type))
    for value_type in VALUE_TYPES:
        transcoder.register(DataclassAsDict(value_type))
