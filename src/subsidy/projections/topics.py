"""Event topics, as the log stores them, for the events a projection follows."""

from __future__ import annotations

from typing import Any

from eventsourcing.utils import get_topic


def topics_of(aggregate_type: type[Any], *event_names: str) -> tuple[str, ...]:
    """The stored topics of ``aggregate_type``'s events named ``event_names``."""
    return tuple(get_topic(getattr(aggregate_type, name)) for name in event_names)
