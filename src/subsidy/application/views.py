"""Small frozen results the service returns instead of aggregates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

from subsidy.domain.budget import YearAmount, YearBudget
from subsidy.domain.money import Calculation
from subsidy.domain.plan_content import PlanContent
from subsidy.domain.review import Review
from subsidy.domain.scheme import SchemeParameters


@dataclass(frozen=True)
class SchemeView:
    """A scheme and the parameter version in force."""

    id: UUID
    code: str
    name: str
    parameters_version: int
    parameters: SchemeParameters


@dataclass(frozen=True)
class ImportSummary:
    """What an agreements import recorded."""

    rows: int
    organisations_created: int
    agreements_created: int
    agreements_already_present: int


@dataclass(frozen=True)
class ApplicationView:
    """A grant application as its applicant, reviewers and approvers see it."""

    id: UUID
    version: int
    organisation_id: UUID
    member_ids: tuple[UUID, ...]
    title: str
    status: str
    plan_id: UUID
    plan_version: int
    years: tuple[YearBudget, ...]
    scheme_version: int | None
    submitted_on: date | None
    round: int
    reviewer_ids: tuple[str, ...]
    reviews: tuple[Review, ...]
    approval_id: UUID | None
    decision_reason: str | None


@dataclass(frozen=True)
class ApprovalView:
    """A grant decision and its amounts."""

    id: UUID
    version: int
    application_id: UUID
    organisation_id: UUID
    status: str
    amounts: tuple[YearAmount, ...]
    conditions: tuple[str, ...]
    notice_date: date
    total: int


@dataclass(frozen=True)
class OrganisationView:
    """An organisation's record."""

    id: UUID
    name: str
    kind: str
    prefecture: str | None
    local_government_code: str | None
    corporate_number: str | None
    member_ids: tuple[UUID, ...]


@dataclass(frozen=True)
class PlanView:
    """An Action Plan with its latest content and adopted versions."""

    id: UUID
    version: int
    owner_id: UUID
    status: str
    content: PlanContent
    adopted_versions: int
    exception_reason: str | None


@dataclass(frozen=True)
class OrderView:
    """A repayment order and what is owed on it."""

    number: int
    kind: str
    principal_ordered: int
    due_on: date
    principal_owed: int
    additional_charge_owed: int
    late_charge_owed: int


@dataclass(frozen=True)
class DisbursementView:
    """One approval's money in one fiscal year, as of a day."""

    id: UUID
    version: int
    approval_id: UUID
    fiscal_year: int
    decided: int
    paid: int
    determined: int | None
    held: int
    report_due_on: date
    reported: bool
    ended: str | None
    closed: bool
    as_of: date
    orders: tuple[OrderView, ...]

    @property
    def owed(self) -> int:
        """Everything owed back on ``as_of``."""
        return sum(
            o.principal_owed + o.additional_charge_owed + o.late_charge_owed for o in self.orders
        )


@dataclass(frozen=True)
class MoneyStep:
    """One money event of a disbursement year and the arithmetic stored on it."""

    version: int
    event: str
    recorded_at: datetime
    actor: str
    amount: int
    calculation: Calculation


@dataclass(frozen=True)
class AggregateState:
    """An aggregate as it stood after one of its events, replayed from the store."""

    id: UUID
    type: str
    version: int
    recorded_at: datetime
    latest_version: int
    state: dict[str, Any]
