"""The finance ledger as an Excel workbook, read back with openpyxl."""

from __future__ import annotations

import io
import re
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any

import pytest
from api_helpers import bearer, catch_up
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from exports.export_helpers import money_moved
from subsidy.api import problems
from subsidy.api.app import create_app, routers
from subsidy.api.routes import ledger, reads
from subsidy.api.routes.ledger_xlsx import XLSX
from subsidy.application import SubsidyEngine
from subsidy.bootstrap import build_read_models, build_runners
from subsidy.domain.actor import Role
from subsidy.domain.wareki import format_wareki
from subsidy.settings import Settings

from conftest import make_engine

HEADINGS = ledger.CSV_HEADINGS
SUMIF = re.compile(r'=SUMIF\(\$L\$2:\$L\$(\d+),"(\w+)",\$M\$2:\$M\$(\d+)\)')
CODE_COLUMN, AMOUNT_COLUMN = HEADINGS.index("区分コード") + 1, HEADINGS.index("金額（円）") + 1


@contextmanager
def reads_api(store_url: str) -> Iterator[tuple[TestClient, SubsidyEngine]]:
    """``api_helpers.api`` with the read routes, until ``routers()`` serves them itself."""
    engine = make_engine(store_url)
    db = build_read_models(Settings(database_url=store_url))
    app = create_app(engine, db, build_runners(engine, db))
    for router in (reads.router, ledger.router):
        if router not in routers():
            app.include_router(router, responses=problems.RESPONSES)
    with TestClient(app) as client:
        yield client, engine
    engine.close()


@pytest.fixture
def api(store_url: str) -> Iterator[tuple[TestClient, SubsidyEngine]]:
    with reads_api(store_url) as (client, engine):
        yield client, engine


def json_rows(client: TestClient, headers: dict[str, str], **params: Any) -> dict[str, Any]:
    response = client.get("/api/v1/ledger", params={**params, "per_page": 200}, headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def workbook(client: TestClient, headers: dict[str, str], **params: Any) -> tuple[Workbook, str]:
    response = client.get("/api/v1/ledger", params={**params, "format": "xlsx"}, headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == XLSX
    return load_workbook(io.BytesIO(response.content)), response.headers["content-disposition"]


def data_rows(sheet: Worksheet) -> list[dict[str, Any]]:
    """明細's rows above the blank line that separates the totals, keyed by heading."""
    rows = []
    for values in sheet.iter_rows(min_row=2, values_only=True):
        if values[0] is None:
            break
        rows.append(dict(zip(HEADINGS, values, strict=True)))
    return rows


def test_the_workbook_holds_the_json_ledgers_rows_with_formulas_for_its_totals(
    api: tuple[TestClient, SubsidyEngine],
) -> None:
    client, engine = api
    money_moved(engine)
    auditor = bearer(engine, "auditor", Role.AUDITOR)
    catch_up(client)

    expected = json_rows(client, auditor, fiscal_year=2024)
    book, disposition = workbook(client, auditor, fiscal_year=2024)

    assert disposition == 'attachment; filename="ledger-FY2024.xlsx"'
    assert book.sheetnames == ["明細", "団体別合計"]
    details = book["明細"]
    assert [cell.value for cell in details[1]] == list(HEADINGS)
    assert details.freeze_panes == "A2"
    rows = data_rows(details)
    assert details.auto_filter.ref == f"A1:P{len(rows) + 1}"
    assert [
        (r["記録番号"], r["明細行"], r["区分コード"], r["金額（円）"], r["残高（円）"])
        for r in rows
    ] == [
        (i["position"], i["line"], i["kind"], i["amount"], i["balance"]) for i in expected["items"]
    ]
    assert {"repayment", "additional_charge", "settlement"} <= {r["区分コード"] for r in rows}
    first, item = rows[0], expected["items"][0]
    assert first["発生日"] == datetime.fromisoformat(item["occurred_on"])
    assert first["発生日（和暦）"] == format_wareki(date.fromisoformat(item["occurred_on"]))
    assert first["区分"] == ledger.KIND_LABELS[ledger.LedgerKind(item["kind"])]
    assert details.cell(2, 4).number_format == "yyyy-mm-dd"
    assert details.cell(2, AMOUNT_COLUMN).number_format == '#,##0"円"'
    assert details.column_dimensions["H"].width >= 36  # a UUID fits

    sums: Counter[str] = Counter()
    for row in rows:
        sums[row["区分コード"]] += row["金額（円）"]
    assert dict(sums) == expected["fiscal_year_totals"]
    totals = list(details.iter_rows(min_row=len(rows) + 3))
    assert len(totals) == len(sums)
    for total in totals:
        formula = total[AMOUNT_COLUMN - 1]
        assert formula.data_type == "f"
        assert isinstance(formula.value, str)
        match = SUMIF.fullmatch(formula.value)
        assert match, formula.value
        last, kind = int(match[1]), match[2]
        assert int(match[3]) == last == len(rows) + 1
        assert total[CODE_COLUMN - 1].value == kind
        # What Excel computes: the M cells of rows 2..last whose L cell is the kind.
        cells = [details.cell(r, AMOUNT_COLUMN).value for r in range(2, last + 1)]
        picked = [
            v for r, v in enumerate(cells, start=2) if details.cell(r, CODE_COLUMN).value == kind
        ]
        recomputed = sum(v for v in picked if isinstance(v, int))
        assert len(picked) == sum(isinstance(v, int) for v in picked) > 0
        assert recomputed == expected["fiscal_year_totals"][kind]


def test_the_workbook_totals_each_organisation_and_kind(
    api: tuple[TestClient, SubsidyEngine],
) -> None:
    client, engine = api
    money_moved(engine)
    finance = bearer(engine, "finance-sato", Role.FINANCE)
    catch_up(client)

    expected = json_rows(client, finance)
    book, disposition = workbook(client, finance)

    assert disposition == 'attachment; filename="ledger-all.xlsx"'
    assert len(data_rows(book["明細"])) == len(expected["items"])
    sums: Counter[tuple[str, str]] = Counter()
    counts: Counter[tuple[str, str]] = Counter()
    for item in expected["items"]:
        sums[item["organisation_id"], item["kind"]] += item["amount"]
        counts[item["organisation_id"], item["kind"]] += 1
    sheet = book["団体別合計"]
    assert [cell.value for cell in sheet[1]] == [
        "団体ID",
        "団体名",
        "区分",
        "区分コード",
        "件数",
        "金額（円）",
    ]
    assert sheet.freeze_panes == "A2"
    written = {
        (organisation, code): (count, amount)
        for organisation, _, _, code, count, amount in sheet.iter_rows(
            min_row=2, max_row=len(sums) + 1, values_only=True
        )
    }
    assert written == {key: (counts[key], sums[key]) for key in sums}
    assert len({organisation for organisation, _ in written}) == 2
    assert "amendment" in {code for _, code in written}
    assert min(sums.values()) < 0  # the FY2025 cut


def test_an_empty_ledger_downloads_a_workbook_with_headings_only(
    api: tuple[TestClient, SubsidyEngine],
) -> None:
    client, engine = api
    auditor = bearer(engine, "auditor", Role.AUDITOR)
    catch_up(client)

    book, _ = workbook(client, auditor, fiscal_year=2030)

    assert book["明細"].max_row == 1
    assert book["団体別合計"].max_row == 1
