"""Idempotency records, saved atomically with the events of the command they answer.

A command given an idempotency key saves, in the same transaction as its own events, a record
whose identity derives from the actor and the key. A repeat finds the record and returns the
first outcome; a concurrent repeat loses the race on the record's identity and does the same.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any, ParamSpec, TypeVar
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
    def __init__(
        self, *, id: UUID, user_id: str, key: str, command: str, request: str, outcome: Any
    ) -> None:
        self.user_id = user_id
        self.key = key
        self.command = command
        self.request = request
        self.outcome = outcome

    def replay(self, command: str, request: str) -> Any:
        """The first outcome, if the same command with the same arguments presents the key."""
        if command != self.command:
            msg = (
                f"idempotency key {self.key!r} was already used for {self.command}, "
                f"not {command}; use a new key for a new command"
            )
            raise IdempotencyKeyReused(msg, field="idempotency_key", rule="idempotency")
        if request != self.request:
            msg = (
                f"idempotency key {self.key!r} was already used for {command} with other "
                "arguments; use a new key for a new command"
            )
            raise IdempotencyKeyReused(msg, field="idempotency_key", rule="idempotency")
        return self.outcome


_request: ContextVar[str] = ContextVar("subsidy_request", default="")
P = ParamSpec("P")
R = TypeVar("R")
NOT_PART_OF_THE_REQUEST = frozenset({"self", "idempotency_key", "expected_version"})


def use_case(method: Callable[P, R]) -> Callable[P, R]:
    """Mark a public command: its arguments become the request an idempotency key stands for.

    A key presented again with other arguments is refused instead of silently answering with
    the outcome of a different request.
    """
    signature = inspect.signature(method)

    @functools.wraps(method)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        bound = signature.bind(*args, **kwargs)
        bound.apply_defaults()
        arguments = {k: v for k, v in bound.arguments.items() if k not in NOT_PART_OF_THE_REQUEST}
        fingerprint = hashlib.sha256(repr(_canonical(arguments)).encode()).hexdigest()
        token = _request.set(fingerprint)
        try:
            return method(*args, **kwargs)
        finally:
            _request.reset(token)

    return wrapper


def _canonical(value: Any) -> Any:
    """The value with every mapping's keys in order, so equal requests print alike."""
    if isinstance(value, dict):
        return tuple(sorted((repr(k), _canonical(v)) for k, v in value.items()))
    if isinstance(value, list | tuple):
        return tuple(_canonical(v) for v in value)
    return value


def current_request() -> str:
    """The fingerprint of the arguments of the use case running in this context."""
    return _request.get()
