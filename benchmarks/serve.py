"""The HTTP API as ``subsidy serve`` runs it, for the benchmarks to load from another process.

Usage: python benchmarks/serve.py --port P [--no-follow] [--profile FILE]

Settings come from the environment as for ``subsidy serve`` (``SUBSIDY_DATABASE_URL`` …); the
app is ``bootstrap.build_app``, the same the command line serves. ``--no-follow`` leaves the read
models as they are (the million-event store is measured with read models built beforehand).

``--profile FILE`` runs pyinstrument over the server and writes its text report to FILE on
shutdown (SIGINT). pyinstrument samples one thread, so with it the synchronous endpoints and
dependencies run on the event loop's thread instead of the thread pool: the same work, visible
to the profiler. ``kill -USR1`` makes the server print every thread's stack to its log.
"""

from __future__ import annotations

import argparse
import faulthandler
import signal
from collections.abc import Callable
from pathlib import Path
from typing import Any

import fastapi.dependencies.utils
import fastapi.routing
import uvicorn
from pyinstrument import Profiler

from subsidy.bootstrap import build_app, configure_logging, freeze_startup_heap
from subsidy.settings import Settings


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--no-follow", dest="follow", action="store_false")
    parser.add_argument("--profile", type=Path, default=None)
    args = parser.parse_args()
    # SIGUSR1 prints every thread's stack to the log: how a stalled server shows where it waits.
    faulthandler.register(signal.SIGUSR1, all_threads=True)
    settings = Settings()
    configure_logging(settings)
    app = build_app(settings, follow=args.follow)
    freeze_startup_heap()  # as `subsidy serve` does
    if args.profile is None:
        uvicorn.run(app, host=args.host, port=args.port, log_config=None)
        return
    _run_inline()
    profiler = Profiler(interval=0.001, async_mode="disabled")
    profiler.start()
    try:
        uvicorn.run(app, host=args.host, port=args.port, log_config=None)
    finally:
        profiler.stop()
        args.profile.write_text(profiler.output_text(unicode=True, color=False))


def _run_inline() -> None:
    """Make FastAPI call synchronous endpoints and dependencies on the loop's thread."""

    async def inline(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        return func(*args, **kwargs)

    fastapi.routing.run_in_threadpool = inline  # type: ignore[attr-defined]
    fastapi.dependencies.utils.run_in_threadpool = inline  # type: ignore[attr-defined]


if __name__ == "__main__":
    main()
