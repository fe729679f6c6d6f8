"""``make run`` runs the demo: a realistic scenario and its summary, repeatable."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from subsidy.cli import app


def event_count(database: Path) -> int:
    with sqlite3.connect(database) as connection:
        (count,) = connection.execute("SELECT count(*) FROM stored_events").fetchone()
    return int(count)


def test_the_demo_prints_a_summary_and_a_second_run_records_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    database = tmp_path / "var" / "subsidy.sqlite3"
    monkeypatch.setenv("SUBSIDY_DATABASE_URL", f"sqlite:///{database}")
    runner = CliRunner()
    first = runner.invoke(app, ["demo"])
    count_after_first = event_count(database)

    second = runner.invoke(app, ["demo"])

    assert first.exit_code == 0, first.output
    assert "partnership agreements: 48 (48 recorded by this run)" in first.stdout
    for status in ("approved", "rejected", "under_review"):
        assert f"[{status:<12}]" in first.stdout
    assert "round 2" in first.stdout
    assert "交付決定 令和6年5月20日" in first.stdout
    assert "refused as expected — four-eyes" in first.stdout
    assert "確定 1,480,000円" in first.stdout  # determined below the decided amount
    assert "to_延滞金 180]" in first.stdout  # the over-payment, repaid late
    assert "to_加算金 39360" in first.stdout  # the revocation, repaid with 加算金
    assert (
        "令和7年度 [closed] 交付決定 1,400,000円 支払 1,400,000円 確定 1,400,000円" in first.stdout
    )
    assert "(0 recorded by this run)" in second.stdout
    assert event_count(database) == count_after_first > 100
