"""What a projection is: the events it follows, the tables it owns, and how it applies one."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any, ClassVar

from sqlalchemy import Connection, MetaData, Table


class Projection(ABC):
    """A read model kept by applying events, in log order, to tables it alone writes.

    ``define`` builds the projection's tables on a metadata object; with a ``suffix`` it builds
    the same tables under other names, which is how a rebuild fills shadow tables while the
    live ones keep serving. ``apply`` runs inside the runner's transaction, so its writes and
    the projection's position commit together or not at all.
    """

    name: ClassVar[str]
    topics: ClassVar[Sequence[str]] = ()  # event topics to follow; empty means every event

    @abstractmethod
    def define(self, metadata: MetaData, suffix: str = "") -> dict[str, Table]:
        """The projection's tables, keyed by their base names."""

    @abstractmethod
    def apply(self, conn: Connection, tables: dict[str, Table], event: Any, position: int) -> None:
        """Apply one event (at notification ``position``) to ``tables``."""

    def apply_all(
        self, conn: Connection, tables: dict[str, Table], events: Sequence[tuple[int, Any]]
    ) -> None:
        """Apply a batch of (position, event) in order; projections may do it in bulk."""
        for position, event in events:
            self.apply(conn, tables, event, position)
