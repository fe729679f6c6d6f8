"""Use cases for grant applications: drafting, submission, review and decision."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from eventsourcing.domain import Aggregate

from subsidy.application.core import EngineCore, event_topic
from subsidy.application.idempotency import use_case
from subsidy.application.views import ApplicationView
from subsidy.domain.action_plan import ActionPlan
from subsidy.domain.actor import Actor
from subsidy.domain.agreement import PartnershipAgreement
from subsidy.domain.budget import YearAmount, YearBudget
from subsidy.domain.errors import NotFound
from subsidy.domain.grant_application import GrantApplication
from subsidy.domain.organisation import Organisation
from subsidy.domain.review import ApplyingBody, Recommendation, Reviewer
from subsidy.domain.scheme import Scheme, SchemeParameters


class ApplicationUseCases(EngineCore):
    """Everything from a draft application to the grant decision."""

    @use_case
    def draft_application(
        self,
        actor: Actor,
        *,
        organisation_id: UUID,
        title: str,
        plan_id: UUID,
        plan_version: int,
        years: tuple[YearBudget, ...],
        purpose: str = "",
        member_ids: tuple[UUID, ...] = (),
        idempotency_key: str | None = None,
    ) -> UUID:
        """Start an application for the actor's organisation; returns its id."""

        def action() -> tuple[list[GrantApplication], UUID]:
            for body_id in (organisation_id, *member_ids):
                self._load(Organisation, body_id)
            self._own_plan(plan_id, organisation_id)
            application = GrantApplication.draft(
                organisation_id=organisation_id,
                member_ids=member_ids,
                title=title,
                purpose=purpose,
                plan_id=plan_id,
                plan_version=plan_version,
                years=years,
                actor=actor,
            )
            return [application], application.id

        return self._execute("draft_application", actor, idempotency_key, action)

    @use_case
    def update_application_draft(
        self,
        actor: Actor,
        application_id: UUID,
        *,
        title: str,
        plan_id: UUID,
        plan_version: int,
        years: tuple[YearBudget, ...],
        purpose: str = "",
        expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> None:
        """Change a draft or a returned application."""

        def change(aggregate: GrantApplication) -> None:
            self._own_plan(plan_id, aggregate.organisation_id)
            aggregate.update_draft(
                title=title,
                purpose=purpose,
                plan_id=plan_id,
                plan_version=plan_version,
                years=years,
                actor=actor,
            )

        self._update(
            "update_application_draft",
            actor,
            (GrantApplication, application_id),
            change,
            expected_version=expected_version,
            idempotency_key=idempotency_key,
        )

    @use_case
    def submit_application(
        self,
        actor: Actor,
        application_id: UUID,
        *,
        on: date | None = None,
        expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> int:
        """Submit (or resubmit) under the scheme version in force; returns that version."""

        def change(aggregate: GrantApplication) -> int:
            scheme = self._default_scheme()
            aggregate.submit(
                on=self._dated(actor, on, "on"),
                scheme_id=scheme.id,
                scheme_version=scheme.parameters_version,
                parameters=scheme.parameters,
                plan=self._load(ActionPlan, aggregate.plan_id),
                agreements=self._agreements_of(aggregate.organisation_id),
                actor=actor,
            )
            return scheme.parameters_version

        return self._update(
            "submit_application",
            actor,
            (GrantApplication, application_id),
            change,
            expected_version=expected_version,
            idempotency_key=idempotency_key,
        )

    @use_case
    def withdraw_application(
        self,
        actor: Actor,
        application_id: UUID,
        *,
        reason: str,
        expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> None:
        """Withdraw an application before it is decided."""
        self._update(
            "withdraw_application",
            actor,
            (GrantApplication, application_id),
            lambda a: a.withdraw(reason=reason, actor=actor),
            expected_version=expected_version,
            idempotency_key=idempotency_key,
        )

    @use_case
    def assign_reviewer(
        self,
        actor: Actor,
        application_id: UUID,
        *,
        reviewer_user_id: str,
        expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> None:
        """Assign a registered reviewer, refused on a conflict of interest."""

        def change(aggregate: GrantApplication) -> None:
            reviewer = self._load(Reviewer, Reviewer.id_for(reviewer_user_id))
            bodies = [
                ApplyingBody(body_id, body.name, body.prefecture)
                for body_id in aggregate.bodies()
                for body in [self._load(Organisation, body_id)]
            ]
            aggregate.assign_reviewer(
                reviewer=reviewer,
                bodies=bodies,
                on=self.today(),
                parameters=self._judged_under(aggregate),
                actor=actor,
            )

        self._update(
            "assign_reviewer",
            actor,
            (GrantApplication, application_id),
            change,
            expected_version=expected_version,
            idempotency_key=idempotency_key,
        )

    @use_case
    def record_review(
        self,
        actor: Actor,
        application_id: UUID,
        *,
        scores: dict[str, int],
        recommendation: Recommendation,
        comment: str,
        expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> None:
        """Record the acting reviewer's scores, recommendation and comment."""

        def change(aggregate: GrantApplication) -> None:
            aggregate.record_review(
                scores=scores,
                recommendation=recommendation,
                comment=comment,
                parameters=self._judged_under(aggregate),
                actor=actor,
            )

        self._update(
            "record_review",
            actor,
            (GrantApplication, application_id),
            change,
            expected_version=expected_version,
            idempotency_key=idempotency_key,
        )

    @use_case
    def approve_application(
        self,
        actor: Actor,
        application_id: UUID,
        *,
        amounts: tuple[YearAmount, ...],
        reason: str,
        conditions: tuple[str, ...] = (),
        notice_date: date | None = None,
        expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> UUID:
        """Decide to grant (交付決定); returns the approval's id."""

        def action() -> tuple[list[Aggregate], UUID]:
            application = self._load(
                GrantApplication, application_id, expected_version=expected_version
            )
            parameters = self._judged_under(application)
            approval = application.approve(
                amounts=amounts,
                conditions=conditions,
                reason=reason,
                notice_date=notice_date or self.today(),
                parameters=parameters,
                actor=actor,
            )
            changed: list[Aggregate] = [application, approval]
            for year in approval.amounts:
                changed += self._fund_year(approval, year.fiscal_year, 0, year.amount, actor)
            return changed, approval.id

        return self._execute("approve_application", actor, idempotency_key, action)

    @use_case
    def reject_application(
        self,
        actor: Actor,
        application_id: UUID,
        *,
        reason: str,
        expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> None:
        """Decide not to grant, telling the applicant why."""

        def change(aggregate: GrantApplication) -> None:
            aggregate.reject(
                reason=reason,
                on=self.today(),
                parameters=self._judged_under(aggregate),
                actor=actor,
            )

        self._update(
            "reject_application",
            actor,
            (GrantApplication, application_id),
            change,
            expected_version=expected_version,
            idempotency_key=idempotency_key,
        )

    @use_case
    def return_application(
        self,
        actor: Actor,
        application_id: UUID,
        *,
        reason: str,
        expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> None:
        """Return the application to the applicant for revision."""
        self._update(
            "return_application",
            actor,
            (GrantApplication, application_id),
            lambda a: a.return_for_revision(reason=reason, on=self.today(), actor=actor),
            expected_version=expected_version,
            idempotency_key=idempotency_key,
        )

    def application(self, application_id: UUID) -> ApplicationView:
        """An application as its applicant, reviewers and approvers see it."""
        a = self._load(GrantApplication, application_id)
        return ApplicationView(
            id=a.id,
            version=a.version,
            organisation_id=a.organisation_id,
            member_ids=tuple(a.member_ids),
            title=a.title,
            status=a.status.value,
            plan_id=a.plan_id,
            plan_version=a.plan_version,
            years=tuple(a.years),
            scheme_version=a.scheme_version,
            submitted_on=a.submitted_on,
            round=a.round,
            reviewer_ids=tuple(a.reviewer_ids),
            reviews=tuple(a.reviews),
            approval_id=a.approval_id,
            decision_reason=a.decision_reason,
        )

    def _own_plan(self, plan_id: UUID, organisation_id: UUID) -> None:
        """Refuse a plan that is not the organisation's own: another's is as good as missing."""
        owner_id: UUID = self._read(ActionPlan, plan_id, lambda plan: plan.owner_id)
        if owner_id != organisation_id:
            raise NotFound(f"no ActionPlan with id {plan_id}", field="plan_id")

    def _judged_under(self, application: GrantApplication) -> SchemeParameters:
        """The parameters of the scheme version the application was submitted under."""
        if application.scheme_id is None or application.scheme_version is None:
            return self._default_scheme().parameters
        scheme = self._load(Scheme, application.scheme_id)
        return scheme.parameters_at(application.scheme_version)

    def _agreements_of(self, organisation_id: UUID) -> list[PartnershipAgreement]:
        signed = event_topic(PartnershipAgreement, "Signed")
        return [
            self._load(PartnershipAgreement, event.originator_id)
            for event in self._scan([signed])
            if organisation_id in event.party_ids
        ]
