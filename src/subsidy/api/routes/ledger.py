"""The finance ledger over HTTP: a JSON page, or every matching row as a CSV, XLSX or 360Giving
download (see docs/exports.md).

Downloads stream: the CSV and the 360Giving package are sent as they are read, the workbook
from a temporary file, so a large ledger never sits in memory.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field
from sqlalchemy import Engine

from subsidy.api.deps import EngineDep, require_role
from subsidy.api.payloads import json_response
from subsidy.api.routes.ledger_xlsx import XLSX, xlsx_response
from subsidy.domain.actor import Role
from subsidy.exports import (
    KIND_LABELS,
    MEDIA_TYPES,
    ExportFormat,
    LedgerExport,
    LedgerFilter,
    LedgerKind,
)
from subsidy.exports.columns import HEADINGS
from subsidy.exports.files import engine_corporate_numbers
from subsidy.projections.ledger import ledger_rows, ledger_totals
from subsidy.projections.support import as_utc

__all__ = ["CSV_HEADINGS", "KIND_LABELS", "LedgerKind", "router"]

router = APIRouter(prefix="/api/v1", tags=["ledger"])
Books = Annotated[object, require_role(Role.FINANCE, Role.AUDITOR, Role.ADMINISTRATOR)]
Page = Annotated[int, Query(ge=1, le=100_000, description="The page, from 1")]
PerPage = Annotated[int, Query(ge=1, le=200, description="Rows per page")]
FiscalYearFilter = Annotated[
    int | None, Query(ge=2000, le=2100, description="Only this fiscal year")
]
CSV_HEADINGS = HEADINGS
"""The CSV's headings (the workbook's 明細 has the same columns)."""


def read_models(request: Request) -> Engine:
    """The read-model database the projections keep."""
    db: Engine = request.app.state.db
    return db


ReadModels = Annotated[Engine, Depends(read_models)]


class LedgerFormat(Enum):
    """How the ledger is answered."""

    JSON = "json"
    CSV = "csv"
    XLSX = "xlsx"
    GIVING_360 = "360giving"


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


class GrantsPackage(BaseModel):
    """With format=360giving: a 360Giving Data Standard 1.4 grants package (docs/exports.md)."""

    version: str = Field(description="The standard's version, 1.4")
    title: str = Field(description="The package's title")
    description: str = Field(description="What the package holds")
    issued: date = Field(description="The day the package was produced, in Japan")
    publisher: dict[str, str] = Field(description="The Center: name and identifier")
    grants: list[dict[str, Any]] = Field(description="One grant per approval and fiscal year")


@router.get(
    "/ledger",
    response_model=LedgerPage | GrantsPackage,
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
    request: Request,
    db: ReadModels,
    engine: EngineDep,
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
            description="json (paged), or csv, xlsx or 360giving (every matching row, no "
            "paging; 360giving refuses a kind filter)",
        ),
    ] = LedgerFormat.JSON,
) -> Response:
    """Money movements with a running balance per approval (finance, auditors, admins)."""
    where = LedgerFilter(
        fiscal_year=fiscal_year,
        approval_id=str(approval_id) if approval_id else None,
        kind=kind.value if kind else None,
    )
    if answer_as is not LedgerFormat.JSON:
        export = LedgerExport(
            ExportFormat(answer_as.value),
            where,
            corporate_number=engine_corporate_numbers(engine),
            issued=engine.today(),
            publisher=request.app.state.publisher,
        )
        return _download(export, db)
    with db.connect() as conn:
        rows = ledger_rows(
            conn,
            fiscal_year=where.fiscal_year,
            approval_id=where.approval_id,
            kind=where.kind,
            limit=per_page,
            offset=(page - 1) * per_page,
        )
        totals = ledger_totals(conn, fiscal_year) if fiscal_year is not None else None
    items = [LedgerRow.model_validate({**r, "recorded_at": as_utc(r["recorded_at"])}) for r in rows]
    return json_response(
        LedgerPage(items=items, page=page, per_page=per_page, fiscal_year_totals=totals)
    )


def _download(export: LedgerExport, db: Engine) -> Response:
    export.check(db)
    if export.format is ExportFormat.XLSX:
        return xlsx_response(export, db)
    return StreamingResponse(
        export.chunks(db),
        media_type=MEDIA_TYPES[export.format],
        headers={"Content-Disposition": f'attachment; filename="{export.file_name()}"'},
    )
