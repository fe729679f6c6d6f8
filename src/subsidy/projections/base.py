"""What a projection is: the events it follows, the tables it owns, and how it applies them."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any, ClassVar

from sqlalchemy import Connection, MetaData, Table

from subsidy.projections.batch import Batch


class Projection(ABC):
    """A read model kept by applying events, in log order, to tables it alone writes.

    ``define`` builds the projection's tables on a metadata object; with a ``suffix`` it builds
    the same tables under other names, which is how a rebuild fills shadow tables while the
    live ones keep serving. ``open_batch`` gives the in-memory state events are applied to
    (see :mod:`subsidy.projections.batch`); ``apply`` and ``apply_all`` run inside the runner's
    transaction, so their writes and the projection's position commit together or not at all.
    """

    name: ClassVar[str]
    topics: ClassVar[Sequence[str]] = ()  # event topics to follow; empty means every event

    @abstractmethod
    def define(self, metadata: MetaData, suffix: str = "") -> dict[str, Table]:
        """The projection's tables, keyed by their base names."""

    @abstractmethod
    def open_batch(self, tables: dict[str, Table], conn: Connection | None) -> Batch:
        """Fresh in-memory state over ``tables``, reading rows through ``conn``.

        ``conn`` is ``None`` when the tables started empty and only this batch writes them (a
        rebuild), so every row is in memory and nothing needs reading back.
        """

    def apply(self, conn: Connection, tables: dict[str, Table], event: Any, position: int) -> None:
        """Apply one event (at notification ``position``) to ``tables``."""
        self._apply_batch(conn, tables, [(position, event)])

    def apply_all(
        self, conn: Connection, tables: dict[str, Table], events: Sequence[tuple[int, Any]]
    ) -> None:
        """Apply a batch of (position, event) in order, writing the changes in bulk at the end."""
        self._apply_batch(conn, tables, events)

    def _apply_batch(
        self, conn: Connection, tables: dict[str, Table], events: Sequence[tuple[int, Any]]
    ) -> None:
        batch = self.open_batch(tables, conn)
        for position, event in events:
            batch.apply(event, position)
        batch.flush(conn)
