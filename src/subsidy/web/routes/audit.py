"""The auditor's pages: the audit log, any record's state as of a moment, and integrity."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any
from uuid import UUID

from fastapi import Request
from fastapi.responses import HTMLResponse

from subsidy.api.routes.reads import redacted
from subsidy.application import SubsidyEngine, integrity
from subsidy.application.signing import DigestSigner
from subsidy.domain.actor import Actor
from subsidy.domain.errors import SubsidyError
from subsidy.projections import audit_log
from subsidy.projections.support import JAPAN, as_utc, json_safe
from subsidy.web.access import EngineDep, ReadModels, ViewerDep, allowed
from subsidy.web.forms import Reader
from subsidy.web.pages import AUDIT_LOG, AUDIT_STATE, INTEGRITY
from subsidy.web.rendering import render
from subsidy.web.routing import console_router

router = console_router()
PER_PAGE = 100
END_OF_DAY = time(23, 59, 59)


@router.get("/audit")
def audit_page(
    request: Request,
    viewer: ViewerDep,
    db: ReadModels,
    _: Annotated[Actor, allowed(AUDIT_LOG)],
    page: int = 1,
) -> HTMLResponse:
    """Every stored event in log order, filtered by record, actor, event and dates."""
    reader = Reader(request.query_params, viewer.t)
    filters = _log_filters(reader)
    page = max(page, 1)
    rows: list[dict[str, Any]] = []
    if not reader.errors:
        with db.connect() as conn:
            rows = audit_log.audit_events(
                conn, **filters, limit=PER_PAGE, offset=(page - 1) * PER_PAGE
            )
    for row in rows:
        row["recorded_at"] = as_utc(row["recorded_at"])
        row["details"] = redacted(json.loads(row["details"]))
    context = {
        "rows": rows,
        "errors": reader.errors,
        "values": reader.values(),
        "page": page,
        "more": len(rows) == PER_PAGE,
    }
    return render(request, "audit_log.html", context, status=422 if reader.errors else 200)


def _log_filters(reader: Reader) -> dict[str, Any]:
    """The audit-log query from the filter form; dates are whole days in Japan."""
    aggregate = reader.text("aggregate_id")
    aggregate_id = _uuid(reader, "aggregate_id") if aggregate else None
    since, until = reader.day("since"), reader.day("until")
    return {
        "aggregate_id": str(aggregate_id) if aggregate_id else None,
        "actor_id": reader.text("actor")[:200] or None,
        "event_type": reader.text("type")[:64] or None,
        "since": _start_of(since),
        "until": _start_of(until + timedelta(days=1)) if until else None,
    }


def _start_of(day: date | None) -> datetime | None:
    """The first instant of ``day`` in Japan, in UTC as the read model keeps instants."""
    return None if day is None else datetime.combine(day, time(0), tzinfo=JAPAN).astimezone(UTC)


def _uuid(reader: Reader, name: str) -> UUID | None:
    try:
        return UUID(reader.text(name))
    except ValueError:
        reader.errors.add(name, reader.t("error.uuid"))
        return None


@router.get("/audit/state")
def state_page(
    request: Request,
    viewer: ViewerDep,
    engine: EngineDep,
    _: Annotated[Actor, allowed(AUDIT_STATE)],
) -> HTMLResponse:
    """A record's state as it stood at a moment (or after a version), replayed from the store."""
    reader = Reader(request.query_params, viewer.t)
    state = None
    if reader.text("aggregate_id"):
        state = _replayed(engine, reader)
    context = {"state": state, "errors": reader.errors, "values": reader.values()}
    return render(request, "audit_state.html", context, status=422 if reader.errors else 200)


def _replayed(engine: SubsidyEngine, reader: Reader) -> dict[str, Any] | None:
    aggregate_id = _uuid(reader, "aggregate_id")
    at = _moment(reader)
    version = reader.whole("version", "error.version", low=1) if reader.text("version") else None
    if at is None and version is None and not reader.errors:
        reader.errors.add("date", reader.t("error.required"))
    if reader.errors or aggregate_id is None:
        return None
    try:
        replayed = engine.state_as_of(aggregate_id, at=None if version else at, version=version)
    except SubsidyError as error:
        # The engine names the instant "as_of" and the record "id"; the form's fields differ.
        field = {"as_of": "date", "id": "aggregate_id"}.get(error.field or "", error.field)
        reader.errors.refused(
            SubsidyError(error.message, field=field), {"version", "aggregate_id", "date"}
        )
        return None
    state = redacted(json_safe(replayed.state))
    return {
        "replayed": replayed,
        "fields": [
            (key, json.dumps(value, ensure_ascii=False, indent=1)) for key, value in state.items()
        ],
    }


def _moment(reader: Reader) -> datetime | None:
    """The chosen date and time in Japan (the end of the day when no time is given)."""
    day = reader.day("date")
    text = reader.text("time")
    moment = END_OF_DAY
    if text:
        try:
            moment = time.fromisoformat(text)
        except ValueError:
            reader.errors.add("time", reader.t("error.time"))
            return None
    return None if day is None else datetime.combine(day, moment, tzinfo=JAPAN)


@router.get("/audit/integrity")
def integrity_page(
    request: Request,
    engine: EngineDep,
    _: Annotated[Actor, allowed(INTEGRITY)],
) -> HTMLResponse:
    """The chain's latest digest and a fresh walk of the whole chain against it."""
    signer: DigestSigner | None = getattr(request.app.state, "digest_signer", None)
    return render(request, "integrity.html", integrity_status(engine, signer))


def integrity_status(engine: SubsidyEngine, signer: DigestSigner | None) -> dict[str, Any]:
    """The digest (signed when the server has a key) and the verification, or why not."""
    try:
        digest = integrity.take_digest(engine, signer=signer, now=engine.now())
        verification = integrity.verify(engine, digest)
    except SubsidyError:
        return {"available": False, "digest": None, "verification": None}
    return {"available": True, "digest": digest, "verification": verification}
