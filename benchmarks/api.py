"""The HTTP API under 16 concurrent clients: writes, reads, a trivial endpoint, and memory.

The API runs as ``subsidy serve`` does (read models following the log in the same process,
request logs on, as JSON) in a process of its own; the load comes from ``loadgen.py`` in
another. The store holds a history of ``history`` events, open review assignments, and a pool of
drafts per client, which that client updates in turn (about ten updates each, as in the
engine's own benchmark, so the ratio compares like with like).
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import appends
import history
import support
import webload
from support import Row, Sizes, Target

from subsidy.application import SubsidyEngine
from subsidy.bootstrap import build_read_models, build_runners
from subsidy.domain.actor import SYSTEM, Role
from subsidy.domain.budget import YearBudget
from subsidy.settings import Settings

from builders import ADMIN, REVIEWER_A, World, year
from conftest import CLOCK

CLIENTS = 16
OPEN_REVIEWS = 20
MB = 1024 * 1024
Requests = list[list[dict[str, Any]]]
Result = dict[str, Any]


@dataclass(frozen=True)
class Fixture:
    """What the load needs from the store: tokens, the plan and each client's drafts."""

    tokens: dict[Role, str]
    plan_id: str
    pools: list[list[str]]


def prepare(url: str, events: int, writes_per_client: int) -> Fixture:
    """Fill the store, open some reviews, draft each client's pool, catch the read models up."""
    engine = support.open_engine(url, clock=CLOCK)
    try:
        world = history.prepare(engine)
        history.populate(engine, world, events)
        for _ in range(OPEN_REVIEWS):  # the reviewer's queue: open assignments
            application_id = world.submitted(year(2024))
            engine.assign_reviewer(ADMIN, application_id, reviewer_user_id=REVIEWER_A.user_id)
        pools = [appends.drafts(world, max(1, writes_per_client // 10)) for _ in range(CLIENTS)]
        tokens = _tokens(engine, world)
        db = build_read_models(Settings(database_url=url))
        for runner in build_runners(engine, db):
            runner.catch_up()
        db.dispose()
        return Fixture(tokens, str(world.plan_id), [[str(i) for i in pool] for pool in pools])
    finally:
        engine.close()


def _tokens(engine: SubsidyEngine, world: World) -> dict[Role, str]:
    return {
        Role.ADMINISTRATOR: engine.add_user(SYSTEM, name="bench-admin", role=Role.ADMINISTRATOR),
        Role.FINANCE: engine.add_user(SYSTEM, name="bench-finance", role=Role.FINANCE),
        Role.REVIEWER: engine.add_user(SYSTEM, name=REVIEWER_A.user_id, role=Role.REVIEWER),
    }


def draft_body(plan_id: str, years: tuple[YearBudget, ...], title: str) -> dict[str, Any]:
    """The JSON of a draft update."""
    return {
        "title": title,
        "purpose": "",
        "plan_id": plan_id,
        "plan_version": 1,
        "years": [
            {
                "fiscal_year": y.fiscal_year,
                "cost_lines": [
                    {"category": c.category.value, "description": c.description, "amount": c.amount}
                    for c in y.cost_lines
                ],
                "requested": y.requested,
            }
            for y in years
        ],
    }


def _get(path: str, token: str | None = None) -> Requests:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return [[{"method": "GET", "path": path, "headers": headers}] for _ in range(CLIENTS)]


def _writes(fixture: Fixture) -> Requests:
    headers = {"Authorization": f"Bearer {fixture.tokens[Role.ADMINISTRATOR]}"}
    return [
        [
            {
                "method": "PUT",
                "path": f"/api/v1/applications/{draft}",
                "headers": headers,
                "body": draft_body(fixture.plan_id, appends.YEARS, f"{appends.TITLE} API"),
            }
            for draft in pool
        ]
        for pool in fixture.pools
    ]


def measure(sizes: Sizes, folder: Path, profile: Path | None = None) -> dict[str, Result]:
    """Every endpoint's load result, the server's peak memory, and writes as shipped.

    The figures are taken with the read models followed by ``subsidy projections run`` in a
    process of its own. Then writes run once more against ``subsidy serve`` as shipped, with
    the read models following inside the API process, counting the requests that fail.
    """
    url = f"sqlite:///{folder}/api.sqlite3"
    fixture = prepare(url, sizes.history, sizes.api_requests // CLIENTS)
    admin, finance = fixture.tokens[Role.ADMINISTRATOR], fixture.tokens[Role.FINANCE]
    phases = {
        "healthz": _get("/healthz"),
        "dashboard": _get("/api/v1/dashboard", admin),
        "ledger": _get("/api/v1/ledger?fiscal_year=2024&page=1&per_page=100", finance),
        "review_queue": _get("/api/v1/review-queue", fixture.tokens[Role.REVIEWER]),
        "write": _writes(fixture),
    }
    warmup = min(200, sizes.api_requests // 10)

    def load(server: webload.Server, requests: Requests, *, failures: bool = False) -> Result:
        return server.load(
            requests,
            max_requests=sizes.api_requests,
            max_seconds=sizes.api_seconds,
            warmup=warmup,
            failures_allowed=failures,
        )

    results: dict[str, Result] = {}
    log = folder / "api.log"
    with webload.serving(url, log, follow=False, worker=True, profile=profile) as server:
        for name, requests in phases.items():
            results[name] = load(server, requests)
        results["memory"] = {"peak_rss_bytes": server.high_water()}
    with webload.serving(url, folder / "api-following.log", follow=True) as server:
        results["write_following"] = load(server, phases["write"], failures=True)
    return results


def rows(results: dict[str, Result], engine_rate: float) -> list[Row]:
    """The API rows of the table."""
    trivial = results["healthz"]["requests_per_second"]
    write, following = results["write"], results["write_following"]
    table = [
        Row(
            f"API write (PUT draft), {CLIENTS} clients",
            write["requests_per_second"],
            "requests/s",
            round(engine_rate),
            "the engine's direct command rate (SQLite)",
            Target(">=", 0.4),
            note=(
                f"{write['requests']:,} requests; /healthz {trivial:,.0f}/s; "
                "read models followed by a worker process"
            ),
            extra=write,
        ),
        Row(
            f"API write (PUT draft), {CLIENTS} clients: p99",
            write["p99_ms"],
            "ms",
            target=Target("<=", 50, relative=False),
            note=f"p50 {write['p50_ms']} ms, p95 {write['p95_ms']} ms",
        ),
        Row(
            f"API write, {CLIENTS} clients, read models followed in the API process: failures",
            following["failed"],
            "requests",
            target=Target("<=", 0, relative=False),
            note=(
                f"of {following['requests']:,}; statuses {following['statuses']}; "
                "`subsidy serve` as shipped"
            ),
            extra=following,
        ),
    ]
    for name, label in (
        ("dashboard", "dashboard"),
        ("ledger", "ledger page"),
        ("review_queue", "review queue"),
    ):
        result = results[name]
        table.append(
            Row(
                f"API read: {label}, {CLIENTS} clients",
                result["requests_per_second"],
                "requests/s",
                trivial,
                "GET /healthz of the same app",
                Target(">=", 0.5),
                note=f"p99 {result['p99_ms']} ms",
                extra=result,
            )
        )
    peak = results["memory"]["peak_rss_bytes"] / MB
    table.append(
        Row(
            "peak memory: API under load",
            round(peak, 1),
            "MB",
            target=Target("<=", 200, relative=False),
            note="resident set of the API process over every phase (kernel high-water mark)",
        )
    )
    return table


def run(sizes: Sizes, engine_rate: float | None, profile: Path | None = None) -> list[Row]:
    """Measure and tabulate; measures the engine's direct rate too when not given one."""
    with tempfile.TemporaryDirectory(prefix="subsidy-bench-api-") as folder:
        results = measure(sizes, Path(folder), profile)
    if engine_rate is None:
        with support.sqlite_url() as url:
            engine_rate = appends.engine_rate(url, sizes.commands).rate
    return rows(results, engine_rate)
