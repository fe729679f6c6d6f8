"""The FastAPI application, built from an engine and its read models (never at import)."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

import anyio.to_thread
from fastapi import APIRouter, FastAPI, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import Engine, text

from subsidy.api import problems, request_log, security
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
from subsidy.exports import DEFAULT_PUBLISHER, Publisher
from subsidy.projections.runner import ProjectionRunner
from subsidy.projections.worker import Worker

# FastAPI runs each synchronous endpoint and dependency on a worker thread; anyio allows 40. A few
# are enough to keep one core busy, and fewer threads fighting for the GIL (and for SQLite, which
# releases it at every row) cut the tail latency and the memory: see docs/performance.md.
THREADS = 8
PROBE_THREADS = 2
"""Threads for ``/readyz`` alone, besides the ``THREADS`` every other synchronous call shares."""


def create_app(
    engine: SubsidyEngine,
    db: Engine,
    runners: Sequence[ProjectionRunner],
    *,
    worker: Worker | None = None,
    digest_signer: DigestSigner | None = None,
    security_policy: security.SecurityPolicy | None = None,
    publisher: Publisher = DEFAULT_PUBLISHER,
    threads: int = THREADS,
) -> FastAPI:
    """The API over ``engine``; with a ``worker``, the projections follow the log in-process.

    ``digest_signer`` signs the hash chain's digests served at ``/api/v1/audit/digest``;
    ``security_policy`` sets the request-size limit and HSTS (the defaults when omitted);
    ``publisher`` names the 360Giving publisher of ledger exports; ``threads`` is how many
    synchronous endpoints and dependencies may run at once (the rest wait their turn).
    """
    policy = security_policy or security.SecurityPolicy()

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        # The limiter belongs to the event loop the server runs, so it is set once that runs.
        anyio.to_thread.current_default_thread_limiter().total_tokens = threads
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
    request_log.install(app)
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


def _health_routes() -> APIRouter:
    router = APIRouter()

    @router.get("/healthz", tags=["operations"])
    def healthz() -> dict[str, str]:
        """The process is up."""
        return {"status": "ok"}

    @router.get("/readyz", tags=["operations"])
    async def readyz(request: Request, response: Response) -> dict[str, Any]:
        """The database answers, and how far each read model lags behind the log.

        The probe runs on threads of its own, so that requests holding every API thread (long
        exports, commands waiting for the database) never make the process look dead.
        """
        state = request.app.state
        if getattr(state, "probe_limiter", None) is None:  # made on the loop that serves
            state.probe_limiter = anyio.CapacityLimiter(PROBE_THREADS)
        status, body = await anyio.to_thread.run_sync(
            _readiness, state, limiter=state.probe_limiter
        )
        response.status_code = status
        return body

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


def _readiness(state: Any) -> tuple[int, dict[str, Any]]:
    """The readiness answer: its status code and body."""
    try:
        with state.db.connect() as conn:
            conn.execute(text("SELECT 1"))
        statuses = [r.status() for r in state.runners]
    except Exception as error:  # the database is unreachable: not ready, say why
        return 503, {"status": "unavailable", "reason": type(error).__name__}
    lag = {s.name: s.lag for s in statuses}
    parked = {s.name: s.parked for s in statuses if s.parked}
    if parked:  # a read model stopped on an event an operator must look at
        return 503, {"status": "degraded", "projection_lag": lag, "parked": parked}
    return 200, {"status": "ready", "projection_lag": lag}
