"""Start the API in its own process, load it from another, and watch its memory."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil  # type: ignore[import-untyped]

HERE = Path(__file__).resolve().parent
STARTUP_SECONDS = 120


@dataclass
class Server:
    """A running API process and the peak resident memory seen while it ran."""

    process: subprocess.Popen[bytes]
    port: int
    log: Path
    peak_rss: int = 0
    samples: list[int] = field(default_factory=list)

    def load(
        self,
        requests: list[list[dict[str, Any]]],
        *,
        max_requests: int,
        max_seconds: float,
        warmup: int,
        failures_allowed: bool = False,
    ) -> dict[str, Any]:
        """Run the load generator against this server; its result (see ``loadgen.py``).

        A response other than 2xx means the benchmark itself is broken, unless
        ``failures_allowed`` (then they are counted in ``failed``).
        """
        plan = {
            "host": "127.0.0.1",
            "port": self.port,
            "clients": len(requests),
            "requests": requests,
            "max_requests": max_requests,
            "max_seconds": max_seconds,
            "warmup": warmup,
        }
        done = subprocess.run(  # noqa: S603  (this interpreter, a file of this folder)
            [sys.executable, str(HERE / "loadgen.py")],
            input=json.dumps(plan).encode(),
            capture_output=True,
            timeout=max_seconds + 120,
            check=False,
        )
        if done.returncode != 0:
            msg = f"the load generator failed: {done.stderr.decode()[-2000:]}"
            raise RuntimeError(msg)
        result: dict[str, Any] = json.loads(done.stdout)
        result["failed"] = sum(n for s, n in result["statuses"].items() if not s.startswith("2"))
        if (result["failed"] and not failures_allowed) or not result["requests"]:
            msg = (
                f"{requests[0][0]['path']} answered {result['statuses']}; server log: {self.tail()}"
            )
            raise RuntimeError(msg)
        return result

    def high_water(self) -> int:
        """The peak resident memory so far: the kernel's high-water mark, else the sampled peak."""
        status = Path(f"/proc/{self.process.pid}/status")
        try:
            for line in status.read_text().splitlines():
                if line.startswith("VmHWM:"):
                    return max(self.peak_rss, int(line.split()[1]) * 1024)
        except OSError:
            pass
        return self.peak_rss

    def tail(self) -> str:
        """The end of the server's log, for error messages."""
        return self.log.read_text(errors="replace")[-3000:] if self.log.exists() else ""


def free_port() -> int:
    """A TCP port nobody listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serving(
    database_url: str,
    log: Path,
    *,
    follow: bool = True,
    worker: bool = False,
    profile: Path | None = None,
) -> Iterator[Server]:
    """The API on ``database_url`` in a child process, until the block ends.

    Args:
        database_url: The store.
        log: Where the server's (and worker's) output goes.
        follow: Whether the read models follow the log inside the API process.
        worker: Whether to run ``subsidy projections run`` in a process of its own.
        profile: Where to write a pyinstrument profile of the server.
    """
    port = free_port()
    env = {
        **os.environ,
        "SUBSIDY_DATABASE_URL": database_url,
        "SUBSIDY_LOG_LEVEL": "INFO",  # request logs on, as in production
        "SUBSIDY_LOG_FORMAT": "json",
    }
    command = [sys.executable, str(HERE / "serve.py"), "--port", str(port)]
    command += [] if follow else ["--no-follow"]
    command += [] if profile is None else ["--profile", str(profile)]
    with log.open("wb") as out:
        process = subprocess.Popen(  # noqa: S603  (this interpreter, a file of this folder)
            command, env=env, stdout=out, stderr=subprocess.STDOUT
        )
        follower = None
        if worker:
            subsidy = Path(sys.executable).with_name("subsidy")
            follower = subprocess.Popen(  # noqa: S603  (the project's own command)
                [str(subsidy), "projections", "run"], env=env, stdout=out, stderr=subprocess.STDOUT
            )
    server = Server(process, port, log)
    stop = threading.Event()
    watcher = threading.Thread(target=_watch_memory, args=(server, stop), daemon=True)
    try:
        _wait_until_up(server)
        watcher.start()
        yield server
    finally:
        stop.set()
        for child in (process, follower):
            if child is not None:
                _interrupt(child)


def _interrupt(process: subprocess.Popen[bytes]) -> None:
    """SIGINT (uvicorn and the worker stop cleanly, a profile is written), then SIGKILL."""
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _wait_until_up(server: Server) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            msg = f"the API process exited with {server.process.returncode}: {server.tail()}"
            raise RuntimeError(msg)
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{server.port}/healthz", timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    msg = f"the API did not answer within {STARTUP_SECONDS} s: {server.tail()}"
    raise RuntimeError(msg)


def _watch_memory(server: Server, stop: threading.Event) -> None:
    """Sample the server's resident memory every 20 ms; keep the peak."""
    process = psutil.Process(server.process.pid)
    while not stop.is_set():
        try:
            rss = process.memory_info().rss
        except psutil.Error:
            return
        server.peak_rss = max(server.peak_rss, rss)
        server.samples.append(rss)
        stop.wait(0.02)
