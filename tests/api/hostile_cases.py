"""Hostile requests for tests/api/test_hostile_input.py: valid bodies spoiled one way each.

Each case names the write it spoils, how, and the refusal it must get: status, field and rule.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from subsidy.api.security import MIB
from subsidy.domain.actor import Role

from builders import World


def draft_body(world: World, amount: int, fiscal_year: int = 2024) -> dict[str, Any]:
    line = {"category": "謝金", "description": "講師", "amount": amount}
    year = {"fiscal_year": fiscal_year, "cost_lines": [line], "requested": amount}
    return {
        "organisation_id": str(world.lead_id),
        "plan_id": str(world.plan_id),
        "plan_version": 1,
        "title": "巨額試験",
        "years": [year],
    }


# Every hostile request goes to one of these writes, as a caller allowed to make it.


@dataclass
class Target:
    """A write, the role that may make it, and a valid body to spoil."""

    role: Role
    path: Callable[[World, dict[str, str]], str]
    body: Callable[[World], dict[str, Any]]


def draft(world: World) -> dict[str, Any]:
    return {**draft_body(world, 1_000_000), "purpose": "職員の育成"}


def decision(_: World) -> dict[str, Any]:
    return {"outcome": "rejected", "reason": "計画が具体的でない"}


def advance(_: World) -> dict[str, Any]:
    return {"kind": "advance", "amount": 500_000, "paid_on": "2024-06-01"}


DRAFT = Target(Role.APPLICANT, lambda w, ids: "/api/v1/applications", draft)
DECIDE = Target(
    Role.APPROVER, lambda w, ids: f"/api/v1/applications/{ids['reviewed']}/decision", decision
)
PAY = Target(
    Role.FINANCE, lambda w, ids: f"/api/v1/approvals/{ids['approval']}/years/2024/payments", advance
)
AGREE = Target(
    Role.ADMINISTRATOR,
    lambda w, ids: "/api/v1/agreements",
    lambda w: {"party_ids": [str(w.member_id)], "signed_on": "2020-04-01"},
)


@dataclass
class Hostile:
    """A request that spoils a valid body, and the refusal it must get."""

    target: Target
    spoil: Callable[[dict[str, Any]], bytes]
    status: int
    field: str
    rule: str


def changed(**changes: Any) -> Callable[[dict[str, Any]], bytes]:
    """Spoil a body by setting top-level fields."""
    return lambda body: json.dumps({**body, **changes}).encode()


def in_first_line(**changes: Any) -> Callable[[dict[str, Any]], bytes]:
    """Spoil a draft's first cost line."""

    def spoil(body: dict[str, Any]) -> bytes:
        body["years"][0]["cost_lines"][0].update(changes)
        return json.dumps(body).encode()

    return spoil


def raw(text: bytes) -> Callable[[dict[str, Any]], bytes]:
    """Send these bytes instead of the body."""
    return lambda _: text


def replaced(old: bytes, new: bytes) -> Callable[[dict[str, Any]], bytes]:
    """Spoil the body's bytes (ensure_ascii=False keeps Japanese text as UTF-8 bytes)."""
    return lambda body: json.dumps(body, ensure_ascii=False).encode().replace(old, new)


HOSTILE = {
    "unknown-field": Hostile(
        DRAFT, changed(is_priority=True), 422, "is_priority", "schema.extra_forbidden"
    ),
    "unknown-nested-field": Hostile(
        DRAFT,
        in_first_line(colour="red"),
        422,
        "years.0.cost_lines.0.colour",
        "schema.extra_forbidden",
    ),
    "malformed-json": Hostile(DRAFT, raw(b'{"title": '), 422, "body", "body.json"),
    "json-array": Hostile(DRAFT, raw(b"[1, 2]"), 422, "body", "schema.model_attributes_type"),
    "yen-as-string": Hostile(
        DRAFT, in_first_line(amount="1000"), 422, "years.0.cost_lines.0.amount", "schema.int_type"
    ),
    "yen-as-boolean": Hostile(
        DRAFT, in_first_line(amount=True), 422, "years.0.cost_lines.0.amount", "schema.int_type"
    ),
    "fractional-yen": Hostile(
        DRAFT, in_first_line(amount=1000.5), 422, "years.0.cost_lines.0.amount", "schema.int_type"
    ),
    "negative-yen": Hostile(
        DRAFT,
        in_first_line(amount=-1),
        422,
        "years.0.cost_lines.0.amount",
        "schema.greater_than_equal",
    ),
    "negative-advance": Hostile(
        PAY, changed(amount=-500_000), 422, "advance.amount", "schema.greater_than"
    ),
    "huge-integer": Hostile(
        DRAFT, changed(plan_version=10**16), 422, "plan_version", "numbers.magnitude"
    ),
    "5000-digit-number": Hostile(
        DRAFT, raw(b'{"plan_version": 1' + b"0" * 5000 + b"}"), 400, "body", "numbers.magnitude"
    ),
    "date-too-late": Hostile(
        PAY, changed(paid_on="2500-04-01"), 422, "advance.paid_on", "dates.range"
    ),
    "date-too-early": Hostile(
        AGREE, changed(signed_on="1900-01-01"), 422, "signed_on", "dates.range"
    ),
    "impossible-date": Hostile(
        AGREE,
        changed(signed_on="2024-02-30"),
        422,
        "signed_on",
        "schema.date_from_datetime_parsing",
    ),
    "not-utf-8": Hostile(DRAFT, replaced("巨額".encode(), b"\xff\xfe"), 400, "body", "body.utf-8"),
    "encoded-lone-surrogate": Hostile(
        DRAFT, replaced("巨額".encode(), b"\xed\xa0\x80"), 422, "title", "schema.string_unicode"
    ),
    "escaped-nul-in-title": Hostile(
        DRAFT, changed(title="巨額\u0000"), 422, "title", "text.control_character"
    ),
    "line-feed-in-title": Hostile(
        DRAFT, changed(title="巨額\n試験"), 422, "title", "text.control_character"
    ),
    "escape-in-cost-line": Hostile(
        DRAFT,
        in_first_line(description="講師\x1b[31m"),
        422,
        "years.0.cost_lines.0.description",
        "text.control_character",
    ),
    "c1-control-in-reason": Hostile(
        DECIDE, changed(reason="理由\x85"), 422, "reason", "text.control_character"
    ),
    "nul-in-multiline-reason": Hostile(
        DECIDE, changed(reason="理由\n\x00"), 422, "reason", "text.control_character"
    ),
    "control-in-a-list-item": Hostile(
        DECIDE,
        changed(outcome="approved", conditions=["可", "\x07"]),
        422,
        "conditions",
        "text.control_character",
    ),
    "body-over-the-limit": Hostile(DRAFT, raw(b" " * (MIB + 1)), 413, "body", "body.max_bytes"),
}
