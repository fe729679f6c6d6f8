"""Peak memory of the ledger exports over a large ledger, against a 200 MB target.

    PYTHONPATH=tests .venv/bin/python benchmarks/export_memory.py --rows 100000

Builds a temporary SQLite read-model database with ``--rows`` ledger rows, inserted in bulk
straight into the migrated ``rm_ledger`` table (ten rows per approval year, with the approval's
year and application rows the exports join), then runs each export to a file in a child
process of its own and reads that child's peak resident set size (VmHWM, else ``ru_maxrss``).
A child that only imports the package and opens the database gives the baseline. Prints one
JSON line and exits 1 if an export went over the target.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import MetaData, insert

from subsidy.exports import ExportFormat, LedgerExport, LedgerFilter
from subsidy.projections.applications import Applications
from subsidy.projections.database import read_model_engine
from subsidy.projections.ledger import Ledger
from subsidy.projections.migrate import migrate

TARGET_MB = 200
FORMATS = ("csv", "xlsx", "360giving")
ROWS_PER_GRANT = 10
ORGANISATIONS = 1_700  # about as many as Japan's local governments
FISCAL_YEAR = 2024
INSERT_BATCH = 5_000
# One approval year's movements, in the order the events would record them.
MOVEMENTS = (
    ("decision", 1_500_000, 0),
    ("advance", 375_000, 375_000),
    ("advance", 375_000, 750_000),
    ("advance", 375_000, 1_125_000),
    ("amendment", -100_000, 1_125_000),
    ("determination", 1_100_000, 1_125_000),
    ("repayment_order", 25_000, 1_125_000),
    ("repayment", 25_000, 1_100_000),
    ("late_charge", 300, 1_100_000),
    ("advance", 0, 1_100_000),
)


def measure(rows: int) -> dict[str, Any]:
    """Build a ledger of ``rows`` rows and measure each export's peak memory in a child.

    Returns:
        The row count, the target, the baseline and, per format, peak RSS (MB), seconds and
        bytes written, and whether every export stayed within the target.
    """
    with tempfile.TemporaryDirectory(prefix="export-memory-") as folder:
        database = Path(folder) / "ledger.sqlite3"
        started = time.perf_counter()
        written = _build(database, rows)
        built = time.perf_counter() - started
        baseline = _child("none", database, Path(folder) / "none")
        results = {f: _child(f, database, Path(folder) / f"ledger.{f}") for f in FORMATS}
    return {
        "benchmark": "export_memory",
        "rows": written,
        "build_seconds": round(built, 2),
        "target_mb": TARGET_MB,
        "baseline_mb": baseline["peak_rss_mb"],
        "formats": results,
        "within_target": all(r["peak_rss_mb"] < TARGET_MB for r in results.values()),
    }


def _build(database: Path, rows: int) -> int:
    """The migrated read models with ``rows`` ledger rows (rounded up to whole grant years)."""
    db = read_model_engine(f"sqlite:///{database}")
    migrate(db)
    ledger = Ledger().define(MetaData())
    applications = Applications().define(MetaData())["applications"]
    grants = -(-rows // ROWS_PER_GRANT)
    with db.begin() as conn:
        for first in range(0, grants, INSERT_BATCH // ROWS_PER_GRANT):
            numbers = range(first, min(first + INSERT_BATCH // ROWS_PER_GRANT, grants))
            conn.execute(insert(ledger["ledger"]), [r for n in numbers for r in _lines(n)])
            conn.execute(insert(ledger["years"]), [_year(n) for n in numbers])
            conn.execute(insert(applications), [_application(n) for n in numbers])
    db.dispose()
    return grants * ROWS_PER_GRANT


def _ids(number: int) -> tuple[str, str]:
    """The approval and organisation ids of grant ``number``, as UUID-shaped text."""
    return (
        f"00000000-0000-4000-8000-{number:012d}",
        f"00000000-0000-4000-9000-{number % ORGANISATIONS:012d}",
    )


def _lines(number: int) -> list[dict[str, Any]]:
    approval_id, organisation_id = _ids(number)
    recorded = datetime(2024, 5, 20, tzinfo=UTC) + timedelta(seconds=number)
    return [
        {
            "position": number * ROWS_PER_GRANT + index + 1,
            "line": 0,
            "recorded_at": recorded,
            "occurred_on": date(2024, 5, 20) + timedelta(days=index * 30),
            "fiscal_year": FISCAL_YEAR,
            "organisation_id": organisation_id,
            "approval_id": approval_id,
            "kind": kind,
            "amount": amount,
            "balance": balance,
            "rule": "会計法第22条準拠: 概算払（交付決定額の範囲内）" if kind == "advance" else None,
            "actor_id": "finance-bench",
        }
        for index, (kind, amount, balance) in enumerate(MOVEMENTS)
    ]


def _year(number: int) -> dict[str, Any]:
    approval_id, organisation_id = _ids(number)
    return {
        "disbursement_id": f"00000000-0000-4000-a000-{number:012d}",
        "approval_id": approval_id,
        "organisation_id": organisation_id,
        "fiscal_year": FISCAL_YEAR,
        "decided": 1_400_000,
    }


def _application(number: int) -> dict[str, Any]:
    approval_id, organisation_id = _ids(number)
    name = f"ベンチ県ベンチ{number % ORGANISATIONS}市"
    title = f"人材育成プログラム第{number}号"
    return {
        "application_id": f"00000000-0000-4000-b000-{number:012d}",
        "organisation_id": organisation_id,
        "organisation_name": name,
        "prefecture": "千葉県",
        "member_count": 0,
        "title": title,
        "status": "approved",
        "first_fiscal_year": FISCAL_YEAR,
        "last_fiscal_year": FISCAL_YEAR,
        "requested_total": 1_500_000,
        "decided_total": 1_400_000,
        "drafted_at": datetime(2024, 4, 1, tzinfo=UTC),
        "submitted_on": date(2024, 4, 15),
        "decided_on": date(2024, 5, 20),
        "round": 1,
        "approval_id": approval_id,
        "approval_status": "in_force",
        "version": 1,
        "position": number,
        "title_key": title,
        "organisation_key": name,
    }


def _child(file_format: str, database: Path, output: Path) -> dict[str, Any]:
    """Run one export in a fresh interpreter and read back what it measured."""
    command = [sys.executable, __file__, "--child", file_format, str(database), str(output)]
    done = subprocess.run(command, capture_output=True, text=True, check=True)  # noqa: S603
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def _export_in_this_process(file_format: str, database: Path, output: Path) -> None:
    """The child's work: one export to ``output``, then its own peak RSS on stdout."""
    db = read_model_engine(f"sqlite:///{database}")
    started = time.perf_counter()
    if file_format != "none":
        export = LedgerExport(
            ExportFormat(file_format),
            LedgerFilter(fiscal_year=FISCAL_YEAR),
            issued=date(2025, 5, 1),
        )
        export.check(db)
        export.write_file(db, output)
    seconds = time.perf_counter() - started
    size = output.stat().st_size if output.exists() else 0
    print(
        json.dumps(
            {
                "peak_rss_mb": round(_peak_kb() / 1024, 1),
                "seconds": round(seconds, 2),
                "bytes": size,
            }
        )
    )


def _peak_kb() -> int:
    """This process's peak resident set size, in kilobytes.

    Linux's VmHWM belongs to the process image since exec. ``ru_maxrss`` would also count the
    parent's memory at the moment it spawned the child, which here holds the bulk insert.
    """
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def main() -> int:
    """Measure and print one JSON line; exit 1 when an export exceeds the target."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000, help="ledger rows to export")
    parser.add_argument("--child", nargs=3, metavar=("FORMAT", "DATABASE", "OUTPUT"))
    arguments = parser.parse_args()
    if arguments.child:
        file_format, database, output = arguments.child
        _export_in_this_process(file_format, Path(database), Path(output))
        return 0
    result = measure(arguments.rows)
    print(json.dumps(result, ensure_ascii=False))
    return 0 if result["within_target"] else 1


if __name__ == "__main__":
    sys.exit(main())
