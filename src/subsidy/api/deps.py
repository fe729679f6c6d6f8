"""What every route shares: the engine, the caller, safe-write headers and visibility.

A dependency that only reads the request is ``async``: FastAPI runs a plain ``def`` on a worker
thread, a hop (and a wait for one of the few threads) that such a dependency need not pay. Those
that touch the store (``current_user``) stay synchronous so the event loop never waits on it.
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

import structlog
from fastapi import Depends, Header, HTTPException, Request, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from subsidy.application import SubsidyEngine
from subsidy.domain.actor import Actor, Role
from subsidy.domain.errors import NotFound

__all__ = [
    "CurrentUser",
    "EngineDep",
    "ExpectedVersion",
    "IdempotencyKey",
    "current_user",
    "engine_of",
    "require_role",
    "set_etag",
    "visible_to",
]


_bearer = HTTPBearer(auto_error=False)


def _engine(request: Request) -> SubsidyEngine:
    engine: SubsidyEngine = request.app.state.engine
    return engine


async def engine_of(request: Request) -> SubsidyEngine:
    """The engine behind this app."""
    return _engine(request)


def current_user(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Actor:
    """The authenticated caller, or 401 with a problem body."""
    actor = _engine(request).authenticate(credentials.credentials) if credentials else None
    if actor is None:
        raise HTTPException(
            status_code=401,
            detail="a valid bearer token is required",
            headers={"WWW-Authenticate": "Bearer"},
        )
    request.state.actor = actor  # for the request log, which runs outside this thread
    structlog.contextvars.bind_contextvars(user=actor.user_id, role=actor.role.value)
    return actor


EngineDep = Annotated[SubsidyEngine, Depends(engine_of)]
CurrentUser = Annotated[Actor, Depends(current_user)]


async def idempotency_key(
    key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            max_length=200,
            description="Repeat a write safely: a retry with the same key records nothing new",
        ),
    ] = None,
) -> str | None:
    """The caller's idempotency key for this write, if any."""
    return key


async def expected_version(
    request: Request,
    if_match: Annotated[
        str | None,
        Header(alias="If-Match", description='The ETag read before, e.g. "3"; 412 if stale'),
    ] = None,
) -> int | None:
    """The aggregate version the caller read (from ``If-Match``), so a stale write fails."""
    if if_match is None or if_match.strip() == "*":
        return None  # "*": any current version will do
    request.state.if_match = True
    if if_match.strip().startswith("W/"):
        # A weak tag never satisfies If-Match (RFC 9110): the write is refused as stale.
        raise HTTPException(status_code=412, detail="If-Match needs a strong ETag, not a weak one")
    try:
        return int(if_match.strip().strip('"'))
    except ValueError:
        raise HTTPException(
            status_code=400, detail=f'If-Match must be an ETag such as "3", not {if_match}'
        ) from None


IdempotencyKey = Annotated[str | None, Depends(idempotency_key)]
ExpectedVersion = Annotated[int | None, Depends(expected_version)]


def set_etag(response: Response, version: int) -> None:
    """Give a single-resource read its ETag: the aggregate's version."""
    response.headers["ETag"] = f'"{version}"'


def require_role(*roles: Role) -> object:
    """A dependency that refuses callers without one of ``roles`` (403)."""

    async def check(user: Annotated[Actor, Depends(current_user)]) -> Actor:
        user.require(*roles)
        return user

    return Depends(check)


def visible_to(user: Actor, organisation_id: UUID, *bodies: UUID) -> None:
    """Applicants see only their own organisation's records: others answer 404, not 403."""
    if user.role is Role.APPLICANT and user.organisation_id not in (organisation_id, *bodies):
        raise NotFound("no such record", field="id")
