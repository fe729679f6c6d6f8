"""What every benchmark shares: result rows with their targets, sizes, stores and timing.

The benchmarks are plain scripts run by ``benchmarks/run.py`` with ``tests/`` on the path (they
build their worlds with the test suite's builders). Absolute rates drift on a shared two-core
machine; every row therefore carries a baseline measured in the same run, and targets are ratios
to it wherever the issue states them so.
"""

from __future__ import annotations

import os
import secrets
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import psycopg

from subsidy.application import SubsidyEngine
from subsidy.persistence.storage import event_store_environment

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
POSTGRES_URL = os.environ.get(
    "BENCH_POSTGRES_URL",
    os.environ.get("SUBSIDY_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"),
)
# 2024-04-15 10:00 in Japan, the day the test builders' world submits its applications.
BENCH_NOW = datetime(2024, 4, 15, 1, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Target:
    """A row's target: ``value / baseline`` (``relative``) or the value itself against ``limit``."""

    op: Literal[">=", "<="]
    limit: float
    relative: bool = True

    def met(self, value: float, baseline: float | None) -> bool | None:
        """Whether ``value`` meets the target; ``None`` when the baseline is missing."""
        if self.relative:
            if not baseline:
                return None
            value = value / baseline
        return value >= self.limit if self.op == ">=" else value <= self.limit

    def __str__(self) -> str:
        sign = "≥" if self.op == ">=" else "≤"
        return f"{sign} {self.limit:g}×" if self.relative else f"{sign} {self.limit:,g}"


@dataclass
class Row:
    """One line of the table: a figure, its same-run baseline and its target."""

    figure: str
    value: float | None
    unit: str
    baseline: float | None = None
    baseline_label: str = ""
    target: Target | None = None
    note: str = ""
    pending: str | None = None  # why the figure could not be measured in this run
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ratio(self) -> float | None:
        """``value / baseline`` when both exist."""
        if self.value is None or not self.baseline:
            return None
        return self.value / self.baseline

    @property
    def met(self) -> bool | None:
        """Whether the target is met (``None`` without a target or a value)."""
        if self.target is None or self.value is None:
            return None
        return self.target.met(self.value, self.baseline)

    def as_json(self) -> dict[str, Any]:
        """The row with its derived ratio and verdict, for ``latest.json``."""
        data = asdict(self)
        data["target"] = str(self.target) if self.target else None
        data["ratio"] = None if self.ratio is None else round(self.ratio, 3)
        data["met"] = self.met
        return data


def pending(figure: str, reason: str, target: Target | None = None) -> Row:
    """A row that this run could not measure, saying why."""
    return Row(figure, None, "", target=target, pending=reason)


# Sizes --------------------------------------------------------------------------------------

SCALES: dict[str, dict[str, int]] = {
    # Every row at a tiny size: proves the benchmarks still run (CI), not how fast they are.
    "smoke": {
        "commands": 60,
        "pg_commands": 40,
        "history": 600,
        "api_requests": 64,
        "api_seconds": 3,
        "aggregate_events": 200,
        "big_events": 2_000,
        "query_requests": 20,
        "export_rows": 2_000,
    },
    "default": {
        "commands": 2_000,
        "pg_commands": 500,
        "history": 10_000,
        "api_requests": 3_000,
        "api_seconds": 15,
        "aggregate_events": 10_000,
        "big_events": 100_000,
        "query_requests": 200,
        "export_rows": 100_000,
    },
    "full": {
        "commands": 4_000,
        "pg_commands": 1_500,
        "history": 50_000,
        "api_requests": 6_000,
        "api_seconds": 40,
        "aggregate_events": 10_000,
        "big_events": 1_000_000,
        "query_requests": 400,
        "export_rows": 100_000,
    },
}


@dataclass(frozen=True)
class Sizes:
    """How much work each benchmark does; ``BENCH_<NAME>`` overrides one size of the scale."""

    scale: str
    commands: int
    pg_commands: int
    history: int
    api_requests: int
    api_seconds: int
    aggregate_events: int
    big_events: int
    query_requests: int
    export_rows: int

    @classmethod
    def for_scale(cls, scale: str) -> Sizes:
        """The sizes of ``scale`` (smoke, default or full), with environment overrides."""
        if scale not in SCALES:
            msg = f"BENCH_SCALE must be one of {', '.join(SCALES)}, not {scale!r}"
            raise ValueError(msg)
        sizes = dict(SCALES[scale])
        for name in sizes:
            override = os.environ.get(f"BENCH_{name.upper()}")
            if override:
                sizes[name] = int(override.replace("_", ""))
        return cls(scale=scale, **sizes)


# Stores -------------------------------------------------------------------------------------


@contextmanager
def sqlite_url() -> Iterator[str]:
    """A fresh SQLite file, deleted afterwards."""
    with tempfile.TemporaryDirectory(prefix="subsidy-bench-") as folder:
        yield f"sqlite:///{folder}/bench.sqlite3"


def postgres_reachable() -> bool:
    """Whether the benchmark PostgreSQL server answers."""
    try:
        with psycopg.connect(_dsn(POSTGRES_URL), connect_timeout=3):
            return True
    except psycopg.OperationalError:
        return False


@contextmanager
def postgres_url() -> Iterator[str]:
    """A fresh schema on the benchmark PostgreSQL database, dropped afterwards."""
    schema = f"bench_{os.getpid()}_{secrets.token_hex(3)}"
    with psycopg.connect(_dsn(POSTGRES_URL), autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    try:
        yield f"{POSTGRES_URL}?schema={schema}"
    finally:
        with psycopg.connect(_dsn(POSTGRES_URL), autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


def _dsn(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def open_engine(
    url: str,
    *,
    clock: Callable[[], datetime],
    hash_chain: bool = True,
    create: bool = True,
    snapshot_interval: int = 50,
    aggregate_cache_size: int = 1_000,
) -> SubsidyEngine:
    """An engine on ``url`` as ``bootstrap.build_engine`` makes it, with the chain optional."""
    # Only the chain's own benchmark turns it off, so stores without the switch still open.
    switch: dict[str, Any] = {} if hash_chain else {"hash_chain": False}
    env = event_store_environment(url, create_tables=create, **switch)
    engine = SubsidyEngine(
        env,
        clock=clock,
        snapshot_interval=snapshot_interval,
        aggregate_cache_size=aggregate_cache_size,
    )
    engine.ensure_default_scheme()
    return engine


def bench_clock() -> datetime:
    """A fixed clock for engines outside the builders' world (worker processes)."""
    return BENCH_NOW


# Timing -------------------------------------------------------------------------------------


def rate(count: int, action: Callable[[], object]) -> float:
    """``count`` divided by the seconds ``action`` takes."""
    start = time.perf_counter()
    action()
    return count / (time.perf_counter() - start)


def median(values: list[float]) -> float:
    """The median of ``values``."""
    return statistics.median(values)
