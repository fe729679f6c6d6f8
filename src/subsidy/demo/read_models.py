"""The demo's view from the read models: what the dashboard shows after the scenario."""

from __future__ import annotations

from sqlalchemy import Engine

from subsidy.domain.wareki import format_fiscal_year
from subsidy.projections.dashboard import dashboard


def read_model_summary(db: Engine) -> str:
    """The dashboard's budget per fiscal year, pipeline and median days to a decision."""
    with db.connect() as conn:
        board = dashboard(conn)
    lines = ["", "dashboard (read models, caught up in this process):"]
    counts = ", ".join(f"{k} {v}" for k, v in board["applications_by_status"].items() if v)
    lines.append(f"  pipeline: {counts}")
    lines.append(f"  median days from submission to decision: {board['median_days_to_decision']}")
    for year in board["fiscal_years"]:
        if year["reserved"] or year["paid"]:
            lines.append(
                f"  {format_fiscal_year(year['fiscal_year'])}: 予算 {year['appropriated']:,}円 "
                f"交付決定 {year['reserved']:,}円 支払 {year['paid']:,}円 "
                f"返還 {year['repaid']:,}円 残額 {year['remaining']:,}円"
            )
    return "\n".join(lines)
