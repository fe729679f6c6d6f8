"""Action Plans (アクションプラン): the prerequisite every application pins."""

from __future__ import annotations

from datetime import date
from enum import Enum
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from subsidy.domain import rules
from subsidy.domain.actor import Actor, Role
from subsidy.domain.errors import InvalidValue, NotFound, RuleViolation, TransitionNotAllowed
from subsidy.domain.plan_content import PlanContent
from subsidy.domain.scheme import SchemeParameters


class PlanStatus(Enum):
    """Where a plan stands: being written, or adopted (possibly revised since)."""

    DRAFT = "draft"
    ADOPTED = "adopted"
    REVISED = "revised"


class PlanTooShort(RuleViolation):
    """A plan shorter than the scheme's minimum, without an administrator's exception."""


def _check_content(owner_id: UUID, content: PlanContent) -> None:
    content.check()
    if owner_id in content.member_ids:
        raise InvalidValue("the owner is not its own constituent body", field="member_ids")


class ActionPlan(Aggregate):
    """An organisation's multi-year HR-development plan.

    Adoption freezes version 1; each revision freezes the next version with its reason.
    Applications pin one adopted version, which never changes afterwards.
    """

    @event("Drafted")
    def __init__(self, *, owner_id: UUID, content: PlanContent, actor: Actor) -> None:
        self.owner_id = owner_id
        self.content = content
        self.status = PlanStatus.DRAFT
        # A list, not a dict: snapshots store state as JSON, whose keys are strings.
        self.versions: list[PlanContent] = []
        self.version_dates: list[date] = []
        self.exception_reason: str | None = None

    @classmethod
    def draft(cls, *, owner_id: UUID, content: PlanContent, actor: Actor) -> ActionPlan:
        """Start a plan for ``owner_id``; applicants draft only for their own organisation."""
        actor.require_applicant_for(owner_id)
        _check_content(owner_id, content)
        return cls(owner_id=owner_id, content=content, actor=actor)

    @property
    def current_version(self) -> int:
        """The latest adopted version (0 while the plan is a draft)."""
        return len(self.versions)

    def adopted_version(self, number: int) -> PlanContent:
        """The content of adopted version ``number``."""
        if not 1 <= number <= len(self.versions):
            msg = f"the Action Plan has no adopted version {number}"
            raise NotFound(msg, field="plan_version")
        return self.versions[number - 1]

    def adopted_on(self, number: int) -> date:
        """The day version ``number`` was adopted."""
        self.adopted_version(number)
        return self.version_dates[number - 1]

    def is_long_enough(self, content: PlanContent, parameters: SchemeParameters) -> bool:
        """Whether ``content`` meets the scheme's horizon, or an exception covers the plan."""
        return content.years >= parameters.min_plan_years or self.exception_reason is not None

    def update_draft(self, *, content: PlanContent, actor: Actor) -> None:
        """Replace the content of a plan not yet adopted."""
        actor.require_applicant_for(self.owner_id)
        if self.status is not PlanStatus.DRAFT:
            msg = "an adopted plan changes only by revision, with a reason"
            raise TransitionNotAllowed(msg)
        _check_content(self.owner_id, content)
        self._draft_updated(content=content, actor=actor)

    @event("DraftUpdated")
    def _draft_updated(self, *, content: PlanContent, actor: Actor) -> None:
        self.content = content

    def grant_exception(self, *, reason: str, actor: Actor) -> None:
        """Allow this plan to be shorter than the scheme's minimum (administrators only)."""
        actor.require(Role.ADMINISTRATOR)
        if not reason.strip():
            msg = "an exception to the plan horizon needs a recorded reason"
            raise InvalidValue(msg, field="reason", rule="scheme.min_plan_years")
        if self.exception_reason is not None:
            raise TransitionNotAllowed("the plan already has an exception")
        self._exception_granted(reason=reason, rule=rules.PLAN_EXCEPTION, actor=actor)

    @event("ExceptionGranted")
    def _exception_granted(self, *, reason: str, rule: str, actor: Actor) -> None:
        self.exception_reason = reason

    def adopt(self, *, on: date, parameters: SchemeParameters, actor: Actor) -> None:
        """Adopt the draft as version 1."""
        actor.require_applicant_for(self.owner_id)
        if self.status is not PlanStatus.DRAFT:
            raise TransitionNotAllowed("the plan is already adopted; revise it instead")
        self._require_horizon(self.content, parameters)
        self._adopted(adopted_on=on, version_number=1, actor=actor)

    @event("Adopted")
    def _adopted(self, *, adopted_on: date, version_number: int, actor: Actor) -> None:
        self.status = PlanStatus.ADOPTED
        self.versions.append(self.content)
        self.version_dates.append(adopted_on)

    def revise(
        self,
        *,
        content: PlanContent,
        reason: str,
        on: date,
        parameters: SchemeParameters,
        actor: Actor,
    ) -> None:
        """Adopt a new version of an adopted plan, with the reason for the change."""
        actor.require_applicant_for(self.owner_id)
        if self.status is PlanStatus.DRAFT:
            raise TransitionNotAllowed("a draft is edited, not revised; adopt it first")
        if not reason.strip():
            raise InvalidValue("a revision needs a reason", field="reason")
        _check_content(self.owner_id, content)
        self._require_horizon(content, parameters)
        self._revised(
            content=content,
            reason=reason,
            revised_on=on,
            version_number=self.current_version + 1,
            actor=actor,
        )

    @event("Revised")
    def _revised(
        self,
        *,
        content: PlanContent,
        reason: str,
        revised_on: date,
        version_number: int,
        actor: Actor,
    ) -> None:
        self.content = content
        self.status = PlanStatus.REVISED
        self.versions.append(content)
        self.version_dates.append(revised_on)

    def _require_horizon(self, content: PlanContent, parameters: SchemeParameters) -> None:
        if not self.is_long_enough(content, parameters):
            msg = (
                f"the plan covers {content.years} fiscal years; the scheme asks for at least "
                f"{parameters.min_plan_years} unless an administrator records an exception"
            )
            raise PlanTooShort(msg, field="last_fiscal_year", rule="scheme.min_plan_years")
