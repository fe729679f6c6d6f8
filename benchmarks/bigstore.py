"""Dashboard and ledger-page latency with a very large store (a million events at full scale).

The store is filled by ``history.populate`` (lifecycles replicated through the recorder) and the
two read models the queries read, the ledger and the dashboard, are rebuilt from it by their
own projections, so they hold exactly the rows the events imply. The API then serves them
without following the log (nothing else is running) and one client asks each query in turn:
the dashboard, the first ledger page of a fiscal year (with that year's totals), and a ledger
page in the middle of the whole ledger, the deepest offset a user would page to.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

import history
import support
import webload
from sqlalchemy import text
from support import Row, Sizes, Target

from subsidy.bootstrap import build_read_models, build_runners
from subsidy.domain.actor import SYSTEM, Role
from subsidy.projections.rebuild import rebuild_all
from subsidy.settings import Settings

from conftest import CLOCK

READ_MODELS = ("ledger", "dashboard")
PER_PAGE = 100


def prepare(url: str, events: int) -> tuple[dict[str, Any], str, int]:
    """Fill the store and rebuild the two read models; facts about it, a token, ledger rows."""
    engine = support.open_engine(url, clock=CLOCK)
    try:
        started = time.perf_counter()
        count = history.populate(engine, history.prepare(engine), events)
        filled = time.perf_counter() - started
        token = engine.add_user(SYSTEM, name="bench-finance", role=Role.FINANCE)
        db = build_read_models(Settings(database_url=url))
        started = time.perf_counter()
        rebuild_all(build_runners(engine, db, READ_MODELS))
        rebuilt = time.perf_counter() - started
        with db.connect() as conn:
            ledger_rows = int(conn.execute(text("SELECT count(*) FROM rm_ledger")).scalar_one())
        db.dispose()
    finally:
        engine.close()
    facts = {
        "events": count,
        "fill_seconds": round(filled, 1),
        "rebuild_seconds": round(rebuilt, 1),
        "ledger_rows": ledger_rows,
    }
    return facts, token, ledger_rows


def run(sizes: Sizes, profile: Path | None = None) -> list[Row]:
    """The p95 rows for the dashboard and the two ledger pages."""
    with tempfile.TemporaryDirectory(prefix="subsidy-bench-big-") as folder:
        url = f"sqlite:///{folder}/big.sqlite3"
        facts, token, ledger_rows = prepare(url, sizes.big_events)
        middle = max(1, ledger_rows // PER_PAGE // 2)
        ledger = f"/api/v1/ledger?per_page={PER_PAGE}"
        queries = {
            "dashboard": "/api/v1/dashboard",
            "ledger page 1 of FY2024, with the year's totals": f"{ledger}&fiscal_year=2024&page=1",
            f"ledger page {middle:,} (the middle of the ledger)": f"{ledger}&page={middle}",
        }
        results = {}
        headers = {"Authorization": f"Bearer {token}"}
        with webload.serving(
            url, Path(folder) / "big.log", follow=False, profile=profile
        ) as server:
            for name, path in queries.items():
                results[name] = server.load(
                    [[{"method": "GET", "path": path, "headers": headers}]],
                    max_requests=sizes.query_requests,
                    max_seconds=120,
                    warmup=5,
                )
    size = f"{facts['events']:,} events"
    note = f"{size}, {ledger_rows:,} ledger rows; one client"
    return [
        Row(
            f"{size} in the store: {name}, p95",
            result["p95_ms"],
            "ms",
            target=Target("<=", 50, relative=False),
            note=note,
            extra={**result, **facts},
        )
        for name, result in results.items()
    ]
