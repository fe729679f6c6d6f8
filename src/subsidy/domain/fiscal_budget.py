"""Budget control: a scheme's appropriation for one fiscal year and what decisions reserve."""

from __future__ import annotations

from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from subsidy.domain import rules
from subsidy.domain.actor import Actor, Role
from subsidy.domain.errors import InvalidValue, RuleViolation
from subsidy.domain.money import require_yen


class OverBudget(RuleViolation):
    """A reservation beyond what remains of the year's appropriation."""


class FiscalBudget(Aggregate):
    """The appropriation (予算額) of one scheme for one fiscal year.

    Grant decisions reserve their amount for the year; amendments re-reserve, and revocations,
    withdrawals and determinations below the decided amount release. Every reservation goes
    through this aggregate, so two decisions racing for the last yen cannot both be recorded.
    Reservations are keyed by the approval's id as text (snapshots store state as JSON).
    """

    @staticmethod
    def id_for(scheme_id: UUID, fiscal_year: int) -> UUID:
        """One budget per scheme and fiscal year."""
        return uuid5(NAMESPACE_URL, f"subsidy:budget:{scheme_id}:{fiscal_year}")

    @classmethod
    def appropriate(
        cls, *, scheme_id: UUID, fiscal_year: int, amount: int, actor: Actor
    ) -> FiscalBudget:
        """Set the year's appropriation for the first time (administrators)."""
        actor.require(Role.ADMINISTRATOR)
        require_yen(amount, "amount")
        return cls(
            id=cls.id_for(scheme_id, fiscal_year),
            scheme_id=scheme_id,
            fiscal_year=fiscal_year,
            amount=amount,
            actor=actor,
        )

    @event("Appropriated")
    def __init__(
        self, *, id: UUID, scheme_id: UUID, fiscal_year: int, amount: int, actor: Actor
    ) -> None:
        self.scheme_id = scheme_id
        self.fiscal_year = fiscal_year
        self.appropriation = amount
        self.reservations: dict[str, int] = {}

    @property
    def reserved(self) -> int:
        """The total reserved by grant decisions."""
        return sum(self.reservations.values())

    @property
    def remaining(self) -> int:
        """What further decisions may still reserve."""
        return self.appropriation - self.reserved

    def change_appropriation(self, *, amount: int, reason: str, actor: Actor) -> None:
        """Change the appropriation (補正), never below what is reserved."""
        actor.require(Role.ADMINISTRATOR)
        require_yen(amount, "amount")
        if not reason.strip():
            raise InvalidValue("a change of the appropriation needs a reason", field="reason")
        if amount == self.appropriation:
            msg = f"FY{self.fiscal_year}'s appropriation is already {amount:,} yen"
            raise InvalidValue(msg, field="amount", rule="budget.unchanged")
        if amount < self.reserved:
            msg = (
                f"FY{self.fiscal_year}: {self.reserved:,} yen is already reserved, more than "
                f"the proposed appropriation of {amount:,} yen"
            )
            raise OverBudget(msg, field="amount", rule="budget.not_below_reserved")
        self._changed(amount=amount, reason=reason, actor=actor)

    @event("AppropriationChanged")
    def _changed(self, *, amount: int, reason: str, actor: Actor) -> None:
        self.appropriation = amount

    def reserve(self, *, approval_id: UUID, amount: int, actor: Actor) -> None:
        """Reserve ``amount`` more for ``approval_id``, refused beyond what remains."""
        actor.require(Role.APPROVER)
        require_yen(amount, "amount", positive=True)
        if amount > self.remaining:
            msg = (
                f"FY{self.fiscal_year}: reserving {amount:,} yen would exceed the "
                f"{self.remaining:,} yen that remains of the {self.appropriation:,} yen "
                "appropriation"
            )
            raise OverBudget(msg, field=f"amounts.{self.fiscal_year}", rule="budget.remaining")
        self._reserved(approval_id=approval_id, amount=amount, rule=rules.BUDGET, actor=actor)

    @event("Reserved")
    def _reserved(self, *, approval_id: UUID, amount: int, rule: str, actor: Actor) -> None:
        key = str(approval_id)
        self.reservations[key] = self.reservations.get(key, 0) + amount

    def release(self, *, approval_id: UUID, amount: int, reason: str, actor: Actor) -> None:
        """Give back ``amount`` of what ``approval_id`` reserved."""
        held = self.reservations.get(str(approval_id), 0)
        if not 0 < amount <= held:
            msg = f"cannot release {amount:,} yen of the {held:,} yen reserved for {approval_id}"
            raise RuleViolation(msg, field="amount", rule="budget.release")
        self._released(approval_id=approval_id, amount=amount, reason=reason, actor=actor)

    @event("Released")
    def _released(self, *, approval_id: UUID, amount: int, reason: str, actor: Actor) -> None:
        self.reservations[str(approval_id)] -= amount

    def reserved_for(self, approval_id: UUID) -> int:
        """What ``approval_id`` holds of this year's appropriation."""
        return self.reservations.get(str(approval_id), 0)
