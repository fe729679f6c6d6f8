"""Rebuild rate of every read model beside the raw rate of reading and decoding the same events.

Usage: PYTHONPATH=tests python benchmarks/rebuild.py [--events N] [--database-url URL]

Fills a fresh store with about N events (grants applied for, reviewed, decided, paid, reported,
determined and settled; see ``history.py``), then in the same run measures
  * raw: reading the whole log in pages of 500 and decoding every event, and
  * rebuild: rebuilding each read model from scratch (shadow tables, then the swap), and
    all of them together in one pass over the log (``rebuild_all``, what
    ``subsidy projections rebuild`` runs),
and prints events per second for each with the ratio to the raw rate. ``benchmarks/run.py``
calls the same functions for the table of ``make bench``.
"""

from __future__ import annotations

import argparse
import time
from typing import Any

import history
from support import Row, Target, open_engine, sqlite_url

from subsidy.bootstrap import build_read_models, build_runners, configure_logging
from subsidy.projections.rebuild import rebuild_all
from subsidy.settings import Settings

from conftest import CLOCK  # the clock the builders' world moves to the days its acts fall on

PAGE = 500


def build(url: str, events: int) -> int:
    """A store at ``url`` holding about ``events`` events; returns how many it holds."""
    engine = open_engine(url, clock=CLOCK)
    try:
        return history.populate(engine, history.prepare(engine), events)
    finally:
        engine.close()


def measure(url: str) -> dict[str, Any]:
    """Raw read-and-decode rate, each projection's rebuild rate, then all of them in one pass.

    The raw rate is measured before and after the rebuilds and the better one kept, so a
    neighbour's load on a shared machine cannot flatter the ratios.
    """
    settings = Settings(database_url=url, log_level="WARNING")
    engine = open_engine(url, clock=CLOCK)
    head = engine.recorder.max_notification_id() or 0
    raw_rate = read_and_decode_rate(engine)
    results: dict[str, Any] = {"events": head, "raw_events_per_second": 0}
    runners = build_runners(engine, build_read_models(settings))
    one_after_another = 0.0
    for runner in runners:
        start = time.perf_counter()
        runner.rebuild()
        seconds = time.perf_counter() - start
        one_after_another += seconds
        results[f"rebuild_{runner.projection.name}_events_per_second"] = round(head / seconds)
    start = time.perf_counter()
    rebuild_all(runners)
    results["rebuild_all_events_per_second"] = round(head / (time.perf_counter() - start))
    results["each_in_turn_events_per_second"] = round(head / one_after_another)
    results["raw_events_per_second"] = round(max(raw_rate, read_and_decode_rate(engine)))
    engine.close()
    return results


def read_and_decode_rate(engine: Any) -> float:
    """Events per second read from the log in pages of :data:`PAGE` and decoded."""
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
    return decoded / (time.perf_counter() - start)


def rows(results: dict[str, Any], store: str) -> list[Row]:
    """The table's rows for one store: all read models, and on SQLite the absolute floor."""
    rebuilt = results["rebuild_all_events_per_second"]
    raw = results["raw_events_per_second"]
    per_model = {
        k.removeprefix("rebuild_").removesuffix("_events_per_second"): v
        for k, v in results.items()
        if k.startswith("rebuild_") and k != "rebuild_all_events_per_second"
    }
    figure = f"rebuild all read models, {store}"
    table = [
        Row(
            figure,
            rebuilt,
            "events/s",
            raw,
            "read + decode the same events",
            Target(">=", 0.4),
            note=f"{results['events']:,} events; five read models in one pass over the log",
            extra={"per_read_model_events_per_second": per_model},
        )
    ]
    if store == "SQLite":
        table.append(
            Row(
                f"{figure} (absolute)",
                rebuilt,
                "events/s",
                None,
                "",
                Target(">=", 20_000, relative=False),
            )
        )
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--database-url", default=None, help="default: a fresh SQLite file")
    args = parser.parse_args()
    configure_logging(Settings(log_level="WARNING"))
    with sqlite_url() as fresh:
        url = args.database_url or fresh
        built = build(url, args.events)
        results = measure(url)
    print(f"history: {built:,} events on {url.split('://')[0]}")
    print(f"{'figure':<44}{'events/s':>12}{'× raw':>8}")
    raw = results["raw_events_per_second"]
    for key, value in results.items():
        if key.endswith("_events_per_second"):
            print(f"{key.removesuffix('_events_per_second'):<44}{value:>12,}{value / raw:>8.2f}")


if __name__ == "__main__":
    main()
