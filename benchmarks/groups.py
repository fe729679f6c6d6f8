"""The suite's groups: what each measures and the figures it fills (also when it cannot run)."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import aggregates
import appends
import bigstore
import rebuild
import support
import verify
from support import Row, Sizes, Target

import api
from subsidy.persistence.storage import event_store_environment

if TYPE_CHECKING:
    from run import Suite

Plan = tuple[tuple[str, ...], Callable[[], list[Row]]]


def plan(name: str, sizes: Sizes, suite: Suite) -> Plan:
    """The figures group ``name`` fills and the function that measures them."""
    planners: dict[str, Callable[[Sizes, Suite], Plan]] = {
        "appends": _appends,
        "postgres": _postgres,
        "rebuild": _rebuild,
        "aggregates": lambda s, _: (
            (
                "load an aggregate with 10,000 events",
                "the same just before a snapshot",
                "the same, snapshots every 10 events",
            ),
            lambda: aggregates.rows(s.aggregate_events),
        ),
        "api": _api,
        "bigstore": lambda s, suite: (
            ("large store queries",),
            lambda: bigstore.run(s, suite.server_profile("bigstore")),
        ),
        "export": lambda s, _: (
            ("peak memory: exporting ledger rows",),
            lambda: export_rows(s.export_rows),
        ),
    }
    return planners[name](sizes, suite)


def _rounds(sizes: Sizes) -> int:
    """Interleaved repetitions of the append benchmarks: one is enough to prove they run."""
    return 1 if sizes.scale == "smoke" else 2


def chain_switch() -> bool:
    """Whether the store can be opened without the hash chain (the chain's own baseline)."""
    return "hash_chain" in inspect.signature(event_store_environment).parameters


def _appends(sizes: Sizes, _: Suite) -> Plan:
    figures = ("engine commands: SQLite file", "hash chain on appends: SQLite file")

    def measure() -> list[Row]:
        if chain_switch():
            return appends.sqlite_rows(sizes.commands, _rounds(sizes))
        rows = appends.sqlite_rows(sizes.commands, _rounds(sizes), chain_baseline=False)
        return [
            *rows,
            support.pending(figures[1], "the store has no switch to turn the hash chain off"),
        ]

    return figures, measure


def _postgres(sizes: Sizes, _: Suite) -> Plan:
    figures = (
        "engine commands: PostgreSQL, one client",
        "PostgreSQL, four processes",
        "hash chain on appends: PostgreSQL",
        "rebuild all read models, PostgreSQL",
        "integrity verification, PostgreSQL",
    )

    def measure() -> list[Row]:
        if not support.postgres_reachable():
            return [
                support.pending(f, f"PostgreSQL unreachable at {support.POSTGRES_URL}")
                for f in figures
            ]
        rows = appends.postgres_rows(
            sizes.pg_commands, _rounds(sizes), chain_baseline=chain_switch()
        )
        if not chain_switch():
            reason = "the store has no switch to turn the hash chain off"
            rows.append(support.pending(figures[2], reason))
        with support.postgres_url() as url:
            rebuild.build(url, sizes.history)
            rows += rebuild.rows(rebuild.measure(url), "PostgreSQL")
            rows += verify.rows(url, "PostgreSQL")
        return rows

    return figures, measure


def _rebuild(sizes: Sizes, _: Suite) -> Plan:
    def measure() -> list[Row]:
        with support.sqlite_url() as url:
            rebuild.build(url, sizes.history)
            return rebuild.rows(rebuild.measure(url), "SQLite") + verify.rows(url, "SQLite")

    return ("rebuild all read models, SQLite", "integrity verification, SQLite"), measure


def _api(sizes: Sizes, suite: Suite) -> Plan:
    figures = (
        "API write",
        "API write p99",
        "API write, read models in the API process",
        "API read: dashboard",
        "API read: ledger page",
        "API read: review queue",
        "peak memory: API under load",
    )
    return figures, lambda: api.run(
        sizes,
        suite.value("engine commands, one event each, aggregate loaded first: SQLite"),
        suite.server_profile("api"),
    )


def export_rows(rows: int) -> list[Row]:
    """Peak memory of exporting ``rows`` ledger rows per format, from ``export_memory.py``."""
    figure = f"peak memory: exporting {rows:,} ledger rows"
    target = Target("<=", 200, relative=False)
    try:
        import export_memory  # noqa: PLC0415  (written with the exports; absent before them)
    except ModuleNotFoundError as missing:
        if missing.name != "export_memory":
            raise
        reason = "benchmarks/export_memory.py is not in this checkout"
        return [support.pending(figure, reason, target)]
    result: dict[str, Any] = export_memory.measure(rows)
    baseline = result.get("baseline_mb")
    return [
        Row(
            f"{figure} as {name}",
            measured["peak_rss_mb"],
            "MB",
            baseline,
            "a process that only opens the read models",
            target,
            note=f"{result.get('rows', rows):,} rows; {measured.get('seconds', '?')} s",
            extra=measured,
        )
        for name, measured in result["formats"].items()
    ]
