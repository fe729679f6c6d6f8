"""Turning a template and its values into a page: the frame, the filters and the headers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, pass_context, select_autoescape
from jinja2.runtime import Context
from markupsafe import Markup

from subsidy.web import formatting
from subsidy.web.access import Viewer, codec_of, viewer_of
from subsidy.web.forms import FormErrors
from subsidy.web.pages import menu_for
from subsidy.web.session import CSRF_FIELD, set_session_cookie

# Pages are built from the server alone: no inline script or style, no framing by other sites.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def environment() -> Environment:
    """The template environment, with the formatting filters in the page's language."""
    env = Environment(
        loader=PackageLoader("subsidy.web", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    for name in ("yen", "yen_short", "fiscal_year", "wareki_date", "instant", "days"):
        env.filters[name] = _in_page_language(getattr(formatting, name))
    env.filters["short_id"] = formatting.short_id
    return env


def _in_page_language(format_value: Any) -> Any:
    @pass_context
    def apply(context: Context, value: Any) -> Any:
        return format_value(value, context.get("lang", "ja"))

    return apply


def render(
    request: Request,
    template: str,
    values: Mapping[str, Any] | None = None,
    *,
    status: int = 200,
) -> HTMLResponse:
    """The page ``template`` with the console's frame, in the viewer's language."""
    viewer = viewer_of(request)
    env: Environment = request.app.state.console_templates
    context = {**frame(request, viewer), **(values or {})}
    html = env.get_template(template).render(context)
    response = HTMLResponse(html, status_code=status, headers=SECURITY_HEADERS)
    if viewer.fresh:
        set_session_cookie(response, codec_of(request), viewer.session)
    return response


def frame(request: Request, viewer: Viewer) -> dict[str, Any]:
    """What every page shows: the user, the menu, the language switch and the CSRF field."""
    actor = viewer.actor
    other = "en" if viewer.lang == "ja" else "ja"
    kept = [(k, v) for k, v in request.query_params.multi_items() if k not in ("lang", "saved")]
    here = request.url.path + (f"?{urlencode(kept)}" if kept else "")
    return {
        "request": request,
        "lang": viewer.lang,
        "t": viewer.t,
        "user": actor,
        "menu": menu_for(actor.role) if actor else [],
        "path": request.url.path,
        "switch_language": "/language?" + urlencode({"to": other, "next": here}),
        "csrf_field": Markup('<input type="hidden" name="{0}" value="{1}">').format(
            CSRF_FIELD, viewer.session.csrf
        ),
        "saved": request.query_params.get("saved") == "1",
        "errors": FormErrors(),
        "values": {},
    }


def error_page(request: Request, status: int, message: str, detail: str = "") -> HTMLResponse:
    """An error in the console's frame: a catalogue key, and the engine's words if any."""
    return render(request, "error.html", {"message": message, "detail": detail}, status=status)
