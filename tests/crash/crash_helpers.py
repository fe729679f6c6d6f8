"""Processes to kill: the API server and projection workers, started as a deployment would."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx2 as httpx
from sqlalchemy import Engine, MetaData, create_engine, select

from subsidy.application import SubsidyEngine
from subsidy.bootstrap import build_read_models, build_runners
from subsidy.projections import tracking
from subsidy.projections.registry import all_projections
from subsidy.settings import Settings

SUBSIDY = str(Path(sys.executable).with_name("subsidy"))
START_TIMEOUT = 60.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def environment(url: str) -> dict[str, str]:
    """The child's environment: the store, quiet logs, no key unless the test sets one."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SUBSIDY_")}
    batch = os.environ.get("SUBSIDY_PROJECTION_BATCH_SIZE", "500")
    return env | {
        "SUBSIDY_DATABASE_URL": url,
        "SUBSIDY_LOG_LEVEL": "WARNING",
        "SUBSIDY_PROJECTION_BATCH_SIZE": batch,
    }


def wait_for(condition: Callable[[], bool], what: str, timeout: float = START_TIMEOUT) -> None:
    """Poll ``condition`` until it holds; fail the test naming ``what`` if it never does."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    msg = f"timed out waiting for {what}"
    raise AssertionError(msg)


class Server:
    """``subsidy serve`` in a child process, on a free port of the loopback interface."""

    def __init__(self, url: str, log: Path) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self._log = log.open("ab")
        self.process = subprocess.Popen(
            [SUBSIDY, "serve", "--host", "127.0.0.1", "--port", str(self.port)],
            env=environment(url),
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        wait_for(self._healthy, f"the API on port {self.port}")

    def _healthy(self) -> bool:
        if self.process.poll() is not None:
            msg = f"the API exited with {self.process.returncode}"
            raise AssertionError(msg)
        try:
            return httpx.get(f"{self.base}/healthz", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    def kill(self) -> None:
        """SIGKILL: no shutdown hook, no flush, no rollback the process itself performs."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)
        self._log.close()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=20)
        self._log.close()


def start_worker(url: str, log: Path) -> subprocess.Popen[bytes]:
    """``subsidy projections run`` in a child process."""
    return subprocess.Popen(
        [SUBSIDY, "projections", "run"],
        env=environment(url),
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )


def read_model_rows(db: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every read-model table, sorted, keyed by table name, comparable across
    databases."""
    rows = {}
    with db.connect() as conn:
        for projection in all_projections():
            for name, table in projection.define(MetaData()).items():
                found = conn.execute(select(table)).all()
                rows[name] = sorted((tuple(map(_plain, row)) for row in found), key=repr)
    return rows


def _plain(value: Any) -> Any:
    """Instants as naive UTC: PostgreSQL returns them aware, SQLite naive."""
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)
    return value


def rebuilt_rows(engine: SubsidyEngine) -> dict[str, list[tuple[Any, ...]]]:
    """The read models built afresh from the events, in a private in-memory database."""
    fresh = build_read_models(Settings(database_url="memory://"))
    for runner in build_runners(engine, fresh):
        runner.catch_up()
    return read_model_rows(fresh)


def observer(url: str) -> Engine:
    """A connection for watching positions that never takes the write lock.

    The read models' own engine begins SQLite transactions IMMEDIATE, which would make the
    watcher queue for the lock behind the workers it watches.
    """
    if url.startswith("sqlite:///"):
        return create_engine(url)
    return build_read_models(Settings(database_url=url))


def positions(db: Engine) -> dict[str, int]:
    """Each projection's tracked position (0 before its first batch)."""
    with db.connect() as conn:
        return {p.name: tracking.read_position(conn, p.name) for p in all_projections()}
