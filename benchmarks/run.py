"""Run the benchmark suite and print its table: figure, value, same-run baseline, ratio, target.

Usage: PYTHONPATH=tests python benchmarks/run.py [--scale smoke|default|full] [--only GROUP …]
                                                 [--profile]

``make bench`` runs the default scale (under ten minutes on two cores), ``make bench-smoke``
every row at a tiny size (CI), ``BENCH_SCALE=full make bench`` the real million-event store.
``BENCH_<SIZE>=N`` overrides one size (see ``support.SCALES``); ``BENCH_POSTGRES_URL`` names the
PostgreSQL database (each group works in a schema of its own and drops it).

Results go to ``benchmarks/results/latest.json`` (and the table to ``latest.md``). The exit
status is 1 only when a benchmark crashed; a missed target is a finding, not a failure.
``--profile`` also writes a pyinstrument profile of each group to ``benchmarks/results/profiles``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sqlite3
import subprocess
import sys
import time
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import groups
import support
import table
from pyinstrument import Profiler
from support import RESULTS, Row, Sizes

from subsidy.bootstrap import configure_logging
from subsidy.settings import Settings

GROUPS = ("appends", "postgres", "rebuild", "aggregates", "api", "bigstore", "export")


class Suite:
    """Runs the groups in turn, keeping every row and whether anything crashed."""

    def __init__(self, sizes: Sizes, profile: bool) -> None:
        self.sizes = sizes
        self.profile_dir = RESULTS / "profiles" if profile else None
        self.rows: list[Row] = []
        self.crashed: list[str] = []
        self.seconds: dict[str, float] = {}

    def group(self, name: str, figures: tuple[str, ...], measure: Callable[[], list[Row]]) -> None:
        """Run one group; a crash becomes pending rows naming the error."""
        print(f"… {name}", file=sys.stderr, flush=True)
        started = time.perf_counter()
        try:
            self.rows.extend(self._profiled(name, measure))
        except Exception as error:  # report it, go on with the other groups, fail at the end
            traceback.print_exc()
            self.crashed.append(name)
            reason = f"crashed: {type(error).__name__}: {str(error)[:200]}"
            self.rows.extend(support.pending(figure, reason) for figure in figures)
        self.seconds[name] = round(time.perf_counter() - started, 1)

    def _profiled(self, name: str, measure: Callable[[], list[Row]]) -> list[Row]:
        if self.profile_dir is None or name in ("api", "bigstore"):  # those profile their server
            return measure()
        profiler = Profiler(interval=0.001)
        profiler.start()
        try:
            return measure()
        finally:
            profiler.stop()
            self.profile_dir.mkdir(parents=True, exist_ok=True)
            (self.profile_dir / f"{name}.txt").write_text(
                profiler.output_text(unicode=True, color=False)
            )

    def server_profile(self, name: str) -> Path | None:
        """Where a group's server writes its profile, when profiling."""
        if self.profile_dir is None:
            return None
        self.profile_dir.mkdir(parents=True, exist_ok=True)
        return self.profile_dir / f"{name}-server.txt"

    def value(self, figure_prefix: str) -> float | None:
        """The value of the first row whose figure starts with ``figure_prefix``."""
        return next(
            (r.value for r in self.rows if r.figure.startswith(figure_prefix) and r.value), None
        )


def run(suite: Suite, only: set[str]) -> None:
    """Every selected group, in an order that lets later ones reuse earlier figures."""
    sizes = suite.sizes
    for name in GROUPS:
        if name not in only:
            continue
        figures, measure = groups.plan(name, sizes, suite)
        suite.group(name, figures, measure)


def write(suite: Suite, started: datetime, load_before: tuple[float, ...]) -> None:
    """``latest.json`` and ``latest.md``."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    meta: dict[str, Any] = {
        "started": started.isoformat(timespec="seconds"),
        "scale": suite.sizes.scale,
        "sizes": {k: v for k, v in vars(suite.sizes).items() if k != "scale"},
        "group_seconds": suite.seconds,
        "crashed": suite.crashed,
        "machine": {
            "cpus": os.cpu_count(),
            "load_average_before": [round(x, 2) for x in load_before],
            "load_average_after": [round(x, 2) for x in os.getloadavg()],
            "python": platform.python_version(),
            "sqlite": sqlite3.sqlite_version,
        },
        "commit": _commit(),
    }
    document = {"meta": meta, "rows": [r.as_json() for r in suite.rows]}
    (RESULTS / "latest.json").write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    (RESULTS / "latest.md").write_text(table.markdown(suite.rows) + "\n")


def _commit() -> str | None:
    git = shutil.which("git")
    if git is None:
        return None
    try:
        done = subprocess.run(  # noqa: S603  (a fixed command)
            [git, "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=False,
            cwd=support.ROOT,
        )
    except OSError:
        return None
    return done.stdout.strip() or None


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--scale", default=os.environ.get("BENCH_SCALE", "default"))
    parser.add_argument("--only", nargs="+", choices=GROUPS, default=list(GROUPS))
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    configure_logging(Settings(log_level="WARNING"))
    suite = Suite(Sizes.for_scale(args.scale), args.profile)
    started, load_before = datetime.now(UTC), os.getloadavg()
    run(suite, set(args.only))
    write(suite, started, load_before)
    print(table.text(suite.rows))
    total = sum(suite.seconds.values())
    print(f"\nscale {args.scale}; {total:.0f} s; results in {RESULTS / 'latest.json'}")
    if suite.crashed:
        print(f"crashed: {', '.join(suite.crashed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
