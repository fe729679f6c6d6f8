"""Signing in with a token, signing out, the start page and the language switch."""

from __future__ import annotations

from fastapi import Request, Response
from fastapi.responses import RedirectResponse

from subsidy.web.access import EngineDep, PostedForm, ViewerDep, codec_of
from subsidy.web.forms import Reader
from subsidy.web.i18n import LANG_COOKIE, LANGUAGES
from subsidy.web.pages import home_of
from subsidy.web.rendering import render
from subsidy.web.routing import console_router
from subsidy.web.session import Session, set_session_cookie

router = console_router()
YEAR_SECONDS = 365 * 24 * 60 * 60


def local_path(target: str | None) -> str | None:
    """``target`` if it is a path on this site (never another site's address), else ``None``."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return None
    return target


@router.get("/")
def start(viewer: ViewerDep) -> Response:
    """The signed-in user's first page, or the sign-in page."""
    if viewer.actor is None:
        return RedirectResponse("/login", status_code=303)
    return RedirectResponse(home_of(viewer.actor.role), status_code=303)


@router.get("/login")
def sign_in_page(request: Request, viewer: ViewerDep, next: str = "") -> Response:
    """The sign-in form (a signed-in user goes straight on)."""
    if viewer.actor is not None:
        return RedirectResponse(local_path(next) or home_of(viewer.actor.role), status_code=303)
    values = {"next": local_path(next) or ""}
    signed_out = request.query_params.get("signed_out") == "1"
    return render(request, "login.html", {"values": values, "signed_out": signed_out})


@router.post("/login")
def sign_in(request: Request, viewer: ViewerDep, form: PostedForm, engine: EngineDep) -> Response:
    """Check the token and start a signed-in session (a new CSRF token with it)."""
    reader = Reader(form, viewer.t)
    token = reader.text("token", required=True)
    actor = engine.authenticate(token) if token else None
    if actor is None:
        if token:
            reader.errors.add("token", viewer.t("login.invalid"))
        values = {"next": local_path(reader.text("next")) or ""}
        context = {"values": values, "errors": reader.errors, "signed_out": False}
        return render(request, "login.html", context, status=422)
    target = local_path(reader.text("next")) or home_of(actor.role)
    response = RedirectResponse(target, status_code=303)
    set_session_cookie(response, codec_of(request), Session.start(token))
    return response


@router.post("/logout")
def sign_out(request: Request, form: PostedForm) -> Response:
    """End the session: the cookie is replaced by a signed-out one."""
    del form  # checked for its CSRF token; it carries nothing else
    response = RedirectResponse("/login?signed_out=1", status_code=303)
    set_session_cookie(response, codec_of(request), Session.start())
    return response


@router.get("/language")
def switch_language(to: str = "ja", next: str = "/") -> Response:
    """Remember the chosen language and go back to the page."""
    response = RedirectResponse(local_path(next) or "/", status_code=303)
    if to in LANGUAGES:
        response.set_cookie(
            LANG_COOKIE,
            to,
            max_age=YEAR_SECONDS,
            path="/",
            secure=True,
            httponly=True,
            samesite="lax",
        )
    return response
