"""The FastAPI application, built from an engine and its read models (never at import)."""

from __future__ import annotations

import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any

import structlog
from fastapi import APIRouter, FastAPI, Request, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from sqlalchemy import Engine, text

from subsidy.api import problems, security
from subsidy.api.deps import CurrentUser
from subsidy.api.routes import (
    applications,
    disbursements,
    integrity,
    ledger,
    money,
    organisations,
    plans,
    reads,
)
from subsidy.application import SubsidyEngine
from subsidy.application.signing import DigestSigner
from subsidy.domain.actor import Actor
from subsidy.exports import DEFAULT_PUBLISHER, Publisher
from subsidy.projections.runner import ProjectionRunner
from subsidy.projections.worker import Worker

_log = structlog.get_logger("subsidy.api")


def create_app(
    engine: SubsidyEngine,
    db: Engine,
    runners: Sequence[ProjectionRunner],
    *,
    worker: Worker | None = None,
    digest_signer: DigestSigner | None = None,
    security_policy: security.SecurityPolicy | None = None,
    publisher: Publisher = DEFAULT_PUBLISHER,
) -> FastAPI:
    """The API over ``engine``; with a ``worker``, the projections follow the log in-process.

    ``digest_signer`` signs the hash chain's digests served at ``/api/v1/audit/digest``;
    ``security_policy`` sets the request-size limit and HSTS (the defaults when omitted);
    ``publisher`` names the 360Giving publisher of ledger exports.
    """
    policy = security_policy or security.SecurityPolicy()

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        stop = threading.Event()
        thread = None
        if worker is not None:
            thread = threading.Thread(target=worker.run, args=(stop,), daemon=True)
            thread.start()
        yield
        stop.set()
        if thread is not None:
            thread.join(timeout=10)

    app = FastAPI(
        title="subsidy",
        summary="地方創生人材育成伴走型支援事業: applications, reviews, decisions, money, audit",
        version="1",
        lifespan=lifespan,
    )
    app.state.engine = engine
    app.state.db = db
    app.state.runners = list(runners)
    app.state.digest_signer = digest_signer
    app.state.publisher = publisher
    problems.install(app)
    _install_request_logging(app)
    security.install(app, policy)  # outermost: its headers reach every answer
    app.include_router(_health_routes(), responses=problems.RESPONSES)
    for router in routers():
        app.include_router(router, responses=problems.RESPONSES)
    return app


def routers() -> list[APIRouter]:
    """Every resource router."""
    return [
        organisations.router,
        plans.router,
        applications.router,
        money.router,
        disbursements.router,
        reads.router,
        ledger.router,
        integrity.router,
    ]


def _install_request_logging(app: FastAPI) -> None:
    registry = CollectorRegistry()
    requests = Counter(
        "subsidy_http_requests", "HTTP requests", ["method", "route", "status"], registry=registry
    )
    seconds = Histogram(
        "subsidy_http_request_seconds", "HTTP request duration", ["route"], registry=registry
    )
    app.state.metrics = registry

    @app.middleware("http")
    async def _log_request(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        request_id = security.request_id(request.headers.get("x-request-id"))
        request.state.request_id = request_id
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id)
        started = time.perf_counter()
        try:
            response = await call_next(request)
        except Exception:
            route = getattr(request.scope.get("route"), "path", request.url.path)
            requests.labels(request.method, route, "500").inc()
            _log.error("request", method=request.method, route=route, status=500)
            raise
        route = getattr(request.scope.get("route"), "path", request.url.path)
        duration = time.perf_counter() - started
        requests.labels(request.method, route, str(response.status_code)).inc()
        seconds.labels(route).observe(duration)
        response.headers["X-Request-Id"] = request_id
        actor: Actor | None = getattr(request.state, "actor", None)
        _log.info(
            "request",
            method=request.method,
            route=route,
            status=response.status_code,
            duration_ms=round(duration * 1000, 1),
            user=actor.user_id if actor else None,
            role=actor.role.value if actor else None,
            aggregate=_aggregate_of(request),
        )
        return response


def _aggregate_of(request: Request) -> str | None:
    """The record the request is about: the first id in its path, if any."""
    for name, value in request.path_params.items():
        if name.endswith("_id") or name == "id":
            return str(value)
    return None


def _health_routes() -> APIRouter:
    router = APIRouter()

    @router.get("/healthz", tags=["operations"])
    def healthz() -> dict[str, str]:
        """The process is up."""
        return {"status": "ok"}

    @router.get("/readyz", tags=["operations"])
    def readyz(request: Request, response: Response) -> dict[str, Any]:
        """The database answers, and how far each read model lags behind the log."""
        try:
            with request.app.state.db.connect() as conn:
                conn.execute(text("SELECT 1"))
            statuses = [r.status() for r in request.app.state.runners]
        except Exception as error:  # the database is unreachable: not ready, say why
            response.status_code = 503
            return {"status": "unavailable", "reason": type(error).__name__}
        lag = {s.name: s.lag for s in statuses}
        parked = {s.name: s.parked for s in statuses if s.parked}
        if parked:  # a read model stopped on an event an operator must look at
            response.status_code = 503
            return {"status": "degraded", "projection_lag": lag, "parked": parked}
        return {"status": "ready", "projection_lag": lag}

    @router.get("/metrics", tags=["operations"], response_class=Response)
    def metrics(request: Request) -> Response:
        """Prometheus metrics of this process."""
        return Response(generate_latest(request.app.state.metrics), media_type=CONTENT_TYPE_LATEST)

    @router.get("/api/v1/me", tags=["accounts"])
    def me(user: CurrentUser) -> dict[str, Any]:
        """Who the bearer token stands for."""
        return {
            "user": user.user_id,
            "role": user.role.value,
            "organisation_id": str(user.organisation_id) if user.organisation_id else None,
        }

    return router
