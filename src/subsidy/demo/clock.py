"""The demo's clock: the scenario happens on its own dates, in 2024 and 2025."""

from __future__ import annotations

from datetime import UTC, date, datetime, time


class ScenarioClock:
    """Real time, except while the scenario has moved it to one of its days."""

    def __init__(self) -> None:
        self._now: datetime | None = None

    def __call__(self) -> datetime:
        return self._now or datetime.now(UTC)

    def travel_to(self, day: date) -> None:
        """Make ``day`` today in Japan (10:00 JST), as when a person acts on that day."""
        self._now = datetime.combine(day, time(1, 0), tzinfo=UTC)

    def release(self) -> None:
        """Back to real time."""
        self._now = None
