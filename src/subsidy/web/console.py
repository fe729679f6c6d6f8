"""The web console, mounted on the API's FastAPI app: pages at ``/``, assets at ``/static``."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from subsidy.web.rendering import environment
from subsidy.web.routes import (
    applications,
    audit,
    auth,
    dashboard,
    finance,
    money,
    notices,
    reviews,
)
from subsidy.web.session import SessionCodec


def mount_console(app: FastAPI, *, session_key: bytes | None = None) -> FastAPI:
    """Serve the console from ``app`` (built by :func:`subsidy.api.app.create_app`).

    Args:
        app: The API application; its engine and read models serve the pages too.
        session_key: A Fernet key for session cookies; a new one (per process) if omitted.
    """
    app.state.console_sessions = SessionCodec(session_key)
    app.state.console_templates = environment()
    for module in (auth, dashboard, applications, reviews, finance, money, audit, notices):
        app.include_router(module.router)
    app.mount("/static", StaticFiles(packages=[("subsidy.web", "static")]), name="static")
    return app
