"""Operating the read models from the command line."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from subsidy.cli import app


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("SUBSIDY_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.sqlite3'}")
    runner = CliRunner()
    agreements = Path(__file__).resolve().parents[2] / "data" / "partnership_agreements.csv"
    assert runner.invoke(app, ["agreements", "import", str(agreements)]).exit_code == 0
    return runner


def test_run_once_catches_every_projection_up(runner: CliRunner) -> None:
    before = runner.invoke(app, ["projections", "status"])

    ran = runner.invoke(app, ["projections", "run", "--once"])
    after = runner.invoke(app, ["projections", "status"])

    assert "audit_log        position        0" in before.stdout
    assert ran.exit_code == 0, ran.output
    assert "ledger:" in ran.stdout
    for line in after.stdout.splitlines():
        assert "lag      0" in line
        assert line.endswith("parked 0")


def test_rebuild_leaves_every_projection_at_the_head(runner: CliRunner) -> None:
    runner.invoke(app, ["projections", "run", "--once"])

    rebuilt = runner.invoke(app, ["projections", "rebuild", "ledger", "dashboard"])
    status = runner.invoke(app, ["projections", "status"])

    assert rebuilt.exit_code == 0, rebuilt.output
    assert "ledger: rebuilt from" in rebuilt.stdout
    assert "dashboard: rebuilt from" in rebuilt.stdout
    assert all("lag      0" in line for line in status.stdout.splitlines() if "ledger" in line)


def test_an_unknown_projection_is_named_in_the_refusal(runner: CliRunner) -> None:
    result = runner.invoke(app, ["projections", "rebuild", "ledgr"])

    assert result.exit_code == 1
    assert "no projection named ledgr" in result.stderr


def test_parked_lists_nothing_when_every_event_applied(runner: CliRunner) -> None:
    runner.invoke(app, ["projections", "run", "--once"])

    result = runner.invoke(app, ["projections", "parked"])

    assert result.exit_code == 0
    assert result.stdout == ""
