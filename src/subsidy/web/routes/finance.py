"""Finance: the ledger per fiscal year with its downloads, and the grants paid in the year."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import Request, Response
from fastapi.responses import HTMLResponse, StreamingResponse
from sqlalchemy import Connection

from subsidy.api.routes.ledger_xlsx import xlsx_response
from subsidy.domain.actor import Actor
from subsidy.domain.wareki import fiscal_year_of
from subsidy.exports import MEDIA_TYPES, ExportFormat, LedgerExport, LedgerFilter, LedgerKind
from subsidy.projections import applications, dashboard
from subsidy.projections.ledger import ledger_rows, ledger_totals
from subsidy.projections.support import as_utc
from subsidy.web.access import EngineDep, ReadModels, allowed
from subsidy.web.pages import FINANCE
from subsidy.web.rendering import render
from subsidy.web.routing import console_router

router = console_router()
PER_PAGE = 100
KINDS = tuple(kind.value for kind in LedgerKind)
FIRST_YEAR, LAST_YEAR = 2000, 2100
DOWNLOADS = ("csv", "xlsx")


def _filters(fiscal_year: int, kind: str, approval_id: str) -> dict[str, Any]:
    """The ledger filters the page understands; anything else is ignored."""
    try:
        approval = str(UUID(approval_id.strip())) if approval_id.strip() else None
    except ValueError:
        approval = None
    return {
        "fiscal_year": fiscal_year,
        "kind": kind if kind in KINDS else None,
        "approval_id": approval,
    }


@router.get("/finance")
def finance(
    request: Request,
    *,
    engine: EngineDep,
    db: ReadModels,
    _: Annotated[Actor, allowed(FINANCE)],
    fiscal_year: int | None = None,
    kind: str = "",
    approval_id: str = "",
    page: int = 1,
) -> HTMLResponse:
    """The year's ledger (filtered, paged), its totals, and the grants it pays."""
    year = fiscal_year if fiscal_year is not None else fiscal_year_of(engine.today())
    year = min(max(year, FIRST_YEAR), LAST_YEAR)
    filters = _filters(year, kind, approval_id)
    page = max(page, 1)
    with db.connect() as conn:
        rows = ledger_rows(conn, **filters, limit=PER_PAGE, offset=(page - 1) * PER_PAGE)
        context: dict[str, Any] = {
            "rows": [{**row, "recorded_at": as_utc(row["recorded_at"])} for row in rows],
            "totals": ledger_totals(conn, year),
            "grants": _grants(conn, year),
            "years": _years(conn, year),
        }
    context.update(
        fiscal_year=year,
        kinds=KINDS,
        filters={"kind": filters["kind"] or "", "approval_id": filters["approval_id"] or ""},
        page=page,
        more=len(rows) == PER_PAGE,
        query=_query(filters),
    )
    return render(request, "finance.html", context)


@router.get("/finance/ledger.{extension}")
def download(
    db: ReadModels,
    extension: str,
    _: Annotated[Actor, allowed(FINANCE)],
    fiscal_year: int = 0,
    kind: str = "",
    approval_id: str = "",
) -> Response:
    """The ledger as the API exports it (CSV or XLSX), for the signed-in browser."""
    if extension not in DOWNLOADS:
        return Response(status_code=404)
    filters = _filters(fiscal_year, kind, approval_id)
    if not FIRST_YEAR <= fiscal_year <= LAST_YEAR:
        filters["fiscal_year"] = None
    export = LedgerExport(ExportFormat(extension), LedgerFilter(**filters))
    if export.format is ExportFormat.XLSX:
        return xlsx_response(export, db)
    disposition = f'attachment; filename="{export.file_name()}"'
    return StreamingResponse(
        export.chunks(db),
        media_type=MEDIA_TYPES[export.format],
        headers={"Content-Disposition": disposition},
    )


def _query(filters: dict[str, Any]) -> str:
    """The filters as a query string for the download links."""
    parts = [f"{name}={value}" for name, value in filters.items() if value is not None]
    return "&".join(parts)


def _years(conn: Connection, current: int) -> list[int]:
    """The fiscal years with a budget, and the one shown."""
    known = {row["fiscal_year"] for row in dashboard.dashboard(conn)["fiscal_years"]}
    return sorted(known | {current})


def _grants(conn: Connection, fiscal_year: int) -> list[dict[str, Any]]:
    """Each grant decision with money in the year: its applicant, title and decided amount."""
    decisions = ledger_rows(conn, fiscal_year=fiscal_year, kind="decision", limit=1_000)
    approved = applications.list_applications(
        conn, status="approved", fiscal_year=fiscal_year, limit=1_000
    )
    by_approval = {row["approval_id"]: row for row in approved}
    grants = []
    for decision in decisions:
        application = by_approval.get(decision["approval_id"], {})
        grants.append(
            {
                "approval_id": decision["approval_id"],
                "decided": decision["amount"],
                "organisation_name": application.get("organisation_name", ""),
                "title": application.get("title", ""),
                "approval_status": application.get("approval_status"),
            }
        )
    return grants
