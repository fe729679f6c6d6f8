"""Use cases after the grant decision: amendment, revocation and withdrawal."""

from __future__ import annotations

from datetime import date, timedelta
from uuid import UUID

from eventsourcing.domain import Aggregate

from subsidy.application.core import EngineCore
from subsidy.application.idempotency import use_case
from subsidy.application.views import ApprovalView
from subsidy.domain.actor import Actor
from subsidy.domain.approval import Approval
from subsidy.domain.budget import YearAmount
from subsidy.domain.disbursement import AnnualDisbursement
from subsidy.domain.fiscal_budget import FiscalBudget
from subsidy.domain.grant_application import GrantApplication


class ApprovalUseCases(EngineCore):
    """Changing, revoking and withdrawing grant decisions."""

    @use_case
    def amend_approval(
        self,
        actor: Actor,
        approval_id: UUID,
        *,
        amounts: tuple[YearAmount, ...],
        reason: str,
        expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> None:
        """Approve a change of the decided amounts (変更承認)."""

        def action() -> tuple[list[Aggregate], None]:
            approval = self._load(Approval, approval_id, expected_version=expected_version)
            before = {a.fiscal_year: a.amount for a in approval.amounts}
            application = self._load(GrantApplication, approval.application_id)
            application.require_independent_approver(actor)
            approval.amend(
                amounts=amounts,
                reason=reason,
                parameters=self._parameters_of(approval),
                requested=application.requested,
                actor=actor,
            )
            after = {a.fiscal_year: a.amount for a in approval.amounts}
            changed: list[Aggregate] = [approval]
            for fiscal_year in sorted(before.keys() | after.keys()):
                old, new = before.get(fiscal_year, 0), after.get(fiscal_year, 0)
                if old != new:
                    changed += self._fund_year(approval, fiscal_year, old, new, actor)
            return changed, None

        self._execute("amend_approval", actor, idempotency_key, action)

    @use_case
    def revoke_approval(
        self,
        actor: Actor,
        approval_id: UUID,
        *,
        ground: str,
        on: date | None = None,
        repayment_due_on: date | None = None,
        expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> None:
        """Revoke a grant decision (取消): everything paid is ordered back, with 加算金."""

        def action() -> tuple[list[Aggregate], None]:
            approval = self._load(Approval, approval_id, expected_version=expected_version)
            day = on or self.today()
            self._load(GrantApplication, approval.application_id).require_independent_approver(
                actor
            )
            approval.revoke(on=day, ground=ground, actor=actor)
            parameters = self._parameters_of(approval)
            due_on = repayment_due_on or day + timedelta(days=parameters.repayment_period_days)
            changed: list[Aggregate] = [approval]
            for year in self._years_of(approval):
                year.revoke(on=day, due_on=due_on, parameters=parameters, actor=actor)
                changed.append(year)
            return [*changed, *self._release_all(approval, "交付決定の取消", actor)], None

        self._execute("revoke_approval", actor, idempotency_key, action)

    @use_case
    def withdraw_approval(
        self,
        actor: Actor,
        approval_id: UUID,
        *,
        reason: str,
        on: date | None = None,
        expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> None:
        """The applicant withdraws (取下げ) within the scheme's period after the notice."""

        def action() -> tuple[list[Aggregate], None]:
            approval = self._load(Approval, approval_id, expected_version=expected_version)
            day = self._dated(actor, on, "on")
            approval.withdraw(
                on=day, reason=reason, parameters=self._parameters_of(approval), actor=actor
            )
            changed: list[Aggregate] = [approval]
            for year in self._years_of(approval):
                year.withdraw(on=day, actor=actor)
                changed.append(year)
            return [*changed, *self._release_all(approval, "交付申請の取下げ", actor)], None

        self._execute("withdraw_approval", actor, idempotency_key, action)

    def approval(self, approval_id: UUID) -> ApprovalView:
        """A grant decision and its amounts."""
        a = self._load(Approval, approval_id)
        return ApprovalView(
            id=a.id,
            version=a.version,
            application_id=a.application_id,
            organisation_id=a.organisation_id,
            status=a.status.value,
            amounts=tuple(a.amounts),
            conditions=tuple(a.conditions),
            notice_date=a.notice_date,
            total=a.total,
        )

    def _years_of(self, approval: Approval) -> list[AnnualDisbursement]:
        """Every year the approval ever funded, including years amended down to nothing."""
        return [
            self._load(AnnualDisbursement, AnnualDisbursement.id_for(approval.id, fiscal_year))
            for fiscal_year in approval.funded_years
        ]

    def _release_all(self, approval: Approval, reason: str, actor: Actor) -> list[FiscalBudget]:
        released = []
        for fiscal_year in approval.funded_years:
            budget = self._budget(approval.scheme_id, fiscal_year)
            held = budget.reserved_for(approval.id)
            if held:
                budget.release(approval_id=approval.id, amount=held, reason=reason, actor=actor)
                released.append(budget)
        return released
