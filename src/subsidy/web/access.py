"""Who is looking, in which language, and whether they may: the console's dependencies."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

import structlog
from fastapi import Depends, Request
from sqlalchemy import Engine
from starlette.datastructures import FormData

from subsidy.application import SubsidyEngine
from subsidy.domain.actor import Actor
from subsidy.projections.runner import ProjectionRunner, ProjectionStopped
from subsidy.web.i18n import Translator, language_of
from subsidy.web.pages import Page
from subsidy.web.session import CSRF_FIELD, SESSION_COOKIE, Session, SessionCodec

_log = structlog.get_logger("subsidy.web")


class SignInRequired(Exception):
    """The page needs a signed-in user; the console answers with the sign-in page."""


class PageRefused(Exception):
    """The console answers with an error page: the status and a catalogue key."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class Viewer:
    """The person looking at a page: language, session and, once signed in, the actor."""

    lang: str
    session: Session
    fresh: bool
    actor: Actor | None

    @property
    def t(self) -> Translator:
        """Labels in the viewer's language."""
        return Translator(self.lang)

    @property
    def user(self) -> Actor:
        """The signed-in actor (pages that need one have checked already)."""
        if self.actor is None:
            raise SignInRequired
        return self.actor


def codec_of(request: Request) -> SessionCodec:
    """The session codec of this app (one key per serving process)."""
    codec: SessionCodec = request.app.state.console_sessions
    return codec


def engine_of(request: Request) -> SubsidyEngine:
    """The engine behind the app."""
    engine: SubsidyEngine = request.app.state.engine
    return engine


def db_of(request: Request) -> Engine:
    """The read-model database."""
    db: Engine = request.app.state.db
    return db


def viewer_of(request: Request) -> Viewer:
    """The viewer of this request, worked out once and kept on the request."""
    known: Viewer | None = getattr(request.state, "viewer", None)
    if known is not None:
        return known
    session = codec_of(request).open(request.cookies.get(SESSION_COOKIE))
    fresh = session is None
    if session is None:
        session = Session.start()
    actor = engine_of(request).authenticate(session.token) if session.token else None
    if session.token and actor is None:  # revoked or unknown: sign out
        session, fresh = Session.start(), True
    viewer = Viewer(language_of(request), session, fresh, actor)
    request.state.viewer = viewer
    if actor is not None:
        request.state.actor = actor  # for the request log
        structlog.contextvars.bind_contextvars(user=actor.user_id, role=actor.role.value)
    return viewer


def allowed(page: Page) -> Any:
    """A dependency: the signed-in actor if ``page`` is open to their role."""

    def check(request: Request) -> Actor:
        actor = viewer_of(request).actor
        if actor is None:
            raise SignInRequired
        if not page.open_to(actor.role):
            raise PageRefused(403, "error.forbidden")
        return actor

    return Depends(check)


async def checked_form(request: Request) -> FormData:
    """The posted form, refused unless its CSRF token matches the session's."""
    form = await request.form()
    session = codec_of(request).open(request.cookies.get(SESSION_COOKIE))
    if session is None or not session.accepts(form.get(CSRF_FIELD)):
        _log.warning("console.csrf_refused", path=request.url.path)
        raise PageRefused(403, "error.csrf")
    return form


def caught_up(request: Request) -> None:
    """Bring the read models up to the write just made, so the next page shows it."""
    runners: list[ProjectionRunner] = request.app.state.runners
    for runner in runners:
        try:
            runner.catch_up()
        except ProjectionStopped:  # parked events: /readyz reports it; the page shows the rest
            continue


ViewerDep = Annotated[Viewer, Depends(viewer_of)]
EngineDep = Annotated[SubsidyEngine, Depends(engine_of)]
ReadModels = Annotated[Engine, Depends(db_of)]
PostedForm = Annotated[FormData, Depends(checked_form)]
