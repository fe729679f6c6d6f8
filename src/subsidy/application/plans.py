"""Use cases for Action Plans."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from subsidy.application.core import EngineCore
from subsidy.application.idempotency import use_case
from subsidy.application.views import PlanView
from subsidy.domain.action_plan import ActionPlan
from subsidy.domain.actor import Actor
from subsidy.domain.organisation import Organisation
from subsidy.domain.plan_content import PlanContent


class PlanUseCases(EngineCore):
    """Drafting, adopting, revising and excepting Action Plans."""

    @use_case
    def draft_action_plan(
        self,
        actor: Actor,
        *,
        owner_id: UUID,
        content: PlanContent,
        idempotency_key: str | None = None,
    ) -> UUID:
        """Start a plan for ``owner_id``; returns its id."""

        def action() -> tuple[list[ActionPlan], UUID]:
            self._load(Organisation, owner_id)
            for member_id in content.member_ids:
                self._load(Organisation, member_id)
            plan = ActionPlan.draft(owner_id=owner_id, content=content, actor=actor)
            return [plan], plan.id

        return self._execute("draft_action_plan", actor, idempotency_key, action)

    @use_case
    def update_action_plan_draft(
        self,
        actor: Actor,
        plan_id: UUID,
        *,
        content: PlanContent,
        expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> None:
        """Replace the content of a draft plan."""
        self._update(
            "update_action_plan_draft",
            actor,
            (ActionPlan, plan_id),
            lambda plan: plan.update_draft(content=content, actor=actor),
            expected_version=expected_version,
            idempotency_key=idempotency_key,
        )

    @use_case
    def adopt_action_plan(
        self,
        actor: Actor,
        plan_id: UUID,
        *,
        on: date | None = None,
        expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> int:
        """Adopt a draft plan; returns the adopted version (1)."""

        def change(aggregate: ActionPlan) -> int:
            parameters = self._default_scheme().parameters
            aggregate.adopt(on=self._dated(actor, on, "on"), parameters=parameters, actor=actor)
            return aggregate.current_version

        return self._update(
            "adopt_action_plan",
            actor,
            (ActionPlan, plan_id),
            change,
            expected_version=expected_version,
            idempotency_key=idempotency_key,
        )

    @use_case
    def revise_action_plan(
        self,
        actor: Actor,
        plan_id: UUID,
        *,
        content: PlanContent,
        reason: str,
        on: date | None = None,
        expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> int:
        """Adopt a new version of an adopted plan; returns the new version number."""

        def change(aggregate: ActionPlan) -> int:
            aggregate.revise(
                content=content,
                reason=reason,
                on=self._dated(actor, on, "on"),
                parameters=self._default_scheme().parameters,
                actor=actor,
            )
            return aggregate.current_version

        return self._update(
            "revise_action_plan",
            actor,
            (ActionPlan, plan_id),
            change,
            expected_version=expected_version,
            idempotency_key=idempotency_key,
        )

    @use_case
    def grant_plan_exception(
        self,
        actor: Actor,
        plan_id: UUID,
        *,
        reason: str,
        expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> None:
        """Let a plan be shorter than the scheme's minimum, with the administrator's reason."""
        self._update(
            "grant_plan_exception",
            actor,
            (ActionPlan, plan_id),
            lambda plan: plan.grant_exception(reason=reason, actor=actor),
            expected_version=expected_version,
            idempotency_key=idempotency_key,
        )

    def action_plan(self, plan_id: UUID) -> PlanView:
        """A plan's current state."""
        plan = self._load(ActionPlan, plan_id)
        return PlanView(
            id=plan.id,
            version=plan.version,
            owner_id=plan.owner_id,
            status=plan.status.value,
            content=plan.content,
            adopted_versions=plan.current_version,
            exception_reason=plan.exception_reason,
        )
