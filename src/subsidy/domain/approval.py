"""Grant decisions (交付決定) and what follows them: amendment, revocation, withdrawal."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from enum import Enum
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from subsidy.domain import rules
from subsidy.domain.actor import Actor, Role
from subsidy.domain.budget import YearAmount, require_consecutive
from subsidy.domain.errors import InvalidValue, RuleViolation, TransitionNotAllowed
from subsidy.domain.money import require_thousands, require_yen
from subsidy.domain.scheme import SchemeParameters


class ApprovalStatus(Enum):
    """Whether a grant decision binds."""

    IN_FORCE = "in_force"
    REVOKED = "revoked"
    WITHDRAWN = "withdrawn"


class OverCap(RuleViolation):
    """An amount above the scheme's annual cap or the applicant's request."""


def check_decided_amounts(
    amounts: tuple[YearAmount, ...],
    parameters: SchemeParameters,
    requested: dict[int, int] | None = None,
) -> None:
    """Refuse decided amounts that break the caps, the ¥1,000 rule or the year rules.

    Args:
        amounts: The amount per fiscal year.
        parameters: The scheme version the application is judged under.
        requested: The amounts requested per fiscal year; a decision never exceeds them.
    """
    if not amounts:
        raise InvalidValue("decide an amount for at least one fiscal year", field="amounts")
    years = [a.fiscal_year for a in amounts]
    if len(set(years)) != len(years):
        raise InvalidValue("a fiscal year appears twice in the amounts", field="amounts")
    if len(years) > parameters.max_grant_years:
        msg = (
            f"{len(years)} grant years exceed the scheme's maximum of {parameters.max_grant_years}"
        )
        raise OverCap(msg, field="amounts", rule="scheme.max_grant_years")
    require_consecutive(years, "amounts")
    for amount in amounts:
        field = f"amounts.{amount.fiscal_year}"
        require_yen(amount.amount, field, positive=True)
        require_thousands(amount.amount, field)
        if amount.amount > parameters.max_annual_amount:
            msg = (
                f"FY{amount.fiscal_year}: {amount.amount:,} yen exceeds the annual cap of "
                f"{parameters.max_annual_amount:,} yen"
            )
            raise OverCap(msg, field=field, rule="scheme.max_annual_amount")
        if requested is None:
            continue
        if amount.fiscal_year not in requested:
            msg = f"FY{amount.fiscal_year} was not requested"
            raise InvalidValue(msg, field=field, rule="decision.requested_years")
        if amount.amount > requested[amount.fiscal_year]:
            msg = (
                f"FY{amount.fiscal_year}: {amount.amount:,} yen exceeds the "
                f"{requested[amount.fiscal_year]:,} yen requested"
            )
            raise OverCap(msg, field=field, rule="decision.within_request")


def _by_year(amounts: Iterable[YearAmount]) -> dict[int, int]:
    return {a.fiscal_year: a.amount for a in amounts}


class Approval(Aggregate):
    """A grant decision for one application, with its amounts per fiscal year.

    Its identity derives from the application's, so an application has at most one.
    """

    @staticmethod
    def id_for(application_id: UUID) -> UUID:
        """The approval's identity for ``application_id``."""
        return uuid5(NAMESPACE_URL, f"subsidy:approval:{application_id}")

    @event("Granted")
    def __init__(
        self,
        *,
        id: UUID,
        application_id: UUID,
        organisation_id: UUID,
        scheme_id: UUID,
        scheme_version: int,
        amounts: list[YearAmount],
        conditions: list[str],
        reason: str,
        notice_date: date,
        rule: str,
        actor: Actor,
    ) -> None:
        self.application_id = application_id
        self.organisation_id = organisation_id
        self.scheme_id = scheme_id
        self.scheme_version = scheme_version
        self.amounts = list(amounts)
        self.conditions = list(conditions)
        self.notice_date = notice_date
        self.status = ApprovalStatus.IN_FORCE
        self.approver_id = actor.user_id
        self.funded_years = sorted(a.fiscal_year for a in amounts)

    @property
    def total(self) -> int:
        """The decided amount over all years."""
        return sum(a.amount for a in self.amounts)

    def amount_for(self, fiscal_year: int) -> int:
        """The decided amount for ``fiscal_year`` (0 if none)."""
        return next((a.amount for a in self.amounts if a.fiscal_year == fiscal_year), 0)

    def amend(
        self,
        *,
        amounts: tuple[YearAmount, ...],
        reason: str,
        parameters: SchemeParameters,
        requested: dict[int, int],
        actor: Actor,
    ) -> None:
        """Approve a change of amounts (変更承認), within the caps and what was requested."""
        actor.require(Role.APPROVER)
        self._require_in_force("amend")
        if not reason.strip():
            raise InvalidValue("an amendment needs a reason", field="reason")
        check_decided_amounts(amounts, parameters, requested)
        if _by_year(amounts) == _by_year(self.amounts):
            raise InvalidValue("the amendment changes no amount", field="amounts")
        self._amended(amounts=list(amounts), reason=reason, rule=rules.AMENDMENT, actor=actor)

    @event("Amended")
    def _amended(self, *, amounts: list[YearAmount], reason: str, rule: str, actor: Actor) -> None:
        self.amounts = list(amounts)
        self.funded_years = sorted({*self.funded_years, *(a.fiscal_year for a in amounts)})

    def revoke(self, *, on: date, ground: str, actor: Actor) -> None:
        """Revoke the decision (取消) for misuse or breach, stating the ground."""
        actor.require(Role.APPROVER)
        self._require_in_force("revoke")
        if not ground.strip():
            msg = "a revocation must state its ground"
            raise InvalidValue(msg, field="ground", rule="approval.revocation_ground")
        if on < self.notice_date:
            msg = f"a revocation on {on.isoformat()} would precede the notice of {self.notice_date}"
            raise InvalidValue(msg, field="on", rule="approval.revocation_date")
        self._revoked(revoked_on=on, reason=ground, rule=rules.REVOCATION, actor=actor)

    @event("Revoked")
    def _revoked(self, *, revoked_on: date, reason: str, rule: str, actor: Actor) -> None:
        self.status = ApprovalStatus.REVOKED

    def withdraw(
        self, *, on: date, reason: str, parameters: SchemeParameters, actor: Actor
    ) -> None:
        """The applicant withdraws (取下げ) within the scheme's period after the notice."""
        actor.require_applicant_for(self.organisation_id)
        self._require_in_force("withdraw")
        last_day = self.notice_date + timedelta(days=parameters.withdrawal_period_days)
        if not self.notice_date <= on <= last_day:
            msg = (
                f"a withdrawal is possible from the notice on {self.notice_date.isoformat()} "
                f"until {last_day.isoformat()} ({parameters.withdrawal_period_days} days), "
                f"not on {on.isoformat()}"
            )
            raise RuleViolation(msg, field="on", rule="scheme.withdrawal_period_days")
        if not reason.strip():
            raise InvalidValue("a withdrawal needs a reason", field="reason")
        self._withdrawn(withdrawn_on=on, reason=reason, rule=rules.WITHDRAWAL, actor=actor)

    @event("Withdrawn")
    def _withdrawn(self, *, withdrawn_on: date, reason: str, rule: str, actor: Actor) -> None:
        self.status = ApprovalStatus.WITHDRAWN

    def _require_in_force(self, command: str) -> None:
        if self.status is not ApprovalStatus.IN_FORCE:
            msg = f"cannot {command} a grant decision that is {self.status.value}"
            raise TransitionNotAllowed(msg, rule="approval.status")
