"""Small pieces the read-model projections share: dates in Japan, organisations, JSON.

Each projection still keeps its own copy of what it looks up (its own organisations table),
so it can be rebuilt alone; only the code that defines and fills such tables is shared.
"""

from __future__ import annotations

import json
import unicodedata
from _json import make_encoder
from collections.abc import Callable
from dataclasses import fields, is_dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from functools import lru_cache
from json.encoder import encode_basestring
from operator import attrgetter
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


def text_id(value: Any) -> str:
    """An id as text; a ``UUID``'s text is remembered, by its number.

    Each projection keys its rows by the same events' ids, and a ``UUID`` formats itself
    slowly; remembering it by the ``UUID`` itself would hash and compare in Python.
    """
    if type(value) is UUID:
        return _uuid_text(value.int)
    return str(value)


@lru_cache(maxsize=1 << 16)
def _uuid_text(number: int) -> str:
    return str(UUID(int=number))


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


def json_text(value: Any) -> str:
    """``value`` as JSON text with sorted keys: the text of :func:`json_safe`'s result.

    The C encoder walks the lists and dicts itself and calls back only for the values
    :func:`json_safe` converts (dataclasses, enums, dates, ids, sets), which is about twice as
    fast as building the converted copy first. It agrees with encoding :func:`json_safe`'s
    result when every dict is keyed by text, as in every decoded event (JSON keys are text):
    other keys that JSON refuses fall back to :func:`json_safe`. Enums must be plain ones (as
    the domain's are): one that is also a ``str`` or ``int`` is written as that.
    """
    try:
        return "".join(_ENCODER(value, 0))
    except TypeError:  # a key JSON refuses (a date, an id): json_safe turns it into text
        return _ENCODE(json_safe(value))


def _encode_default(value: Any) -> Any:
    """What the C encoder writes for a value it cannot write itself: :func:`json_safe`'s."""
    kind = type(value)
    convert = _DEFAULTS.get(kind)
    if convert is None:
        convert = _DEFAULTS[kind] = _default_converter(kind)
    return convert(value)


def _default_converter(kind: type) -> Callable[[Any], Any]:
    """How :func:`_encode_default` converts a value of type ``kind`` (one step only)."""
    if issubclass(kind, type):
        return _refuse
    if is_dataclass(kind):
        return _fields_of(tuple(f.name for f in fields(kind)))
    if issubclass(kind, Enum):
        return attrgetter("_value_")
    if issubclass(kind, date):
        return kind.isoformat
    if issubclass(kind, UUID):
        return text_id  # the ids the projections have already formatted
    converted = _converter(kind)  # decimals and sets: as json_safe has them
    return _refuse if converted is _same else converted


def _fields_of(names: tuple[str, ...]) -> Callable[[Any], dict[str, Any]]:
    """A dataclass's fields by name: its own ``__dict__`` when that holds the fields alone."""

    def convert(value: Any) -> dict[str, Any]:
        own: dict[str, Any] | None = getattr(value, "__dict__", None)
        if own is not None and len(own) == len(names):  # every field is in it, so only they are
            return own  # the encoder only reads it
        return {name: getattr(value, name) for name in names}

    return convert


def _refuse(value: Any) -> Any:
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


_DEFAULTS: dict[type, Callable[[Any], Any]] = {}
_ENCODE = json.JSONEncoder(ensure_ascii=False, sort_keys=True).encode
_ENCODER = make_encoder(  # json.JSONEncoder's own C encoder, made once rather than per call
    None,  # no check for cycles: decoded events have none
    _encode_default,
    encode_basestring,  # ensure_ascii=False
    None,
    ": ",
    ", ",
    True,  # sort_keys
    False,  # skipkeys
    True,  # allow_nan
)
