"""The partnership agreements transcribed from the brochure's table into data/."""

import csv
import re
from datetime import date
from pathlib import Path

import pytest

from subsidy.domain.organisation_names import derive_prefecture_and_kind
from subsidy.domain.wareki import parse_date

ROOT = Path(__file__).resolve().parents[1]
CSV_PATH = ROOT / "data" / "partnership_agreements.csv"
# The table of the Center's brochure (shared/seed/000_781b82865a73917a.txt), verbatim.
SEED_PATH = ROOT / "tests" / "data" / "brochure_agreements_table.txt"
TABLE_HEADER = "団体名\t連携協定日\t団体名\t連携協定日"
PRIVATE_FOUNDATION = "日本財団"


@pytest.fixture(scope="module")
def rows() -> list[dict[str, str]]:
    with CSV_PATH.open(encoding="utf-8", newline="") as file:
        return list(csv.DictReader(file))


@pytest.fixture(scope="module")
def brochure_table() -> list[str]:
    lines = SEED_PATH.read_text(encoding="utf-8").splitlines()
    start = lines.index(TABLE_HEADER) + 1
    return [line for line in lines[start:] if line]


def test_file_is_utf8_without_bom_and_has_the_agreed_header() -> None:
    raw = CSV_PATH.read_bytes()

    first_line = raw.decode("utf-8").splitlines()[0]

    assert not raw.startswith(b"\xef\xbb\xbf")
    assert first_line == "parties,signed_on,flag"


def test_there_are_48_agreements(rows: list[dict[str, str]]) -> None:
    count = len(rows)

    assert count == 48


def test_every_signing_date_parses(rows: list[dict[str, str]]) -> None:
    dates = [parse_date(row["signed_on"], field="signed_on") for row in rows]

    assert all(isinstance(day, date) for day in dates)


def test_first_heisei_and_first_reiwa_signings_are_present(rows: list[dict[str, str]]) -> None:
    dates = {parse_date(row["signed_on"]) for row in rows}

    assert date(2018, 1, 17) in dates
    assert date(2019, 5, 8) in dates


def test_agreements_are_numbered_in_signing_order_up_to_the_brochures_cut_off(
    rows: list[dict[str, str]],
) -> None:
    dates = [parse_date(row["signed_on"]) for row in rows]

    assert dates == sorted(dates)
    assert dates[-1] == date(2024, 3, 8)


def test_row_21_is_one_agreement_with_three_parties(rows: list[dict[str, str]]) -> None:
    parties = rows[20]["parties"].split("・")

    assert parties == ["鳥取県", "鳥取県町村会", PRIVATE_FOUNDATION]


def test_flags_match_the_marks_in_the_brochure_table(
    rows: list[dict[str, str]], brochure_table: list[str]
) -> None:
    marks_in_brochure = sum(line.count("◎") for line in brochure_table)

    flags = [row["flag"] for row in rows]

    assert set(flags) <= {"◎", ""}
    assert flags.count("◎") == marks_in_brochure


def test_rows_match_the_brochure_table_number_by_number(
    rows: list[dict[str, str]], brochure_table: list[str]
) -> None:
    printed: dict[int, dict[str, str]] = {}
    for line in brochure_table:
        for number, name, signed_on in re.findall(r"(\d+) ([^\t]+)\t([^\t]+)", line):
            flag = "◎" if "◎" in name else ""
            parties = name.replace("◎", "").replace(" ", "")
            printed[int(number)] = {"parties": parties, "signed_on": signed_on, "flag": flag}

    transcribed = dict(enumerate(rows, start=1))

    assert transcribed == printed


def test_names_carry_no_marks_or_spaces(rows: list[dict[str, str]]) -> None:
    names = [row["parties"] for row in rows]

    assert [name for name in names if "◎" in name or " " in name or "\u3000" in name] == []


def test_every_party_but_the_private_foundation_has_a_derived_prefecture(
    rows: list[dict[str, str]],
) -> None:
    parties = [party for row in rows for party in row["parties"].split("・")]

    without_prefecture = [name for name in parties if derive_prefecture_and_kind(name)[0] is None]

    assert without_prefecture == [PRIVATE_FOUNDATION]
