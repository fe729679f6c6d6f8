"""The request log and the HTTP metrics: one line and one count for every request.

Plain ASGI middleware rather than ``@app.middleware("http")``: Starlette's ``BaseHTTPMiddleware``
runs the app in a task of its own and copies every response through a memory stream, which cost
a fifth of each request (docs/performance.md). This sees the same messages pass and touches none.
"""

from __future__ import annotations

import time

import structlog
from fastapi import FastAPI
from prometheus_client import CollectorRegistry, Counter, Histogram
from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from subsidy.api import security
from subsidy.domain.actor import Actor

_log = structlog.get_logger("subsidy.api")


def install(app: FastAPI) -> None:
    """Log every request the app answers and count it in ``app.state.metrics`` (Prometheus)."""
    registry = CollectorRegistry()
    requests = Counter(
        "subsidy_http_requests", "HTTP requests", ["method", "route", "status"], registry=registry
    )
    seconds = Histogram(
        "subsidy_http_request_seconds", "HTTP request duration", ["route"], registry=registry
    )
    app.state.metrics = registry
    app.add_middleware(RequestLog, requests=requests, seconds=seconds)


class RequestLog:
    """ASGI middleware: a request id for each request, then its log line and its metrics.

    The id (the caller's ``X-Request-Id`` when it looks like one, else a new one) is bound to the
    log context, kept in ``request.state`` and sent back in ``X-Request-Id``. The line names the
    method, the route's template (never the path's query), the status, the duration up to the
    last byte sent, the caller's user and role, and the record the path names.
    """

    def __init__(self, app: ASGIApp, *, requests: Counter, seconds: Histogram) -> None:
        self.app = app
        self.requests = requests
        self.seconds = seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        # The router fills the same scope in (route, path parameters), and the routes keep the
        # actor in its state, so this request sees them once the app has answered.
        request = Request(scope)
        request_id = security.request_id(request.headers.get("x-request-id"))
        request.state.request_id = request_id
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id)
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message)["X-Request-Id"] = request_id
            await send(message)

        started = time.perf_counter()
        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            route = _route_of(request)
            self.requests.labels(request.method, route, "500").inc()
            _log.error("request", method=request.method, route=route, status=500)
            raise
        duration = time.perf_counter() - started
        route = _route_of(request)
        self.requests.labels(request.method, route, str(status)).inc()
        self.seconds.labels(route).observe(duration)
        actor: Actor | None = getattr(request.state, "actor", None)
        _log.info(
            "request",
            method=request.method,
            route=route,
            status=status,
            duration_ms=round(duration * 1000, 1),
            user=actor.user_id if actor else None,
            role=actor.role.value if actor else None,
            aggregate=_aggregate_of(request),
        )


def _route_of(request: Request) -> str:
    """The matched route's template (``/api/v1/applications/{application_id}``), else the path."""
    path = getattr(request.scope.get("route"), "path", None)
    if isinstance(path, str):
        return path
    return request.url.path  # built only when no route matched: building it costs


def _aggregate_of(request: Request) -> str | None:
    """The record the request is about: the first id in its path, if any."""
    for name, value in request.path_params.items():
        if name.endswith("_id") or name == "id":
            return str(value)
    return None
