"""The dashboard: the pipeline, each fiscal year's budget, prefectures, time to decision."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Request
from fastapi.responses import HTMLResponse

from subsidy.domain.actor import Actor
from subsidy.domain.workflow import ApplicationStatus
from subsidy.projections import dashboard
from subsidy.web import formatting
from subsidy.web.access import ReadModels, ViewerDep, allowed
from subsidy.web.charts import Chart, grouped_columns, horizontal_bars
from subsidy.web.i18n import Translator
from subsidy.web.pages import DASHBOARD
from subsidy.web.rendering import render
from subsidy.web.routing import console_router

router = console_router()
BUDGET_SERIES = ("appropriated", "reserved", "paid", "repaid", "remaining")


@router.get("/dashboard")
def show_dashboard(
    request: Request,
    viewer: ViewerDep,
    db: ReadModels,
    _: Annotated[Actor, allowed(DASHBOARD)],
) -> HTMLResponse:
    """The scheme at a glance, as charts with their figures beside them."""
    with db.connect() as conn:
        figures = dashboard.dashboard(conn)
    return render(request, "dashboard.html", {**figures, **charts(figures, viewer.t)})


def charts(figures: dict[str, Any], t: Translator) -> dict[str, Chart]:
    """The dashboard's three charts, labelled in the viewer's language."""
    lang = t.lang
    statuses = [s.value for s in ApplicationStatus]
    pipeline = horizontal_bars(
        [(t.status(s), figures["applications_by_status"].get(s, 0)) for s in statuses],
        lambda n: f"{n:,}",
    )
    years = figures["fiscal_years"]
    budget = grouped_columns(
        [formatting.fiscal_year(y["fiscal_year"], lang) for y in years],
        [t(f"budget.{name}") for name in BUDGET_SERIES],
        [[y[name] for name in BUDGET_SERIES] for y in years],
        lambda n: formatting.yen(n, lang),
        lambda n: formatting.yen_short(n, lang),
    )
    prefectures = horizontal_bars(
        [
            (p["prefecture"] or t("dashboard.unknown_prefecture"), p["applications"])
            for p in figures["prefectures"]
        ],
        lambda n: f"{n:,}",
    )
    return {"pipeline_chart": pipeline, "budget_chart": budget, "prefecture_chart": prefectures}
