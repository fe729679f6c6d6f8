"""The agreements listing, folded from the event log in the order events were recorded."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any
from uuid import UUID

from subsidy.domain.agreement import PartnershipAgreement
from subsidy.domain.organisation import Organisation

TOPIC_EVENTS = (
    (Organisation, "Registered"),
    (PartnershipAgreement, "Signed"),
    (PartnershipAgreement, "Terminated"),
)


@dataclass(frozen=True)
class AgreementRow:
    """One agreement as the listing shows it."""

    id: UUID
    parties: tuple[str, ...]
    party_ids: tuple[UUID, ...]
    signed_on: date
    flagged: bool
    terminated_on: date | None = None


@dataclass
class AgreementsListing:
    """Folds organisation and agreement events into rows; feed it events in log order."""

    names: dict[UUID, str] = field(default_factory=dict)
    rows: dict[UUID, AgreementRow] = field(default_factory=dict)

    def apply(self, event: Any) -> None:
        """Take one event of the topics in :data:`TOPIC_EVENTS` into account."""
        name = type(event).__name__
        if name == "Registered":
            self.names[event.originator_id] = event.name
        elif name == "Signed":
            self.rows[event.originator_id] = AgreementRow(
                id=event.originator_id,
                parties=tuple(self.names[p] for p in event.party_ids),
                party_ids=tuple(event.party_ids),
                signed_on=event.signed_on,
                flagged=event.flagged,
            )
        elif name == "Terminated":
            row = self.rows[event.originator_id]
            self.rows[event.originator_id] = replace(row, terminated_on=event.on)

    def fold(self, events: Iterable[Any]) -> list[AgreementRow]:
        """Apply ``events`` and return every agreement in the order it was signed."""
        for event in events:
            self.apply(event)
        return list(self.rows.values())
