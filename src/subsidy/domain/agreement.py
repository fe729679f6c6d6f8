"""Partnership agreements on HR development (人材育成に関する連携協定) with the Center."""

from __future__ import annotations

from datetime import date
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from subsidy.domain import rules
from subsidy.domain.actor import Actor, Role
from subsidy.domain.errors import InvalidValue, RuleViolation, TransitionNotAllowed


class PartnershipAgreement(Aggregate):
    """An agreement signed by one or more bodies, in force from signing until terminated.

    ``flagged`` keeps the brochure's ◎ mark, whose meaning the brochure does not state.
    """

    @staticmethod
    def id_for(party_ids: tuple[UUID, ...], signed_on: date) -> UUID:
        """The agreement's identity: its parties and signing date, so imports are idempotent."""
        parties = ",".join(sorted(str(p) for p in party_ids))
        return uuid5(NAMESPACE_URL, f"subsidy:agreement:{parties}:{signed_on.isoformat()}")

    @classmethod
    def sign(
        cls, *, party_ids: tuple[UUID, ...], signed_on: date, flagged: bool, actor: Actor
    ) -> PartnershipAgreement:
        """Record an agreement signed on ``signed_on`` by ``party_ids`` (in the order given)."""
        actor.require(Role.ADMINISTRATOR, Role.SYSTEM)
        if not party_ids:
            raise InvalidValue("an agreement needs at least one party", field="party_ids")
        if len(set(party_ids)) != len(party_ids):
            raise InvalidValue("a party appears twice in the agreement", field="party_ids")
        return cls(
            id=cls.id_for(party_ids, signed_on),
            party_ids=list(party_ids),
            signed_on=signed_on,
            flagged=flagged,
            rule=rules.AGREEMENT,
            actor=actor,
        )

    @event("Signed")
    def __init__(
        self,
        *,
        id: UUID,
        party_ids: list[UUID],
        signed_on: date,
        flagged: bool,
        rule: str,
        actor: Actor,
    ) -> None:
        self.party_ids = list(party_ids)
        self.signed_on = signed_on
        self.flagged = flagged
        self.terminated_on: date | None = None
        self.termination_reason: str | None = None

    def is_in_force(self, on: date) -> bool:
        """Whether the agreement binds its parties on ``on``."""
        ended = self.terminated_on is not None and on >= self.terminated_on
        return self.signed_on <= on and not ended

    def terminate(self, *, on: date, reason: str, actor: Actor) -> None:
        """End the agreement from ``on`` (it is no longer in force that day)."""
        actor.require(Role.ADMINISTRATOR)
        if self.terminated_on is not None:
            msg = f"the agreement was already terminated on {self.terminated_on.isoformat()}"
            raise TransitionNotAllowed(msg)
        if on <= self.signed_on:
            msg = f"termination date {on.isoformat()} must be after signing {self.signed_on}"
            raise RuleViolation(msg, field="on")
        if not reason.strip():
            raise InvalidValue("a termination needs a reason", field="reason")
        self._terminated(on=on, reason=reason, rule=rules.AGREEMENT, actor=actor)

    @event("Terminated")
    def _terminated(self, *, on: date, reason: str, rule: str, actor: Actor) -> None:
        self.terminated_on = on
        self.termination_reason = reason
