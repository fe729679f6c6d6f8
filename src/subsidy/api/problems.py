"""Every error as ``application/problem+json`` (RFC 9457), naming the field and the rule."""

from __future__ import annotations

import uuid
from http import HTTPStatus
from typing import Any

import structlog
from eventsourcing.persistence import ConnectionUnavailableError, OperationalError
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException

from subsidy.domain.errors import (
    ConcurrencyConflict,
    IdempotencyKeyReused,
    NotFound,
    PermissionDenied,
    SubsidyError,
    TransitionNotAllowed,
)

PROBLEM = "application/problem+json"
TYPE_BASE = "https://subsidy.invalid/problems/"
_log = structlog.get_logger("subsidy.api")

STATUS_OF: tuple[tuple[type[SubsidyError], int, str], ...] = (
    (NotFound, 404, "not-found"),
    (PermissionDenied, 403, "forbidden"),
    (TransitionNotAllowed, 409, "conflicting-state"),
    (ConcurrencyConflict, 409, "concurrent-change"),
    (IdempotencyKeyReused, 422, "idempotency-key-reused"),
)


class Problem(BaseModel):
    """An RFC 9457 problem: what went wrong, the field and the rule where they apply."""

    type: str
    title: str
    status: int
    detail: str
    field: str | None = None
    rule: str | None = None
    request_id: str | None = None
    errors: list[dict[str, str]] | None = None


def _documented(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {PROBLEM: {"schema": Problem.model_json_schema()}},
    }


RESPONSES: dict[int | str, dict[str, Any]] = {
    400: _documented("A malformed header"),
    401: _documented("No valid bearer token"),
    403: _documented("The caller's role may not do this"),
    404: _documented("No such record (or not the caller's organisation's)"),
    409: _documented("The record's state does not allow this, or a concurrent change won"),
    412: _documented("The If-Match version is stale"),
    413: _documented("The request body is larger than the limit (1 MiB unless configured)"),
    422: _documented("The request breaks a rule or is malformed; detail names field and rule"),
    500: _documented("An unexpected error; quote the request id"),
    503: _documented("The store is busy; nothing was recorded, send the request again"),
}
BUSY = "the event store is busy; nothing was recorded: send the same request again shortly"


def problem(status: int, kind: str, title: str, detail: str, **extra: Any) -> JSONResponse:
    """A problem+json response."""
    body = {"type": TYPE_BASE + kind, "title": title, "status": status, "detail": detail}
    body.update({k: v for k, v in extra.items() if v is not None})
    return JSONResponse(body, status_code=status, media_type=PROBLEM)


def install(app: FastAPI) -> None:
    """Map the engine's errors, validation errors and surprises to problem responses."""

    @app.exception_handler(SubsidyError)
    async def _rule(request: Request, error: SubsidyError) -> JSONResponse:
        status, kind = 422, "rule-violation"
        for error_type, code, name in STATUS_OF:
            if isinstance(error, error_type):
                status, kind = code, name
                break
        if isinstance(error, ConcurrencyConflict) and getattr(request.state, "if_match", False):
            status, kind = 412, "precondition-failed"  # the version named in If-Match is stale
        if error.rule == "roles.own_organisation" or isinstance(error, NotFound):
            # One answer for a missing record and for another organisation's: an applicant
            # cannot tell which it met.
            return problem(404, "not-found", "Not Found", "no such record", field="id")
        return problem(
            status, kind, type(error).__name__, error.message, field=error.field, rule=error.rule
        )

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, error: RequestValidationError) -> JSONResponse:
        fields = [_invalid_field(e) for e in error.errors()]
        detail = "; ".join(f"{f['field']}: {f['problem']}" for f in fields)
        first = fields[0] if fields else {}
        return problem(
            422,
            "invalid-request",
            "Invalid request",
            detail,
            field=first.get("field"),
            rule=first.get("rule"),
            errors=fields,
        )

    @app.exception_handler(HTTPException)
    async def _http(_: Request, error: HTTPException) -> JSONResponse:
        unreadable = _unreadable_body(error)
        if unreadable is not None:
            return unreadable
        title = HTTPStatus(error.status_code).phrase
        response = problem(error.status_code, "http", title, str(error.detail))
        for name, value in (error.headers or {}).items():
            response.headers[name] = value
        return response

    @app.exception_handler(ConnectionUnavailableError)
    @app.exception_handler(OperationalError)
    async def _busy(_: Request, error: Exception) -> JSONResponse:
        # The store stayed locked longer than the wait allows: nothing was recorded, and the
        # same request (with its idempotency key) can be sent again.
        _log.warning("request.store_busy", error=type(error).__name__)
        response = problem(503, "store-busy", "Service Unavailable", BUSY)
        response.headers["Retry-After"] = "1"
        return response

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, error: Exception) -> JSONResponse:
        request_id = getattr(request.state, "request_id", None) or str(uuid.uuid4())
        _log.exception("request.failed", request_id=request_id, error=type(error).__name__)
        detail = f"an unexpected error occurred; quote request id {request_id}"
        response = problem(500, "internal", "Internal error", detail, request_id=request_id)
        response.headers["X-Request-Id"] = request_id
        # This answer is sent outside every middleware, so it gets its security headers here.
        security_headers = getattr(request.app.state, "security_headers", None)
        if security_headers is not None:
            security_headers.apply(response.headers, request.url.path)
        return response


def _invalid_field(error: Any) -> dict[str, str]:
    """One offending field of a malformed request: where, what is wrong, and the rule."""
    kind = str(error["type"])
    if kind == "json_invalid":  # the location is a character offset, not a field
        reason = error.get("ctx", {}).get("error", "malformed")
        position = error["loc"][-1]
        return {
            "field": "body",
            "problem": f"not JSON: {reason} at character {position}",
            "rule": "body.json",
        }
    field = ".".join(str(p) for p in error["loc"] if p != "body") or "body"
    # Pydantic's own checks are schema rules; the request-body rules carry their own names.
    rule = kind if "." in kind else f"schema.{kind}"
    return {"field": field, "problem": error["msg"], "rule": rule}


def _unreadable_body(error: HTTPException) -> JSONResponse | None:
    """A problem naming the rule for a body that could not be read, else ``None``."""
    cause = error.__cause__
    if isinstance(cause, UnicodeDecodeError):
        detail = f"the body is not UTF-8: byte {cause.object[cause.start]:#04x} at {cause.start}"
        return problem(
            400, "unreadable-body", "Bad Request", detail, field="body", rule="body.utf-8"
        )
    if isinstance(cause, ValueError) and "integer string conversion" in str(cause):
        detail = "a number in the body has more digits than any field accepts"
        return problem(
            400, "unreadable-body", "Bad Request", detail, field="body", rule="numbers.magnitude"
        )
    return None
