"""``json_safe``, which converts by type once per type, agrees with the plain recursive rules;
``json_text`` writes the same JSON as encoding ``json_safe``'s result."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, fields, is_dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum, StrEnum
from typing import Any
from uuid import UUID

from hypothesis import given, settings
from hypothesis import strategies as st

from subsidy.domain.actor import Role
from subsidy.projections.support import json_safe, json_text


def reference(value: Any) -> Any:
    """The rules as first written: checked in this order for every value."""
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: reference(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, Enum):
        return reference(value.value)
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, UUID | Decimal):
        return str(value)
    if isinstance(value, dict):
        return {str(reference(k)): reference(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [reference(v) for v in value]
        return sorted(items, key=repr) if isinstance(value, set | frozenset) else items
    return value


class Colour(Enum):
    RED = 1
    BLUE = "blue"


class Kind(StrEnum):
    ADVANCE = "advance"


@dataclass(frozen=True)
class Inner:
    amount: int
    on: date
    kind: Kind


@dataclass(frozen=True)
class Outer:
    inner: Inner
    items: tuple[Any, ...]
    extra: Any


leaves = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    st.text(max_size=5),
    st.dates(),
    st.datetimes(timezones=st.just(UTC)),
    st.uuids(),
    st.decimals(allow_nan=False, allow_infinity=False),
    st.sampled_from([*Colour, *Kind, *Role]),
    st.just(Inner),  # a class, kept as it is
)
keys = st.one_of(st.text(max_size=3), st.integers(), st.uuids(), st.dates(), st.sampled_from(Kind))


def nested(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    inner = st.builds(Inner, st.integers(), st.dates(), st.sampled_from(Kind))
    return st.one_of(
        st.lists(children, max_size=4),
        st.tuples(children, children),
        st.frozensets(st.integers() | st.text(max_size=3), max_size=4),
        st.dictionaries(keys, children, max_size=4),
        inner,
        st.builds(Outer, inner, st.lists(children, max_size=3).map(tuple), children),
    )


@settings(max_examples=300)
@given(st.recursive(leaves, nested, max_leaves=20))
def test_json_safe_follows_the_plain_rules(value: Any) -> None:
    assert json_safe(value) == reference(value)


_ENCODE = json.JSONEncoder(ensure_ascii=False, sort_keys=True).encode
text_keyed = st.recursive(
    leaves,
    lambda children: (
        nested(children).filter(lambda v: not isinstance(v, dict))
        | st.dictionaries(st.text(max_size=3), children, max_size=4)
    ),
    max_leaves=20,
)


def encoded(encode: Callable[[Any], str], value: Any) -> str | type[Exception]:
    try:
        return encode(value)
    except TypeError:  # a class is no JSON, either way
        return TypeError


@settings(max_examples=300)
@given(text_keyed)
def test_json_text_is_the_text_of_json_safe(value: Any) -> None:
    """Dicts keyed by text (as decoded events have): the C encoder's text, the same."""
    assert encoded(json_text, value) == encoded(lambda v: _ENCODE(json_safe(v)), value)


@settings(max_examples=100)
@given(st.dictionaries(st.uuids() | st.dates(), st.integers(), min_size=1, max_size=4))
def test_json_text_falls_back_for_keys_json_refuses(value: dict[Any, int]) -> None:
    assert json_text({"by": value}) == _ENCODE(json_safe({"by": value}))
