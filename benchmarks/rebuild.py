"""Rebuild rate of every read model beside the raw rate of reading and decoding the same events.

Usage: PYTHONPATH=tests python benchmarks/rebuild.py [--events N] [--database-url URL]

Builds a history of about N events (grant decisions, advances, reports, determinations and
settlements) in a fresh store, then in the same run measures
  * raw: reading the whole log in pages of 500 and decoding every event, and
  * rebuild: rebuilding each read model from scratch (shadow tables, then the swap),
and prints events per second for each with the ratio to the raw rate. Results go to
benchmarks/results/latest.json.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from subsidy.bootstrap import build_engine, build_read_models, build_runners, configure_logging
from subsidy.domain.actor import Actor, Role
from subsidy.domain.budget import CostCategory, CostLine
from subsidy.settings import Settings

from builders import ADMIN, APPROVER, World, amounts, year  # tests/ is on PYTHONPATH (make bench)

ROOT = Path(__file__).resolve().parents[1]
FINANCE = Actor("finance", Role.FINANCE)
PAGE = 500


def build_history(settings: Settings, target: int) -> int:
    """Grant, pay, report, determine and settle until the log holds ``target`` events."""
    engine = build_engine(settings, clock=lambda: datetime(2024, 4, 15, 1, tzinfo=UTC))
    world = World.build(engine)
    engine.set_appropriation(ADMIN, fiscal_year=2024, amount=10**12, reason="bench")
    cost = (CostLine(CostCategory.HONORARIA, "謝金", 1_200_000),)
    while (engine.recorder.max_notification_id() or 0) < target:
        application_id = world.reviewed(year(2024))
        approval_id = engine.approve_application(
            APPROVER, application_id, amounts=amounts((2024, 1_500_000)), reason="可"
        )
        engine.record_advance(FINANCE, approval_id, 2024, amount=600_000, paid_on=date(2024, 4, 15))
        engine.submit_performance_report(
            ADMIN, approval_id, 2024, cost_lines=cost, reported_on=date(2024, 4, 15)
        )
        engine.determine_amount(FINANCE, approval_id, 2024, on=date(2025, 4, 15))
        engine.pay_settlement(FINANCE, approval_id, 2024, paid_on=date(2025, 4, 30))
    count = engine.recorder.max_notification_id() or 0
    engine.close()
    return count


def measure(settings: Settings) -> dict[str, Any]:
    engine = build_engine(settings)
    head = engine.recorder.max_notification_id() or 0
    start = time.perf_counter()
    position, decoded = 1, 0
    while True:
        page = engine.recorder.select_notifications(position, PAGE)
        for notification in page:
            engine.mapper.to_domain_event(notification)
            decoded += 1
        if len(page) < PAGE:
            break
        position = page[-1].id + 1
    raw_seconds = time.perf_counter() - start
    raw_rate = decoded / raw_seconds
    results: dict[str, Any] = {"events": head, "raw_events_per_second": round(raw_rate)}
    runners = build_runners(engine, build_read_models(settings))
    total_seconds = 0.0
    for runner in runners:
        start = time.perf_counter()
        runner.rebuild()
        seconds = time.perf_counter() - start
        total_seconds += seconds
        results[f"rebuild_{runner.projection.name}_events_per_second"] = round(head / seconds)
    all_rate = head / total_seconds
    results["rebuild_all_events_per_second"] = round(all_rate)
    results["rebuild_all_ratio_to_raw"] = round(all_rate / raw_rate, 3)
    engine.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--database-url", default=None, help="default: a fresh SQLite file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{folder}/bench.sqlite3"
        settings = Settings(database_url=url, log_level="WARNING")
        configure_logging(settings)
        built = build_history(settings, args.events)
        results = measure(settings)
    results["database"] = url.split("://")[0]
    print(f"history: {built} events on {results['database']}")
    print(f"{'figure':<44}{'events/s':>12}{'× raw':>8}")
    raw = results["raw_events_per_second"]
    for key, value in results.items():
        if key.endswith("_events_per_second"):
            print(f"{key.removesuffix('_events_per_second'):<44}{value:>12,}{value / raw:>8.2f}")
    out = ROOT / "benchmarks" / "results" / "latest.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
