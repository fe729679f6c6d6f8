"""The composition root: typed settings in, a ready engine out. Nothing runs at import."""

from __future__ import annotations

import gc
import logging
import sys
from collections.abc import Sequence
from typing import Any

import structlog
from fastapi import FastAPI
from sqlalchemy import Engine, create_engine, event

from subsidy.api.app import create_app
from subsidy.api.security import SecurityPolicy
from subsidy.application import SubsidyEngine
from subsidy.application.core import Clock, utc_now
from subsidy.application.signing import DigestSigner
from subsidy.exports import Publisher
from subsidy.persistence.storage import (
    event_store_environment,
    postgres_dsn,
    schema_creation_lock,
)
from subsidy.projections.database import read_model_engine
from subsidy.projections.migrate import migrate
from subsidy.projections.registry import all_projections
from subsidy.projections.runner import ProjectionRunner
from subsidy.projections.worker import Worker
from subsidy.settings import Settings
from subsidy.web import mount_console


def configure_logging(settings: Settings) -> None:
    """Send structlog's output to stderr, as JSON or for a console."""
    renderer: structlog.typing.Processor = (
        structlog.processors.JSONRenderer(ensure_ascii=False)
        if settings.log_format == "json"
        # Plain tracebacks: a rich one would print local variables, which may hold secrets.
        else structlog.dev.ConsoleRenderer(exception_formatter=structlog.dev.plain_traceback)
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(
            logging.getLevelName(settings.log_level)
        ),
        logger_factory=_StderrLogger,
        cache_logger_on_first_use=False,
    )


class _StderrLogger:
    """Writes each line to the ``sys.stderr`` of the moment, which tests and CLIs may swap."""

    def __init__(self, *_: object) -> None:
        pass

    def msg(self, message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    log = debug = info = warning = error = critical = exception = msg


def freeze_startup_heap() -> None:
    """Keep what a long-running process built at start-up out of every later garbage collection.

    The modules, the app and the engine live as long as the process, yet each full collection
    walked all of them again: pauses of 40 to 90 ms in the API process and in the projection
    worker (which held SQLite's write lock through them, stalling every command). Frozen
    (``gc.freeze``), they are never scanned, and a full collection takes a few milliseconds.
    Call it once the process has built what it serves with, before it serves.
    """
    gc.collect()
    gc.freeze()


def build_engine(settings: Settings, *, clock: Clock = utc_now) -> SubsidyEngine:
    """The engine on the database that ``settings`` names, with the default scheme in place."""
    with schema_creation_lock(settings.database_url):
        engine = SubsidyEngine(
            event_store_environment(settings.database_url),
            clock=clock,
            snapshot_interval=settings.snapshot_interval,
            aggregate_cache_size=settings.aggregate_cache_size,
        )
        engine.ensure_default_scheme()
    structlog.get_logger("subsidy").debug("engine.ready", database=_redacted(settings.database_url))
    return engine


def _redacted(database_url: str) -> str:
    """The URL without its password, for logs."""
    if "@" not in database_url or "://" not in database_url:
        return database_url
    scheme, rest = database_url.split("://", 1)
    credentials, location = rest.rsplit("@", 1)
    user = credentials.split(":", 1)[0]
    return f"{scheme}://{user}@{location}"


def digest_signer(settings: Settings) -> DigestSigner | None:
    """The signer of chain digests, when the settings name a key."""
    if settings.digest_signing_key is None:
        return None
    return DigestSigner.from_pem_file(settings.digest_signing_key)


def publisher(settings: Settings) -> Publisher:
    """The 360Giving publisher the settings name: its prefix and the funder's identifier."""
    return Publisher(prefix=settings.giving360_prefix, identifier=settings.giving360_funder_id)


def build_read_models(settings: Settings) -> Engine:
    """The read-model database, migrated to the latest tables."""
    db = read_model_engine(settings.database_url)
    with schema_creation_lock(settings.database_url):
        migrate(db)
    return db


def build_query_engine(settings: Settings, db: Engine) -> Engine:
    """The engine the API and the console query the read models through.

    On SQLite, its transactions begin DEFERRED on read-only connections: in WAL mode each is a
    snapshot that never waits for the writer nor makes it wait. The projections' engine
    (``db``) begins IMMEDIATE, which a batch needs but which would make every request queue
    for the write lock behind the others, the projections and the commands. Elsewhere (and for
    the in-memory store, one connection) the queries share ``db``.
    """
    url = settings.database_url
    if not url.startswith("sqlite:///"):
        return db
    queries = create_engine(url, connect_args={"timeout": 30})

    @event.listens_for(queries, "connect")
    def _read_only(dbapi_connection: Any, _: Any) -> None:
        dbapi_connection.isolation_level = None  # SQLAlchemy begins, not the sqlite3 module
        dbapi_connection.execute("PRAGMA query_only = ON")

    @event.listens_for(queries, "begin")
    def _begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN DEFERRED")

    return queries


def build_runners(
    engine: SubsidyEngine, db: Engine, names: Sequence[str] | None = None, **options: Any
) -> list[ProjectionRunner]:
    """A runner for each projection (or for those named)."""
    projections = all_projections()
    known = {p.name for p in projections}
    unknown = set(names or ()) - known
    if unknown:
        msg = f"no projection named {', '.join(sorted(unknown))}; known: {', '.join(sorted(known))}"
        raise ValueError(msg)
    return [
        ProjectionRunner(p, recorder=engine.recorder, mapper=engine.mapper, db=db, **options)
        for p in projections
        if names is None or p.name in names
    ]


def build_worker(
    settings: Settings, runners: Sequence[ProjectionRunner], engine: SubsidyEngine
) -> Worker:
    """A worker that follows the log: LISTEN and advisory locks on PostgreSQL, polling on SQLite."""
    dsn = postgres_dsn(settings.database_url)
    channel = getattr(engine.recorder, "channel_name", None) if dsn else None
    namespace = event_store_environment(settings.database_url).get("POSTGRES_SCHEMA", "public")
    return Worker(runners, postgres_dsn=dsn, channel=channel, namespace=namespace)


def build_app(settings: Settings, *, follow: bool = True) -> FastAPI:
    """The HTTP API on the configured database; ``follow`` runs the projections in-process."""
    engine = build_engine(settings)
    db = build_read_models(settings)
    runners = build_runners(engine, db, batch_size=settings.projection_batch_size)
    worker = build_worker(settings, runners, engine) if follow else None
    policy = SecurityPolicy(settings.max_request_bytes, settings.hsts_max_age)
    app = create_app(
        engine,
        build_query_engine(settings, db),
        runners,
        worker=worker,
        digest_signer=digest_signer(settings),
        security_policy=policy,
        publisher=publisher(settings),
        threads=settings.api_threads,
    )
    return mount_console(app)
