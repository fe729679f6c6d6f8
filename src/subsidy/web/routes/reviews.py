"""The reviewer's queue and the review form (rubric scores, recommendation, comment)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Annotated, Any
from uuid import UUID

from fastapi import Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from subsidy.application import SubsidyEngine
from subsidy.domain.actor import Actor, Role
from subsidy.domain.review import MAX_SCORE, Recommendation
from subsidy.projections import reviewer_queue
from subsidy.web.access import EngineDep, PostedForm, ReadModels, ViewerDep, allowed, caught_up
from subsidy.web.forms import FormErrors, Reader
from subsidy.web.pages import REVIEW_FORM, REVIEW_QUEUE
from subsidy.web.rendering import render
from subsidy.web.routing import console_router

router = console_router()
RECOMMENDATIONS = tuple(r.value for r in Recommendation)


@router.get("/reviews")
def review_queue(
    request: Request,
    db: ReadModels,
    user: Annotated[Actor, allowed(REVIEW_QUEUE)],
    reviewer: str = "",
) -> HTMLResponse:
    """A reviewer's own open assignments; administrators and auditors choose the reviewer."""
    with db.connect() as conn:
        workload = reviewer_queue.workload(conn) if user.role is not Role.REVIEWER else []
        whose = user.user_id if user.role is Role.REVIEWER else reviewer.strip()[:200]
        if not whose and workload:
            whose = workload[0]["reviewer_id"]
        items = reviewer_queue.queue_for(conn, whose) if whose else []
    context = {"whose": whose, "items": items, "workload": workload}
    return render(request, "review_queue.html", context)


@router.get("/applications/{application_id}/review")
def review_form(
    request: Request,
    application_id: UUID,
    engine: EngineDep,
    _: Annotated[Actor, allowed(REVIEW_FORM)],
) -> HTMLResponse:
    """The review form for an application assigned to the signed-in reviewer."""
    context = _form_context(engine, application_id)
    context["values"] = {"idempotency_key": str(uuid.uuid4()), "version": str(context["version"])}
    return render(request, "review_form.html", context)


@router.post("/applications/{application_id}/review")
def record_review(
    request: Request,
    *,
    application_id: UUID,
    viewer: ViewerDep,
    engine: EngineDep,
    form: PostedForm,
    user: Annotated[Actor, allowed(REVIEW_FORM)],
) -> Response:
    """Record the review; the form comes back with the engine's message if it is refused."""
    context = _form_context(engine, application_id)
    criteria: list[str] = context["criteria"]
    reader = Reader(form, viewer.t)
    command = _review(reader, engine, user, application_id, criteria)
    names = {"scores", "recommendation", "comment"} | {f"scores.{c}" for c in criteria}
    reader.run(command, names)
    if reader.errors:
        context.update(errors=reader.errors, values=reader.values())
        return render(request, "review_form.html", context, status=422)
    caught_up(request)
    return RedirectResponse("/reviews?saved=1", status_code=303)


def _review(
    reader: Reader, engine: SubsidyEngine, user: Actor, application_id: UUID, criteria: list[str]
) -> Callable[[], object] | None:
    """The engine command the form asks for, its values read (and checked) now."""
    scores = {c: reader.whole(f"scores.{c}", "error.score", high=MAX_SCORE) for c in criteria}
    recommendation = reader.choice("recommendation", RECOMMENDATIONS)
    comment, safe = reader.text("comment"), reader.safe_write()
    if recommendation is None:
        return None
    return lambda: engine.record_review(
        user,
        application_id,
        scores={c: s for c, s in scores.items() if s is not None},
        recommendation=Recommendation(recommendation),
        comment=comment,
        **safe,
    )


def _form_context(engine: SubsidyEngine, application_id: UUID) -> dict[str, Any]:
    view = engine.application(application_id)
    return {
        "view": view,
        "version": view.version,
        "organisation": engine.organisation(view.organisation_id),
        "criteria": list(engine.scheme().parameters.review_criteria),
        "recommendations": RECOMMENDATIONS,
        "max_score": MAX_SCORE,
        "errors": FormErrors(),
    }
