"""Use cases after the grant decision: amendment, revocation and withdrawal."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from subsidy.application.core import EngineCore
from subsidy.application.views import ApprovalView
from subsidy.domain.actor import Actor
from subsidy.domain.approval import Approval
from subsidy.domain.budget import YearAmount
from subsidy.domain.scheme import Scheme, SchemeParameters


class ApprovalUseCases(EngineCore):
    """Changing, revoking and withdrawing grant decisions."""

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

        def action() -> tuple[list[Approval], None]:
            approval = self._load(Approval, approval_id, expected_version=expected_version)
            approval.amend(
                amounts=amounts,
                reason=reason,
                parameters=self._parameters_of(approval),
                actor=actor,
            )
            return [approval], None

        self._execute("amend_approval", actor, idempotency_key, action)

    def revoke_approval(
        self,
        actor: Actor,
        approval_id: UUID,
        *,
        ground: str,
        on: date | None = None,
        expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> None:
        """Revoke a grant decision (取消) on the stated ground."""

        def action() -> tuple[list[Approval], None]:
            approval = self._load(Approval, approval_id, expected_version=expected_version)
            approval.revoke(on=on or self.today(), ground=ground, actor=actor)
            return [approval], None

        self._execute("revoke_approval", actor, idempotency_key, action)

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

        def action() -> tuple[list[Approval], None]:
            approval = self._load(Approval, approval_id, expected_version=expected_version)
            approval.withdraw(
                on=on or self.today(),
                reason=reason,
                parameters=self._parameters_of(approval),
                actor=actor,
            )
            return [approval], None

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

    def _parameters_of(self, approval: Approval) -> SchemeParameters:
        scheme = self._load(Scheme, approval.scheme_id)
        return scheme.parameters_at(approval.scheme_version)
