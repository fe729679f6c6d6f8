"""The acceptance path: import the brochure's agreements and list them as JSON."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from subsidy.cli import app

ROOT = Path(__file__).resolve().parents[2]
AGREEMENTS = ROOT / "data" / "partnership_agreements.csv"


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("SUBSIDY_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.sqlite3'}")
    return CliRunner()


def listed(runner: CliRunner) -> list[dict[str, object]]:
    result = runner.invoke(app, ["agreements", "list", "--json"])
    assert result.exit_code == 0, result.output
    rows: list[dict[str, object]] = json.loads(result.stdout)
    return rows


def test_the_console_script_imports_and_lists_the_48_agreements(tmp_path: Path) -> None:
    env = {**os.environ, "SUBSIDY_DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"}
    command = [sys.executable, "-m", "subsidy", "agreements"]

    subprocess.run([*command, "import", str(AGREEMENTS)], env=env, check=True, capture_output=True)
    listing = subprocess.run([*command, "list", "--json"], env=env, check=True, capture_output=True)

    agreements = json.loads(listing.stdout)
    assert len(agreements) == 48
    by_date = {a["signed_on"] for a in agreements}
    assert {"2018-01-17", "2019-05-08", "2024-03-08"} <= by_date
    tottori = next(a for a in agreements if "日本財団" in a["parties"])
    assert tottori["parties"] == ["鳥取県", "鳥取県町村会", "日本財団"]
    assert tottori["signed_on"] == "2020-07-09"


def test_the_listing_keeps_the_brochure_flag(runner: CliRunner) -> None:
    runner.invoke(app, ["agreements", "import", str(AGREEMENTS)])

    agreements = listed(runner)

    isumi = next(a for a in agreements if a["parties"] == ["千葉県いすみ市"])
    yamanashi = next(a for a in agreements if a["parties"] == ["山梨県北杜市"])
    assert isumi["flagged"] is True
    assert yamanashi["flagged"] is False
    assert sum(1 for a in agreements if a["flagged"]) == 19


def test_a_second_import_of_the_same_file_records_nothing(runner: CliRunner) -> None:
    first = runner.invoke(app, ["agreements", "import", str(AGREEMENTS)])

    second = runner.invoke(app, ["agreements", "import", str(AGREEMENTS)])

    assert "48 agreements and 50 organisations recorded" in first.stdout
    assert "0 agreements and 0 organisations recorded, 48 agreements already present" in (
        second.stdout
    )
    assert len(listed(runner)) == 48


def test_a_bad_row_names_its_line_and_nothing_is_imported(
    runner: CliRunner, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "parties,signed_on,flag\n千葉県いすみ市,平成30年1月17日,◎\n秋田県由利本荘市,令和元年4月30日,\n",
        encoding="utf-8",
    )

    result = runner.invoke(app, ["agreements", "import", str(bad)])

    assert result.exit_code == 1
    assert "line 3:" in result.stderr
    assert "令和元年4月30日" in result.stderr
    assert listed(runner) == []


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ("千葉県いすみ市,2018-01-17,○", "flag must be ◎ or empty"),
        ("千葉県いすみ市・,2018-01-17,", "empty party name"),
        ("千葉県いすみ市,2018-02-30,", "2018-02-30"),
        ("千葉県いすみ市,2018-01-17", "expected 3 columns"),
    ],
)
def test_each_kind_of_bad_row_is_refused_with_its_reason(
    runner: CliRunner, tmp_path: Path, row: str, reason: str
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(f"parties,signed_on,flag\n{row}\n", encoding="utf-8")

    result = runner.invoke(app, ["agreements", "import", str(bad)])

    assert result.exit_code == 1
    assert "line 2:" in result.stderr
    assert reason in result.stderr
    assert listed(runner) == []


def test_a_file_with_the_wrong_header_is_refused(runner: CliRunner, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("name,date\n千葉県いすみ市,2018-01-17\n", encoding="utf-8")

    result = runner.invoke(app, ["agreements", "import", str(bad)])

    assert result.exit_code == 1
    assert "the header must be parties,signed_on,flag" in result.stderr


def test_the_same_agreement_with_another_flag_is_refused(runner: CliRunner, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "parties,signed_on,flag\n千葉県いすみ市,平成30年1月17日,◎\n千葉県いすみ市,2018-01-17,\n",
        encoding="utf-8",
    )

    result = runner.invoke(app, ["agreements", "import", str(bad)])

    assert result.exit_code == 1
    assert "line 3: the same agreement is already recorded with a different ◎ flag" in (
        result.stderr
    )
    assert listed(runner) == []


def test_a_signing_date_in_the_future_is_refused(runner: CliRunner, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("parties,signed_on,flag\n千葉県いすみ市,2099-01-01,\n", encoding="utf-8")

    result = runner.invoke(app, ["agreements", "import", str(bad)])

    assert result.exit_code == 1
    assert "line 2: the signing date 2099-01-01 is in the future" in result.stderr


def test_users_add_prints_a_token_once_and_revoke_stops_it(runner: CliRunner) -> None:
    added = runner.invoke(app, ["users", "add", "auditor-ito", "--role", "auditor"])
    again = runner.invoke(app, ["users", "add", "auditor-ito", "--role", "auditor"])
    revoked = runner.invoke(app, ["users", "revoke", "auditor-ito"])

    assert added.exit_code == 0, added.output
    assert len(added.stdout.strip()) >= 40
    assert again.exit_code == 1
    assert "a user named auditor-ito exists" in again.stderr
    assert revoked.stdout.strip() == "auditor-ito: revoked"
