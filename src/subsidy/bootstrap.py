"""The composition root: typed settings in, a ready engine out. Nothing runs at import."""

from __future__ import annotations

import logging
import sys

import structlog

from subsidy.application import SubsidyEngine
from subsidy.application.core import Clock, utc_now
from subsidy.persistence.storage import event_store_environment, schema_creation_lock
from subsidy.settings import Settings


def configure_logging(settings: Settings) -> None:
    """Send structlog's output to stderr, as JSON or for a console."""
    renderer: structlog.typing.Processor = (
        structlog.processors.JSONRenderer(ensure_ascii=False)
        if settings.log_format == "json"
        else structlog.dev.ConsoleRenderer()
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


def build_engine(settings: Settings, *, clock: Clock = utc_now) -> SubsidyEngine:
    """The engine on the database that ``settings`` names, with the default scheme in place."""
    with schema_creation_lock(settings.database_url):
        engine = SubsidyEngine(
            event_store_environment(settings.database_url),
            clock=clock,
            snapshot_interval=settings.snapshot_interval,
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
