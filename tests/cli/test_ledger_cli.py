"""``subsidy ledger export`` from the command line: files, stdout and refusals."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from exports.export_helpers import (
    Scenario,
    bucket_totals,
    event_totals,
    giving_validator,
    money_moved,
)
from subsidy.application import SubsidyEngine
from subsidy.cli import app

from conftest import make_engine


@pytest.fixture
def recorded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[SubsidyEngine, Scenario]]:
    """The money scenario in an SQLite file the command line is pointed at (no read models yet)."""
    url = f"sqlite:///{tmp_path / 'books.sqlite3'}"
    monkeypatch.setenv("SUBSIDY_DATABASE_URL", url)
    monkeypatch.setenv("SUBSIDY_LOG_LEVEL", "WARNING")
    engine = make_engine(url)
    scenario = money_moved(engine)
    yield engine, scenario
    engine.close()


def test_an_xlsx_written_to_a_file_adds_up_to_the_events(
    recorded: tuple[SubsidyEngine, Scenario], tmp_path: Path
) -> None:
    engine, scenario = recorded
    output = tmp_path / "ledger.xlsx"

    result = CliRunner().invoke(
        app,
        ["ledger", "export", "--fiscal-year", "令和6年度", "--format", "xlsx", "-o", str(output)],
    )

    assert result.exit_code == 0, result.output
    assert f"ledger rows written to {output}" in result.stderr
    assert "令和6年度 xlsx" in result.stderr  # the progress bar's label
    details = load_workbook(output)["明細"]
    rows = [r for r in details.iter_rows(min_row=2, values_only=True) if r[0] is not None]
    kinds_and_amounts = [(r[11], r[12]) for r in rows if r[0] != "合計"]
    assert bucket_totals(kinds_and_amounts) == event_totals(engine, scenario.years(2024))
    assert [p.name for p in tmp_path.iterdir() if p.suffix == ".partial"] == []


def test_a_360giving_package_written_to_a_file_pays_what_the_events_paid(
    recorded: tuple[SubsidyEngine, Scenario], tmp_path: Path
) -> None:
    engine, scenario = recorded
    output = tmp_path / "grants.json"

    result = CliRunner().invoke(
        app,
        ["ledger", "export", "--fiscal-year", "FY2024", "--format", "360giving", "-o", str(output)],
    )

    assert result.exit_code == 0, result.output
    grants = json.loads(output.read_text("utf-8"))["grants"]
    paid = event_totals(engine, scenario.years(2024))["paid"]
    assert sum(grant["amountDisbursed"] for grant in grants) == paid


def test_the_csv_goes_to_stdout_without_an_output_file(
    recorded: tuple[SubsidyEngine, Scenario],
) -> None:
    engine, scenario = recorded

    result = CliRunner().invoke(app, ["ledger", "export", "--fiscal-year", "2025"])

    assert result.exit_code == 0, result.output
    assert result.stdout_bytes.startswith("\ufeff".encode())
    rows = csv.DictReader(io.StringIO(result.stdout_bytes.decode("utf-8-sig"), newline=""))
    written = bucket_totals((row["区分コード"], int(row["金額（円）"])) for row in rows)
    assert written == event_totals(engine, scenario.years(2025))


def test_a_year_that_is_not_one_is_refused(recorded: tuple[SubsidyEngine, Scenario]) -> None:
    result = CliRunner().invoke(app, ["ledger", "export", "--fiscal-year", "令和百年度"])

    assert result.exit_code == 1
    assert "is not a fiscal year" in result.stderr


def test_an_empty_360giving_package_is_refused_and_no_file_is_left(
    recorded: tuple[SubsidyEngine, Scenario], tmp_path: Path
) -> None:
    output = tmp_path / "grants.json"

    result = CliRunner().invoke(
        app,
        ["ledger", "export", "--fiscal-year", "2030", "--format", "360giving", "-o", str(output)],
    )

    assert result.exit_code == 1
    assert "no grant to publish for 令和12年度" in result.stderr
    assert not output.exists()
    assert [p.name for p in tmp_path.iterdir() if "grants" in p.name] == []


def test_a_360giving_package_uses_the_configured_publisher_prefix_and_funder(
    recorded: tuple[SubsidyEngine, Scenario], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SUBSIDY_GIVING360_PREFIX", "360G-chiikigaku")
    monkeypatch.setenv("SUBSIDY_GIVING360_FUNDER_ID", "JP-JCN-1234567890123")
    output = tmp_path / "grants.json"

    result = CliRunner().invoke(
        app,
        ["ledger", "export", "--fiscal-year", "FY2024", "--format", "360giving", "-o", str(output)],
    )

    assert result.exit_code == 0, result.output
    package = json.loads(output.read_text("utf-8"))
    assert package["grants"]
    assert all(g["id"].startswith("360G-chiikigaku-") for g in package["grants"])
    assert {g["fundingOrganization"][0]["id"] for g in package["grants"]} == {
        "JP-JCN-1234567890123"
    }
    assert package["publisher"]["identifier"] == "JP-JCN-1234567890123"
    assert list(giving_validator().iter_errors(package)) == []


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("SUBSIDY_GIVING360_PREFIX", "JCRD"),
        ("SUBSIDY_GIVING360_PREFIX", "360G-"),
        ("SUBSIDY_GIVING360_PREFIX", "360G-a b"),
        ("SUBSIDY_GIVING360_FUNDER_ID", "JP-JCN-123"),
    ],
)
def test_a_malformed_publisher_setting_is_refused_naming_it(
    recorded: tuple[SubsidyEngine, Scenario],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    variable: str,
    value: str,
) -> None:
    monkeypatch.setenv(variable, value)
    output = tmp_path / "grants.json"

    result = CliRunner().invoke(
        app,
        ["ledger", "export", "--fiscal-year", "FY2024", "--format", "360giving", "-o", str(output)],
    )

    assert result.exit_code != 0
    assert variable.removeprefix("SUBSIDY_").lower() in str(result.exception) + result.output
    assert not output.exists()
