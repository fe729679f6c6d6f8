"""Grant applications (交付申請): from draft through review to a decision."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from subsidy.domain import rules
from subsidy.domain.action_plan import ActionPlan
from subsidy.domain.actor import Actor, Role
from subsidy.domain.agreement import PartnershipAgreement
from subsidy.domain.approval import Approval, check_decided_amounts
from subsidy.domain.budget import YearAmount, YearBudget, check_budget
from subsidy.domain.errors import (
    InvalidValue,
    PermissionDenied,
    RuleViolation,
)
from subsidy.domain.review import (
    CONFLICT_RULE,
    ApplyingBody,
    Recommendation,
    Review,
    Reviewer,
    check_scores,
)
from subsidy.domain.scheme import SchemeParameters
from subsidy.domain.submission import check_agreement, check_plan, check_years
from subsidy.domain.workflow import ApplicationStatus, Command, next_status


class FourEyesViolation(RuleViolation):
    """The approver reviewed or submitted the application."""


class GrantApplication(Aggregate):
    """A request for a grant over one to ``max_grant_years`` consecutive fiscal years.

    The lead organisation applies, optionally with member bodies, for an adopted version of an
    Action Plan. Rules are checked in the public methods; the event methods only assign state.
    """

    @classmethod
    def draft(
        cls,
        *,
        organisation_id: UUID,
        member_ids: tuple[UUID, ...],
        title: str,
        purpose: str,
        plan_id: UUID,
        plan_version: int,
        years: tuple[YearBudget, ...],
        actor: Actor,
    ) -> GrantApplication:
        """Start an application for the actor's own organisation."""
        actor.require_applicant_for(organisation_id)
        cls._check_draft(organisation_id, member_ids, title, years)
        return cls(
            organisation_id=organisation_id,
            member_ids=list(member_ids),
            title=title,
            purpose=purpose,
            plan_id=plan_id,
            plan_version=plan_version,
            years=list(years),
            actor=actor,
        )

    @event("Drafted")
    def __init__(
        self,
        *,
        organisation_id: UUID,
        member_ids: list[UUID],
        title: str,
        purpose: str,
        plan_id: UUID,
        plan_version: int,
        years: list[YearBudget],
        actor: Actor,
    ) -> None:
        self.organisation_id = organisation_id
        self.member_ids = list(member_ids)
        self._set_content(title, purpose, plan_id, plan_version, years)
        self.status = ApplicationStatus.DRAFT
        self.scheme_id: UUID | None = None
        self.scheme_version: int | None = None
        self.submitted_on: date | None = None
        self.submitter_ids: list[str] = []
        self.round = 0
        self.reviewer_ids: list[str] = []
        self.former_reviewer_ids: list[str] = []
        self.reviews: list[Review] = []
        self.approval_id: UUID | None = None
        self.decision_reason: str | None = None

    def _set_content(
        self, title: str, purpose: str, plan_id: UUID, plan_version: int, years: list[YearBudget]
    ) -> None:
        self.title = title
        self.purpose = purpose
        self.plan_id = plan_id
        self.plan_version = plan_version
        self.years = sorted(years, key=lambda y: y.fiscal_year)

    @staticmethod
    def _check_draft(
        organisation_id: UUID,
        member_ids: tuple[UUID, ...],
        title: str,
        years: tuple[YearBudget, ...],
    ) -> None:
        if not title.strip():
            raise InvalidValue("an application needs a title", field="title")
        if organisation_id in member_ids:
            raise InvalidValue("the lead body is not also a member", field="member_ids")
        check_budget(years)

    @property
    def requested(self) -> dict[int, int]:
        """The grant requested per fiscal year."""
        return {y.fiscal_year: y.requested for y in self.years}

    def bodies(self) -> list[UUID]:
        """The lead organisation followed by its member bodies."""
        return [self.organisation_id, *self.member_ids]

    # Drafting and submission -------------------------------------------------------------

    def update_draft(
        self,
        *,
        title: str,
        purpose: str,
        plan_id: UUID,
        plan_version: int,
        years: tuple[YearBudget, ...],
        actor: Actor,
    ) -> None:
        """Change a draft, or an application returned for revision."""
        actor.require_applicant_for(self.organisation_id)
        next_status(self.status, Command.EDIT)
        self._check_draft(self.organisation_id, tuple(self.member_ids), title, years)
        self._draft_updated(
            title=title,
            purpose=purpose,
            plan_id=plan_id,
            plan_version=plan_version,
            years=list(years),
            actor=actor,
        )

    @event("DraftUpdated")
    def _draft_updated(
        self,
        *,
        title: str,
        purpose: str,
        plan_id: UUID,
        plan_version: int,
        years: list[YearBudget],
        actor: Actor,
    ) -> None:
        self._set_content(title, purpose, plan_id, plan_version, years)

    def submit(
        self,
        *,
        on: date,
        scheme_id: UUID,
        scheme_version: int,
        parameters: SchemeParameters,
        plan: ActionPlan,
        agreements: list[PartnershipAgreement],
        actor: Actor,
    ) -> None:
        """Submit (or, after a return, resubmit) under the scheme version in force now.

        Args:
            on: The submission date.
            scheme_id: The scheme applied to.
            scheme_version: The parameter version in force at submission.
            parameters: That version's parameters.
            plan: The Action Plan the application pins.
            agreements: The partnership agreements the lead organisation is a party to.
            actor: The submitting applicant.
        """
        actor.require_applicant_for(self.organisation_id)
        resubmission = self.status is ApplicationStatus.RETURNED
        next_status(self.status, Command.RESUBMIT if resubmission else Command.SUBMIT)
        check_agreement(self.organisation_id, on, agreements)
        content = check_plan(
            plan,
            pinned=(self.plan_id, self.plan_version),
            organisation_id=self.organisation_id,
            on=on,
            parameters=parameters,
        )
        check_years(self.years, content, parameters)
        trigger = self._resubmitted if resubmission else self._submitted
        trigger(
            submitted_on=on,
            scheme_id=scheme_id,
            scheme_version=scheme_version,
            rule=rules.APPLICATION,
            actor=actor,
        )

    @event("Submitted")
    def _submitted(
        self, *, submitted_on: date, scheme_id: UUID, scheme_version: int, rule: str, actor: Actor
    ) -> None:
        self._start_round(submitted_on, scheme_id, scheme_version, actor)

    @event("Resubmitted")
    def _resubmitted(
        self, *, submitted_on: date, scheme_id: UUID, scheme_version: int, rule: str, actor: Actor
    ) -> None:
        self._start_round(submitted_on, scheme_id, scheme_version, actor)

    def _start_round(
        self, submitted_on: date, scheme_id: UUID, scheme_version: int, actor: Actor
    ) -> None:
        self.status = ApplicationStatus.SUBMITTED
        self.submitted_on = submitted_on
        self.scheme_id = scheme_id
        self.scheme_version = scheme_version
        if actor.user_id not in self.submitter_ids:
            self.submitter_ids.append(actor.user_id)
        self.round += 1
        self.former_reviewer_ids.extend(self.reviewer_ids)
        self.reviewer_ids = []
        self.reviews = []

    def withdraw(self, *, reason: str, actor: Actor) -> None:
        """The applicant withdraws the application before a decision."""
        actor.require_applicant_for(self.organisation_id)
        next_status(self.status, Command.WITHDRAW)
        if not reason.strip():
            raise InvalidValue("a withdrawal needs a reason", field="reason")
        self._withdrawn(reason=reason, rule=rules.APPLICATION_WITHDRAWAL, actor=actor)

    @event("Withdrawn")
    def _withdrawn(self, *, reason: str, rule: str, actor: Actor) -> None:
        self.status = ApplicationStatus.WITHDRAWN

    # Review ------------------------------------------------------------------------------

    def assign_reviewer(
        self,
        *,
        reviewer: Reviewer,
        bodies: list[ApplyingBody],
        on: date,
        parameters: SchemeParameters,
        actor: Actor,
    ) -> None:
        """Assign a reviewer who is independent of every applying body (administrators)."""
        actor.require(Role.ADMINISTRATOR)
        next_status(self.status, Command.ASSIGN_REVIEWER)
        if reviewer.user_id in self.reviewer_ids:
            msg = f"{reviewer.user_id} is already assigned to this application"
            raise RuleViolation(msg, field="reviewer_id", rule="review.once")
        if reviewer.user_id in self.submitter_ids:
            msg = f"{reviewer.user_id} submitted this application and cannot review it"
            raise RuleViolation(msg, field="reviewer_id", rule=CONFLICT_RULE)
        reviewer.check_independent_of(bodies, parameters)
        self._reviewer_assigned(
            reviewer_id=reviewer.user_id,
            assigned_on=on,
            rule=rules.CONFLICT_OF_INTEREST,
            actor=actor,
        )

    @event("ReviewerAssigned")
    def _reviewer_assigned(
        self, *, reviewer_id: str, assigned_on: date, rule: str, actor: Actor
    ) -> None:
        self.status = ApplicationStatus.UNDER_REVIEW
        self.reviewer_ids.append(reviewer_id)

    def record_review(
        self,
        *,
        scores: dict[str, int],
        recommendation: Recommendation,
        comment: str,
        parameters: SchemeParameters,
        actor: Actor,
    ) -> None:
        """Record the actor's one review of this round."""
        actor.require(Role.REVIEWER)
        next_status(self.status, Command.REVIEW)
        if actor.user_id not in self.reviewer_ids:
            msg = f"{actor.user_id} is not assigned to review this application"
            raise PermissionDenied(msg, field="reviewer_id", rule="review.assigned")
        if any(r.reviewer_id == actor.user_id for r in self.reviews):
            msg = f"{actor.user_id} has already reviewed this application"
            raise RuleViolation(msg, field="reviewer_id", rule="review.once")
        check_scores(scores, parameters)
        review = Review(actor.user_id, dict(scores), recommendation, comment)
        self._review_recorded(review=review, actor=actor)

    @event("ReviewRecorded")
    def _review_recorded(self, *, review: Review, actor: Actor) -> None:
        self.reviews.append(review)

    # Decision ----------------------------------------------------------------------------

    def approve(
        self,
        *,
        amounts: tuple[YearAmount, ...],
        conditions: tuple[str, ...],
        reason: str,
        notice_date: date,
        parameters: SchemeParameters,
        actor: Actor,
    ) -> Approval:
        """Decide to grant (交付決定); returns the new Approval to save with this one."""
        self._check_decision(Command.APPROVE, actor)
        self._check_enough_reviews(parameters)
        check_decided_amounts(amounts, parameters, self.requested)
        assert self.submitted_on is not None
        if notice_date < self.submitted_on:
            msg = (
                f"the notice date {notice_date.isoformat()} is before the submission "
                f"({self.submitted_on.isoformat()})"
            )
            raise InvalidValue(msg, field="notice_date", rule="decision.notice_date")
        assert self.scheme_id is not None
        assert self.scheme_version is not None
        approval_id = Approval.id_for(self.id)
        self._approved(
            approval_id=approval_id,
            amounts=list(amounts),
            reason=reason,
            rule=rules.GRANT_DECISION,
            actor=actor,
        )
        return Approval(
            id=approval_id,
            application_id=self.id,
            organisation_id=self.organisation_id,
            scheme_id=self.scheme_id,
            scheme_version=self.scheme_version,
            amounts=list(amounts),
            conditions=list(conditions),
            reason=reason,
            notice_date=notice_date,
            rule=rules.GRANT_DECISION,
            actor=actor,
        )

    @event("Approved")
    def _approved(
        self, *, approval_id: UUID, amounts: list[YearAmount], reason: str, rule: str, actor: Actor
    ) -> None:
        self.status = ApplicationStatus.APPROVED
        self.approval_id = approval_id
        self.decision_reason = reason

    def reject(self, *, reason: str, on: date, parameters: SchemeParameters, actor: Actor) -> None:
        """Decide not to grant, with a reason the applicant sees."""
        self._check_decision(Command.REJECT, actor)
        self._check_enough_reviews(parameters)
        self._require_reason(reason)
        self._rejected(reason=reason, decided_on=on, rule=rules.GRANT_DECISION, actor=actor)

    @event("Rejected")
    def _rejected(self, *, reason: str, decided_on: date, rule: str, actor: Actor) -> None:
        self.status = ApplicationStatus.REJECTED
        self.decision_reason = reason

    def return_for_revision(self, *, reason: str, on: date, actor: Actor) -> None:
        """Send the application back to the applicant to revise and resubmit."""
        self._check_decision(Command.RETURN, actor)
        self._require_reason(reason)
        self._returned(reason=reason, decided_on=on, rule=rules.RETURN_FOR_REVISION, actor=actor)

    @event("Returned")
    def _returned(self, *, reason: str, decided_on: date, rule: str, actor: Actor) -> None:
        self.status = ApplicationStatus.RETURNED
        self.decision_reason = reason

    def _check_decision(self, command: Command, actor: Actor) -> None:
        actor.require(Role.APPROVER)
        next_status(self.status, command)
        self.require_independent_approver(actor)

    def require_independent_approver(self, actor: Actor) -> None:
        """Four-eyes: refuse an approver who reviewed or submitted this application."""
        actor.require(Role.APPROVER)
        if actor.user_id in self.reviewer_ids or actor.user_id in self.former_reviewer_ids:
            msg = f"{actor.user_id} reviewed this application and cannot decide it (four-eyes)"
            raise FourEyesViolation(msg, field="actor", rule="decision.four_eyes")
        if actor.user_id in self.submitter_ids:
            msg = f"{actor.user_id} submitted this application and cannot decide it (four-eyes)"
            raise FourEyesViolation(msg, field="actor", rule="decision.four_eyes")

    def _check_enough_reviews(self, parameters: SchemeParameters) -> None:
        if len(self.reviews) < parameters.min_reviews:
            msg = (
                f"the application has {len(self.reviews)} review(s); the scheme asks for at "
                f"least {parameters.min_reviews} before a decision"
            )
            raise RuleViolation(msg, field="reviews", rule="scheme.min_reviews")

    @staticmethod
    def _require_reason(reason: str) -> None:
        if not reason.strip():
            msg = "the applicant must be told the reason"
            raise InvalidValue(msg, field="reason", rule="decision.reason")
