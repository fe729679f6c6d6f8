"""Defences every response shares: security headers, a body-size limit, safe request ids and logs.

The headers are set on every HTTP response the app sends, errors and 404s included, unless the
route set that header itself: a page that needs another ``Content-Security-Policy`` (the web
console, say) sets its own and keeps it. ``/docs`` and ``/redoc`` load Swagger UI and ReDoc from
a CDN and run an inline start-up script, so they get a policy of their own that allows exactly
that; everything else is JSON (or CSV, XLSX, metrics text) and may load nothing at all.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from uuid import uuid4

import structlog
from fastapi import FastAPI
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from subsidy.api.problems import problem

MIB = 1024 * 1024

API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
# Swagger UI and ReDoc come from jsDelivr and start from an inline script; their styles are inline
# too, ReDoc fetches its fonts from Google and runs a worker from a blob.
DOCS_CSP = (
    "default-src 'none'; "
    "script-src 'self' https://cdn.jsdelivr.net 'unsafe-inline'; "
    "style-src 'self' https://cdn.jsdelivr.net https://fonts.googleapis.com 'unsafe-inline'; "
    "font-src https://fonts.gstatic.com; "
    "img-src 'self' data: https://fastapi.tiangolo.com https://cdn.jsdelivr.net; "
    "connect-src 'self'; worker-src blob:; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)
# A request id a proxy may hand us: a UUID or a run of hex digits (nginx's $request_id). Anything
# else is replaced, so a client cannot forge log lines or smuggle a secret into them.
_REQUEST_ID = re.compile(r"[0-9A-Fa-f-]{8,64}")
_log = structlog.get_logger("subsidy.api")


@dataclass(frozen=True)
class SecurityPolicy:
    """How strict the HTTP edge is.

    Attributes:
        max_body_bytes: The largest request body accepted; a larger one is answered 413.
        hsts_max_age: Seconds for ``Strict-Transport-Security``; 0 (the default) sends no such
            header, which is right unless the app is served over TLS only.
    """

    max_body_bytes: int = MIB
    hsts_max_age: int = 0


@dataclass(frozen=True)
class HeaderDefaults:
    """The security headers for a response to a path, unless the response set its own."""

    policy: SecurityPolicy
    docs_paths: tuple[str, ...]

    def for_path(self, path: str) -> dict[str, str]:
        """The headers a response to ``path`` gets."""
        headers = {
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
            "X-Frame-Options": "DENY",
            "Content-Security-Policy": DOCS_CSP if path in self.docs_paths else API_CSP,
            # Every answer may name applicants and amounts: no cache keeps a copy.
            "Cache-Control": "no-store",
        }
        if self.policy.hsts_max_age > 0:
            age = self.policy.hsts_max_age
            headers["Strict-Transport-Security"] = f"max-age={age}; includeSubDomains"
        return headers

    def apply(self, headers: MutableHeaders, path: str) -> None:
        """Add each header ``headers`` lacks."""
        for name, value in self.for_path(path).items():
            if name not in headers:
                headers[name] = value


def install(app: FastAPI, policy: SecurityPolicy) -> None:
    """Limit request bodies, add the security headers to every response, redact the access log.

    Call it after every other middleware is added: its headers must wrap all of them.
    """
    docs = tuple(p for p in (app.docs_url, app.redoc_url, app.swagger_ui_oauth2_redirect_url) if p)
    defaults = HeaderDefaults(policy, docs)
    app.state.security_headers = defaults  # for the 500 handler, which answers past middleware
    app.add_middleware(BodyLimit, max_bytes=policy.max_body_bytes)
    app.add_middleware(SecurityHeaders, defaults=defaults)
    redact_access_log()


class SecurityHeaders:
    """ASGI middleware that adds the security headers a response does not set itself."""

    def __init__(self, app: ASGIApp, *, defaults: HeaderDefaults) -> None:
        self.app = app
        self.defaults = defaults

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                self.defaults.apply(MutableHeaders(scope=message), path)
            await send(message)

        await self.app(scope, receive, send_with_headers)


class BodyLimit:
    """ASGI middleware that answers 413 to a body over ``max_bytes`` before the app reads it.

    A declared ``Content-Length`` is checked at once; a chunked body is read up to the limit
    (never further) and handed on only when it fits.
    """

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length")
        if declared is not None:
            if not declared.isdigit():
                detail = f"Content-Length must be a number of bytes, not {declared[:40]!r}"
                await problem(400, "http", "Bad Request", detail, field="Content-Length")(
                    scope, receive, send
                )
            elif int(declared) > self.max_bytes:
                await self._refuse(scope, receive, send)
            else:
                await self.app(scope, receive, send)
            return
        messages = await self._read_within_limit(receive)
        if messages is None:
            await self._refuse(scope, receive, send)
            return

        async def replay() -> Message:
            return messages.pop(0) if messages else await receive()

        await self.app(scope, replay, send)

    async def _read_within_limit(self, receive: Receive) -> list[Message] | None:
        """The body's messages, or ``None`` as soon as they pass the limit."""
        messages: list[Message] = []
        size = 0
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                return messages  # the client went away: let the app see it
            size += len(message.get("body", b""))
            if size > self.max_bytes:
                return None
            if not message.get("more_body", False):
                return messages

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        _log.warning("request.too_large", method=scope.get("method"), path=scope.get("path"))
        detail = f"the request body is larger than the {self.max_bytes:,} bytes accepted"
        response = problem(
            413, "too-large", "Content Too Large", detail, field="body", rule="body.max_bytes"
        )
        await response(scope, receive, send)


def request_id(supplied: str | None) -> str:
    """The id to log this request under: the caller's, when it looks like one, else a new one."""
    if supplied and _REQUEST_ID.fullmatch(supplied):
        return supplied
    return str(uuid4())


class _QueryRedactor(logging.Filter):
    """Drops query strings from uvicorn's access log: a caller may put a secret in one."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        # uvicorn logs (client, method, path with query, http version, status).
        if isinstance(args, tuple) and len(args) == 5 and isinstance(args[2], str):
            path, mark, _ = args[2].partition("?")
            record.args = (*args[:2], path + ("?[redacted]" if mark else ""), *args[3:])
        return True


def redact_access_log() -> None:
    """Make uvicorn's access log (when a server turns it on) leave out query strings."""
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, _QueryRedactor) for f in access.filters):
        access.addFilter(_QueryRedactor())
