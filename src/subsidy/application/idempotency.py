"""Idempotency records, saved atomically with the events of the command they answer.

A command given an idempotency key saves, in the same transaction as its own events, a record
whose identity derives from the actor and the key. A repeat finds the record and returns the
first outcome; a concurrent repeat loses the race on the record's identity and does the same.
"""

from __future__ import annotations

from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from subsidy.domain.errors import IdempotencyKeyReused


class IdempotencyRecord(Aggregate):
    """The outcome of the first command that presented a key."""

    @staticmethod
    def id_for(user_id: str, key: str) -> UUID:
        """The record's identity: keys are scoped to the user who presents them."""
        return uuid5(NAMESPACE_URL, f"subsidy:idempotency:{user_id}:{key}")

    @event("Recorded")
    def __init__(self, *, id: UUID, user_id: str, key: str, command: str, outcome: Any) -> None:
        self.user_id = user_id
        self.key = key
        self.command = command
        self.outcome = outcome

    def replay(self, command: str) -> Any:
        """The first outcome, if ``command`` is the command the key was first used with."""
        if command != self.command:
            msg = (
                f"idempotency key {self.key!r} was already used for {self.command}, "
                f"not {command}; use a new key for a new command"
            )
            raise IdempotencyKeyReused(msg, field="idempotency_key", rule="idempotency")
        return self.outcome
