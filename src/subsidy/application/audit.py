"""What auditors ask of the store itself: any aggregate's state at a past instant or version."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from subsidy.application.core import EngineCore
from subsidy.application.views import AggregateState
from subsidy.domain.errors import InvalidValue, NotFound


class AuditUseCases(EngineCore):
    """Replays histories from the event store, never from a read model."""

    def state_as_of(
        self, aggregate_id: UUID, *, at: datetime | None = None, version: int | None = None
    ) -> AggregateState:
        """The aggregate as it stood at instant ``at`` or after event ``version``.

        Args:
            aggregate_id: Any aggregate's id.
            at: An instant (timezone-aware); the state after the last event recorded by then.
            version: An event number; the state after that event. Give ``at`` or ``version``.
        """
        if (at is None) == (version is None):
            raise InvalidValue("give either an instant or a version", field="as_of")
        if at is not None and at.tzinfo is None:
            raise InvalidValue("the instant needs a time zone, e.g. +09:00", field="as_of")
        if version is not None and version < 1:
            raise InvalidValue(f"versions start at 1, not {version}", field="version")
        history: list[Any] = list(self.events.get(aggregate_id))
        if not history:
            raise NotFound(f"no aggregate with id {aggregate_id}", field="id")
        latest = history[-1].originator_version
        if version is not None and version > latest:
            msg = f"the aggregate has {latest} events; there is no version {version}"
            raise NotFound(msg, field="version")
        chosen = [
            e
            for e in history
            if (version is not None and e.originator_version <= version)
            or (at is not None and e.timestamp <= at)
        ]
        if not chosen:
            first = history[0].timestamp.isoformat()
            msg = f"the aggregate did not exist yet then; its first event was recorded at {first}"
            raise NotFound(msg, field="as_of")
        aggregate = None
        for event in chosen:
            aggregate = event.mutate(aggregate)
        last = chosen[-1]
        state = {k: v for k, v in vars(aggregate).items() if not k.startswith("_")}
        return AggregateState(
            id=aggregate_id,
            type=type(aggregate).__name__,
            version=last.originator_version,
            recorded_at=last.timestamp,
            latest_version=history[-1].originator_version,
            state=state,
        )
