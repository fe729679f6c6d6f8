"""Shared fixtures: engines on every store, a fixed clock, actors and a ready scenario."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

import psycopg
import pytest

from subsidy.application import SubsidyEngine
from subsidy.bootstrap import build_engine, configure_logging
from subsidy.settings import Settings

POSTGRES_URL = os.environ.get(
    "SUBSIDY_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
# 2024-04-15 10:00 in Japan: early in FY2024 (令和6年度).
FIXED_NOW = datetime(2024, 4, 15, 1, 0, tzinfo=UTC)


class MovableClock:
    """The engines' clock in tests: fixed, and moved on when a scenario needs a later day."""

    def __init__(self) -> None:
        self.now = FIXED_NOW

    def __call__(self) -> datetime:
        return self.now

    def travel_to(self, day: date) -> None:
        """Make ``day`` today in Japan (10:00 JST)."""
        self.now = datetime.combine(day, time(1, 0), tzinfo=UTC)


CLOCK = MovableClock()


def travel_to(day: date) -> None:
    """Move every test engine's today to ``day``."""
    CLOCK.travel_to(day)


@pytest.fixture(autouse=True, scope="session")
def _quiet_plain_logs() -> None:
    """Warnings and errors only, with plain tracebacks (rich ones render every local)."""
    configure_logging(Settings(log_level="WARNING"))


@pytest.fixture(autouse=True)
def _clock_starts_on_the_fixed_day() -> None:
    CLOCK.now = FIXED_NOW


def postgres_skipped_on_purpose() -> bool:
    """PostgreSQL tests are skipped only when the environment says so explicitly."""
    return os.environ.get("SUBSIDY_SKIP_POSTGRES", "") not in ("", "0")


class PostgresSchema:
    """A throw-away schema in the test database, so tests never see each other's events."""

    def __init__(self) -> None:
        self.name = f"t_{uuid.uuid4().hex[:16]}"

    @property
    def url(self) -> str:
        return f"{POSTGRES_URL}?schema={self.name}"

    def __enter__(self) -> PostgresSchema:
        with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
            conn.execute(f'CREATE SCHEMA "{self.name}"')
        return self

    def __exit__(self, *exc: object) -> None:
        with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{self.name}" CASCADE')


@pytest.fixture
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database URL for the store the test is parametrised with (default: memory)."""
    store = getattr(request, "param", "memory")
    if store == "memory":
        yield "memory://"
    elif store == "sqlite":
        yield f"sqlite:///{tmp_path / 'events.sqlite3'}"
    else:
        if postgres_skipped_on_purpose():
            pytest.skip("SUBSIDY_SKIP_POSTGRES is set")
        with PostgresSchema() as schema:
            yield schema.url


ALL_STORES = [
    pytest.param("memory", id="memory"),
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
]
DURABLE_STORES = ALL_STORES[1:]


def make_engine(url: str, **settings: Any) -> SubsidyEngine:
    return build_engine(Settings(database_url=url, **settings), clock=CLOCK)


@pytest.fixture
def engine(store_url: str) -> Iterator[SubsidyEngine]:
    """An engine with the default scheme, on the store the test is parametrised with."""
    engine = make_engine(store_url)
    yield engine
    engine.close()


_skipped_postgres: list[str] = []
_skipped_browser: list[str] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.skipped and "postgres" in report.keywords:
        _skipped_postgres.append(report.nodeid)
    if report.skipped and "browser" in report.keywords:
        _skipped_browser.append(report.nodeid)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """In CI, a skipped PostgreSQL or browser test fails the run: never skipped silently."""
    del exitstatus
    for variable, skipped, what in (
        ("SUBSIDY_REQUIRE_POSTGRES", _skipped_postgres, "PostgreSQL"),
        ("SUBSIDY_REQUIRE_BROWSER", _skipped_browser, "browser"),
    ):
        if os.environ.get(variable, "") in ("", "0") or not skipped:
            continue
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        message = f"{len(skipped)} {what} test(s) were skipped but {variable} is set: failing"
        if reporter is not None:
            reporter.write_line(message, red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
