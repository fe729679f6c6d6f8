"""The finance ledger over HTTP: a JSON page, or every matching row as a CSV or XLSX download.

The CSV is what Japanese spreadsheets open without asking: UTF-8 with a byte-order mark, CRLF
line ends, Japanese headings and whole yen without separators.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from enum import Enum
from typing import Annotated, Any
from uuid import UUID
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, Field
from sqlalchemy import Connection, Engine

from subsidy.api.deps import require_role
from subsidy.api.routes.ledger_xlsx import XLSX, xlsx_response
from subsidy.domain.actor import Role
from subsidy.projections.ledger import ledger_rows, ledger_totals
from subsidy.projections.support import as_utc

router = APIRouter(prefix="/api/v1", tags=["ledger"])
Books = Annotated[object, require_role(Role.FINANCE, Role.AUDITOR, Role.ADMINISTRATOR)]
Page = Annotated[int, Query(ge=1, le=100_000, description="The page, from 1")]
PerPage = Annotated[int, Query(ge=1, le=200, description="Rows per page")]
FiscalYearFilter = Annotated[
    int | None, Query(ge=2000, le=2100, description="Only this fiscal year")
]
JAPAN = ZoneInfo("Asia/Tokyo")
CSV_CHUNK = 1_000


def read_models(request: Request) -> Engine:
    """The read-model database the projections keep."""
    db: Engine = request.app.state.db
    return db


ReadModels = Annotated[Engine, Depends(read_models)]


class LedgerKind(Enum):
    """What a ledger row records."""

    DECISION = "decision"
    AMENDMENT = "amendment"
    ADVANCE = "advance"
    SETTLEMENT = "settlement"
    DETERMINATION = "determination"
    REPAYMENT_ORDER = "repayment_order"
    REPAYMENT = "repayment"
    ADDITIONAL_CHARGE = "additional_charge"
    LATE_CHARGE = "late_charge"


KIND_LABELS = {
    LedgerKind.DECISION: "交付決定",
    LedgerKind.AMENDMENT: "変更承認",
    LedgerKind.ADVANCE: "概算払",
    LedgerKind.SETTLEMENT: "精算払",
    LedgerKind.DETERMINATION: "額の確定",
    LedgerKind.REPAYMENT_ORDER: "返還命令",
    LedgerKind.REPAYMENT: "返還金",
    LedgerKind.ADDITIONAL_CHARGE: "加算金",
    LedgerKind.LATE_CHARGE: "延滞金",
}
CSV_HEADINGS = (
    "記録番号",
    "明細行",
    "記録日時",
    "発生日",
    "年度",
    "交付決定ID",
    "団体ID",
    "区分",
    "区分コード",
    "金額（円）",
    "残高（円）",
    "根拠規定",
    "記録者",
)


class LedgerFormat(Enum):
    """How the ledger is answered."""

    JSON = "json"
    CSV = "csv"
    XLSX = "xlsx"


class LedgerRow(BaseModel):
    """One money movement."""

    position: int = Field(description="The event's position in the log")
    line: int = Field(description="The row's number within the event (repayments split)")
    recorded_at: datetime = Field(description="When the event was recorded (UTC)")
    occurred_on: date = Field(description="The business date: paid, decided, received…")
    fiscal_year: int = Field(description="The fiscal year")
    organisation_id: UUID = Field(description="The grantee (lead organisation)")
    approval_id: UUID = Field(description="The grant decision")
    kind: LedgerKind = Field(description="What the row records")
    amount: int = Field(description="Yen; for an amendment, the change of the decided amount")
    balance: int = Field(description="What the grantee holds under the approval after the row")
    rule: str | None = Field(description="The rule applied, if any")
    actor_id: str = Field(description="Who recorded the event")


class LedgerPage(BaseModel):
    """A page of the ledger."""

    items: list[LedgerRow] = Field(description="Rows in log order")
    page: int = Field(description="This page's number, from 1")
    per_page: int = Field(description="Rows per page")
    fiscal_year_totals: dict[str, int] | None = Field(
        description="With a fiscal_year filter: that year's total per kind, over every approval"
    )


@router.get(
    "/ledger",
    response_model=LedgerPage,
    responses={
        200: {
            "content": {
                "text/csv": {"schema": {"type": "string"}},
                XLSX: {"schema": {"type": "string", "format": "binary"}},
            }
        }
    },
)
def ledger(
    db: ReadModels,
    _: Books,
    fiscal_year: FiscalYearFilter = None,
    approval_id: Annotated[UUID | None, Query(description="Only this approval")] = None,
    kind: Annotated[LedgerKind | None, Query(description="Only this kind of row")] = None,
    page: Page = 1,
    per_page: PerPage = 100,
    answer_as: Annotated[
        LedgerFormat,
        Query(
            alias="format",
            description="json (paged), or csv or xlsx (every matching row, no paging)",
        ),
    ] = LedgerFormat.JSON,
) -> LedgerPage | Response:
    """Money movements with a running balance per approval (finance, auditors, admins)."""
    filters: dict[str, Any] = {
        "fiscal_year": fiscal_year,
        "approval_id": str(approval_id) if approval_id else None,
        "kind": kind.value if kind else None,
    }
    with db.connect() as conn:
        if answer_as is LedgerFormat.CSV:
            return _csv(conn, filters, fiscal_year)
        if answer_as is LedgerFormat.XLSX:
            labels = {kind.value: label for kind, label in KIND_LABELS.items()}
            return xlsx_response(conn, filters, fiscal_year, headings=CSV_HEADINGS, labels=labels)
        rows = ledger_rows(conn, **filters, limit=per_page, offset=(page - 1) * per_page)
        totals = ledger_totals(conn, fiscal_year) if fiscal_year is not None else None
    items = [LedgerRow.model_validate({**r, "recorded_at": as_utc(r["recorded_at"])}) for r in rows]
    return LedgerPage(items=items, page=page, per_page=per_page, fiscal_year_totals=totals)


def _csv(conn: Connection, filters: dict[str, Any], fiscal_year: int | None) -> Response:
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_HEADINGS)
    offset = 0
    while True:
        rows = ledger_rows(conn, **filters, limit=CSV_CHUNK, offset=offset)
        writer.writerows(_csv_row(row) for row in rows)
        if len(rows) < CSV_CHUNK:
            break
        offset += CSV_CHUNK
    name = f"ledger-FY{fiscal_year}.csv" if fiscal_year is not None else "ledger.csv"
    return Response(
        buffer.getvalue().encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _csv_row(row: dict[str, Any]) -> tuple[object, ...]:
    recorded_at = as_utc(row["recorded_at"]).astimezone(JAPAN)
    kind = LedgerKind(row["kind"])
    return (
        row["position"],
        row["line"],
        recorded_at.isoformat(timespec="seconds"),
        row["occurred_on"].isoformat(),
        row["fiscal_year"],
        row["approval_id"],
        row["organisation_id"],
        KIND_LABELS[kind],
        kind.value,
        int(row["amount"]),
        int(row["balance"]),
        row["rule"] or "",
        row["actor_id"],
    )
