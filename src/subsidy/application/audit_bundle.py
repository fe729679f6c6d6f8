"""Audit bundles: the events an auditor asked for, with their chain links and the digest.

The bundle is written while the whole chain is walked (and so verified) from the first event.
Its ``chain`` section lists what every link of the store covers (position, originator id as
stored, version, topic, the state's SHA-256), so an auditor can recompute the whole chain from
the first event to the signed digest without the engine, and so prove the selection complete and
unaltered. Each selected event carries who, when, what, why and the rule, its stored state
(except for API credentials), its link and the link before it. The bundle ends with the
verification's outcome and the digest of the chain's head as walked, signed when a key is set.
"""

from __future__ import annotations

import base64
import json
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any, TextIO
from uuid import UUID
from zoneinfo import ZoneInfo

from eventsourcing.application import Application

from subsidy.application.integrity import Digest, Verification, chain_of, verify_rows
from subsidy.application.signing import DigestSigner
from subsidy.domain.errors import InvalidValue
from subsidy.persistence.chain import ChainedRow, state_hash
from subsidy.projections.support import json_safe

FORMAT = "subsidy-audit-bundle/1"
JAPAN = ZoneInfo("Asia/Tokyo")
# API accounts' token hashes stay out of bundles; their state's hash still proves the link.
CREDENTIAL_TYPES = frozenset({"ApiUser", "ApiToken"})
CREDENTIAL_FIELDS = frozenset({"token_hash", "token_hashes"})
ENVELOPE = frozenset({"originator_id", "originator_version", "timestamp", "actor"})


@dataclass(frozen=True)
class Selection:
    """Which events go in the bundle: one aggregate's, or those recorded between two days."""

    aggregate_id: UUID | None = None
    from_date: date | None = None
    to_date: date | None = None

    def __post_init__(self) -> None:
        by_date = self.from_date is not None or self.to_date is not None
        if (self.aggregate_id is None) == (not by_date):
            raise InvalidValue("choose either an aggregate or a date range", field="selection")
        if self.from_date and self.to_date and self.from_date > self.to_date:
            raise InvalidValue("the range's first day is after its last", field="from_date")

    def by_identity(self, row: ChainedRow) -> bool | None:
        """Whether ``row`` is selected, when its identity decides (``None``: ask its date)."""
        if self.aggregate_id is None:
            return None
        return str(row.event.originator_id).replace("-", "") == self.aggregate_id.hex

    def by_day(self, day: date) -> bool:
        return (self.from_date is None or day >= self.from_date) and (
            self.to_date is None or day <= self.to_date
        )

    def as_json(self) -> dict[str, Any]:
        return {k: v for k, v in json_safe(self.__dict__).items() if v is not None}


@dataclass(frozen=True)
class BundleSummary:
    """What was written: how many events, and whether the chain verified."""

    events: int
    verification: Verification
    digest: Digest


def write_bundle(
    engine: Application[Any],
    out: TextIO,
    selection: Selection,
    *,
    signer: DigestSigner | None = None,
    now: datetime | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> BundleSummary:
    """Stream the bundle for ``selection`` to ``out`` as one JSON document.

    The chosen events are spooled to a temporary file while the ``chain`` section (one compact
    row per event of the store) streams out, so memory stays flat however long the log.
    """
    exported_at = (now or datetime.now(JAPAN)).isoformat()
    out.write(f'{{"format": "{FORMAT}",\n"exported_at": {json.dumps(exported_at)},\n')
    out.write(f'"selection": {json.dumps(selection.as_json())},\n"chain": [\n')
    written = walked = 0
    with tempfile.TemporaryFile("w+", encoding="utf-8") as chosen:

        def keep(row: ChainedRow, previous: bytes) -> None:
            nonlocal written, walked
            out.write((",\n" if walked else "") + json.dumps(_chain_row(row)))
            walked += 1
            entry = _entry(engine, row, previous, selection)
            if entry is not None:
                chosen.write((",\n" if written else "") + json.dumps(entry, ensure_ascii=False))
                written += 1

        result, head_link = verify_rows(chain_of(engine), on_row=keep, on_progress=on_progress)
        out.write('\n],\n"events": [\n')
        chosen.seek(0)
        shutil.copyfileobj(chosen, out)
    digest = Digest(position=result.head, link=head_link.hex(), taken_at=exported_at)
    if signer is not None:
        digest = replace(
            digest, signature=signer.sign(digest.signed_bytes()), public_key=signer.public_key
        )
    verification = {
        "ok": result.ok,
        "checked": result.checked,
        "first_break": None if result.ok else json_safe(result.first_break),
    }
    out.write(f'\n],\n"verification": {json.dumps(verification, ensure_ascii=False)},\n')
    out.write(f'"digest": {json.dumps(digest.__dict__)}\n}}\n')
    return BundleSummary(written, result, digest)


def _chain_row(row: ChainedRow) -> list[Any]:
    """What a link covers, as stored: position, originator id, version, topic, state's SHA-256."""
    event = row.event
    originator = event.originator_id
    stored_id = originator.hex if isinstance(originator, UUID) else str(originator)
    return [
        row.position,
        stored_id,
        event.originator_version,
        event.topic,
        state_hash(event.state).hex(),
    ]


def _entry(
    engine: Application[Any], row: ChainedRow, previous: bytes, selection: Selection
) -> dict[str, Any] | None:
    chosen = selection.by_identity(row)
    if chosen is False:
        return None
    event: Any = engine.mapper.to_domain_event(row.event)
    recorded: datetime = event.timestamp
    if chosen is None and not selection.by_day(recorded.astimezone(JAPAN).date()):
        return None
    aggregate_type, _, event_type = type(event).__qualname__.rpartition(".")
    credential = aggregate_type in CREDENTIAL_TYPES
    details = {
        k: v
        for k, v in vars(event).items()
        if k not in ENVELOPE and not (credential and k in CREDENTIAL_FIELDS)
    }
    actor = getattr(event, "actor", None)
    calculation = details.get("calculation")
    stored: dict[str, Any] = {
        "topic": row.event.topic,
        "state_sha256": state_hash(row.event.state).hex(),
    }
    if not credential:
        stored["state_base64"] = base64.b64encode(row.event.state).decode()
    return {
        "position": row.position,
        "recorded_at": recorded.isoformat(),
        "aggregate_type": aggregate_type,
        "aggregate_id": str(event.originator_id),
        "aggregate_version": event.originator_version,
        "event": event_type,
        "actor": json_safe(actor),
        "reason": details.get("reason"),
        "rule": details.get("rule") or getattr(calculation, "rule", None),
        "details": json_safe(details),
        "stored": stored,
        "previous_link": previous.hex(),
        "link": (row.link or b"").hex(),
    }
