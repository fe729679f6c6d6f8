"""Small pieces the read-model projections share: dates in Japan, organisations, JSON.

Each projection still keeps its own copy of what it looks up (its own organisations table),
so it can be rebuilt alone; only the code that defines and fills such tables is shared.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import fields, is_dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from functools import lru_cache
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from sqlalchemy import Column, MetaData, String, Table

from subsidy.domain.workflow import ApplicationStatus
from subsidy.projections.batch import Rows

JAPAN = ZoneInfo("Asia/Tokyo")
STATUS_AFTER = {
    "Submitted": ApplicationStatus.SUBMITTED,
    "Resubmitted": ApplicationStatus.SUBMITTED,
    "ReviewerAssigned": ApplicationStatus.UNDER_REVIEW,
    "Approved": ApplicationStatus.APPROVED,
    "Rejected": ApplicationStatus.REJECTED,
    "Returned": ApplicationStatus.RETURNED,
    "Withdrawn": ApplicationStatus.WITHDRAWN,
}
"""The status a ``GrantApplication`` event moves the application to (the workflow's table)."""
STATUS_VALUE_AFTER = {name: status.value for name, status in STATUS_AFTER.items()}
"""The same statuses as they are stored."""
APPROVAL_EVENTS = ("Granted", "Amended", "Revoked", "Withdrawn")
"""The ``Approval`` events that change a decision's amount or standing."""


text_id: Callable[[Any], str] = lru_cache(maxsize=1 << 16, typed=True)(str)
"""An id as text, remembered: each projection keys its rows by the same events' ids, and a
``UUID`` formats itself slowly."""


def event_names(event: Any) -> tuple[str, str]:
    """The aggregate's and the event's class names: ``("Approval", "Granted")``."""
    kind = type(event)
    names = _EVENT_NAMES.get(kind)
    if names is None:
        aggregate, _, name = kind.__qualname__.rpartition(".")
        names = _EVENT_NAMES[kind] = (aggregate, name)
    return names


_EVENT_NAMES: dict[type, tuple[str, str]] = {}


def japan_date(instant: datetime) -> date:
    """The calendar day in Japan, where the scheme's days fall, of a recorded instant."""
    return instant.astimezone(JAPAN).date()


def as_utc(value: datetime) -> datetime:
    """An instant read back from the database, in UTC (SQLite returns it without a zone)."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def search_key(text: str) -> str:
    """Text folded for matching: NFKC (full-width letters become ASCII), then casefolded."""
    return unicodedata.normalize("NFKC", text).casefold()


def organisations_table(metadata: MetaData, prefix: str, suffix: str) -> Table:
    """A projection's own copy of organisation names and prefectures."""
    return Table(
        f"{prefix}_organisations{suffix}",
        metadata,
        Column("organisation_id", String(36), primary_key=True),
        Column("name", String(200), nullable=False),
        Column("prefecture", String(8), nullable=True),
    )


def record_organisation(organisations: Rows, event: Any) -> None:
    """Keep the name and prefecture an ``Organisation.Registered`` event carries."""
    organisations.insert(
        organisation_id=text_id(event.originator_id), name=event.name, prefecture=event.prefecture
    )


def organisation(organisations: Rows, organisation_id: Any) -> dict[str, Any]:
    """The organisation row for ``organisation_id``; an unknown id is an error."""
    return organisations.require(text_id(organisation_id))


def json_safe(value: Any) -> Any:
    """``value`` as JSON: dataclasses as objects, enums as values, dates in ISO, ids as text."""
    kind = type(value)
    convert = _CONVERTERS.get(kind)
    if convert is None:
        # Decided once per type: the audit log converts every event a rebuild reads.
        convert = _CONVERTERS[kind] = _converter(kind)
    return convert(value)


_CONVERTERS: dict[type, Callable[[Any], Any]] = {}
_PLAIN = frozenset((str, int, float, bool, type(None)))
"""Types JSON takes as they are: containers skip :func:`json_safe`'s call for them."""


def _converter(kind: type) -> Callable[[Any], Any]:
    """How :func:`json_safe` converts a value of type ``kind``."""
    if issubclass(kind, type):  # a class is not a dataclass instance: kept as it is
        return _same
    if is_dataclass(kind):
        return _fields_converter(tuple(f.name for f in fields(kind)))
    if issubclass(kind, Enum):
        return lambda value: json_safe(value.value)
    if issubclass(kind, date):  # datetime too
        return lambda value: value.isoformat()
    if issubclass(kind, UUID | Decimal):
        return str
    if issubclass(kind, dict):
        return _dict_safe
    if issubclass(kind, set | frozenset):
        return lambda value: sorted((json_safe(v) for v in value), key=repr)
    if issubclass(kind, list | tuple):
        return _list_safe
    return _same


def _fields_converter(names: tuple[str, ...]) -> Callable[[Any], Any]:
    def convert(value: Any) -> dict[str, Any]:
        result = {}
        for name in names:
            item = getattr(value, name)
            result[name] = item if type(item) in _PLAIN else json_safe(item)
        return result

    return convert


def _dict_safe(value: dict[Any, Any]) -> dict[str, Any]:
    result = {}
    for key, item in value.items():
        name = key if type(key) is str else str(json_safe(key))
        result[name] = item if type(item) in _PLAIN else json_safe(item)
    return result


def _list_safe(value: list[Any] | tuple[Any, ...]) -> list[Any]:
    if not value:  # many events carry empty lists: skip building a comprehension for them
        return []
    return [item if type(item) in _PLAIN else json_safe(item) for item in value]


def _same(value: Any) -> Any:
    return value
