"""Console routes answer in HTML, errors included: a route class that turns errors into pages.

The API's handlers answer every error as problem+json; a person in a browser needs the sign-in
page, or a page in the console's frame that says what went wrong.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool

from subsidy.domain.errors import (
    ConcurrencyConflict,
    NotFound,
    PermissionDenied,
    SubsidyError,
    TransitionNotAllowed,
)
from subsidy.web.access import PageRefused, SignInRequired
from subsidy.web.rendering import error_page

Handler = Callable[[Request], Coroutine[Any, Any, Response]]


class ConsoleRoute(APIRoute):
    """A route whose errors become console pages instead of problem documents."""

    def get_route_handler(self) -> Handler:
        """The route's handler, wrapped so that errors render as pages."""
        handler = super().get_route_handler()

        async def guarded(request: Request) -> Response:
            try:
                return await handler(request)
            except SignInRequired:
                target = request.url.path
                return RedirectResponse(f"/login?next={quote(target)}", status_code=303)
            except PageRefused as refused:
                return await run_in_threadpool(error_page, request, refused.status, refused.message)
            except RequestValidationError:  # a malformed id in the path: as missing as any
                return await run_in_threadpool(error_page, request, 404, "error.not_found")
            except SubsidyError as error:
                status, message, detail = _page_for(error)
                return await run_in_threadpool(error_page, request, status, message, detail)

        return guarded


def _page_for(error: SubsidyError) -> tuple[int, str, str]:
    """The status, catalogue key and detail of an engine error no form was there to show."""
    if isinstance(error, NotFound) or error.rule == "roles.own_organisation":
        # Another organisation's record answers as a missing one, as in the API.
        return 404, "error.not_found", ""
    if isinstance(error, PermissionDenied):
        return 403, "error.forbidden", error.message
    if isinstance(error, TransitionNotAllowed | ConcurrencyConflict):
        return 409, "error.title", error.message
    return 422, "error.title", error.message


def console_router() -> APIRouter:
    """A router for console pages: HTML errors, and left out of the OpenAPI document."""
    return APIRouter(route_class=ConsoleRoute, include_in_schema=False)
