"""A live console for browser tests: the demo on a temporary SQLite store, served by uvicorn.

Each page the tests visit is saved as a screenshot under ``test-artifacts/screenshots/`` and
checked with axe-core; a serious or critical violation fails the test.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any
from uuid import UUID

from axe_playwright_python.sync_playwright import Axe
from fastapi import FastAPI
from playwright.sync_api import Browser, Page

from subsidy.api.app import create_app
from subsidy.application import SubsidyEngine
from subsidy.bootstrap import build_engine, build_read_models, build_runners
from subsidy.demo import ScenarioClock, run_demo
from subsidy.demo.users import demo_tokens
from subsidy.domain.actor import Actor, Role
from subsidy.domain.review import Recommendation
from subsidy.projections import applications
from subsidy.settings import Settings
from subsidy.web import mount_console

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
# After the demo's last day (2026-06-01): the console's "today" while the tests click.
TODAY = date(2026, 6, 15)
KOCHI = "こうちみませ楽舎"
ADMIN = Actor("admin-yamada", Role.ADMINISTRATOR)
SCORES = {"necessity": 4, "feasibility": 4, "effectiveness": 5, "sustainability": 3, "cost": 4}
BAD_IMPACTS = ("serious", "critical")
_axe = Axe()


class DemoClock(ScenarioClock):
    """The demo's own days, then a fixed today instead of real time."""

    def release(self) -> None:
        self.travel_to(TODAY)


@dataclass(frozen=True)
class LiveConsole:
    """The served console and what the tests need to find their way."""

    url: str
    engine: SubsidyEngine
    tokens: dict[str, str]
    kochi_id: UUID


def seed(engine: SubsidyEngine, clock: DemoClock, db: Any) -> UUID:
    """The demo, plus a second review of こうちみませ楽舎 so one more review lets it be decided."""
    run_demo(engine, clock)
    for runner in build_runners(engine, db):
        runner.catch_up()
    with db.connect() as conn:
        [row] = applications.list_applications(conn, text=KOCHI)
    kochi_id = UUID(row["application_id"])
    engine.assign_reviewer(
        ADMIN, kochi_id, reviewer_user_id="reviewer-takahashi", idempotency_key="web:assign"
    )
    engine.record_review(
        Actor("reviewer-takahashi", Role.REVIEWER),
        kochi_id,
        scores=SCORES,
        recommendation=Recommendation.APPROVE,
        comment="地域の担い手育成に資する",
        idempotency_key="web:review",
    )
    return kochi_id


@contextmanager
def live_console(directory: Path) -> Iterator[LiveConsole]:
    """The demo on a fresh SQLite file in ``directory``, served on a free local port."""
    settings = Settings(database_url=f"sqlite:///{directory / 'events.sqlite3'}")
    clock = DemoClock()
    engine = build_engine(settings, clock=clock)
    db = build_read_models(settings)
    kochi_id = seed(engine, clock, db)
    tokens = {role.value: token for _, role, token in demo_tokens(engine)}
    runners = build_runners(engine, db)
    for runner in runners:
        runner.catch_up()
    app = mount_console(create_app(engine, db, runners))
    with serving(app) as url:
        yield LiveConsole(url, engine, tokens, kochi_id)
    engine.close()


@contextmanager
def serving(app: FastAPI) -> Iterator[str]:
    """Serve ``app`` with uvicorn in a thread on a port the OS picks; stop it afterwards."""
    import uvicorn  # noqa: PLC0415 - only the browser tests serve over a socket

    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_config=None, lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:  # a readiness check with a deadline, not a guess at timing
        assert thread.is_alive(), "uvicorn stopped while starting"
        assert time.monotonic() < deadline, "uvicorn did not start within 15 s"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        listener.close()


def signed_in(browser: Browser, console: LiveConsole, role: str) -> Page:
    """A fresh browser context, signed in through the form as the demo user of ``role``."""
    context = browser.new_context(locale="ja-JP", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(5_000)
    page = context.new_page()
    page.goto(f"{console.url}/login")
    page.get_by_label("トークン").fill(console.tokens[role])
    page.get_by_role("button", name="ログイン").click()
    page.wait_for_url(lambda url: "/login" not in url)
    return page


def check(page: Page, name: str) -> None:
    """Save a screenshot of the page and fail on any serious or critical axe violation."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
    results = _axe.run(page)
    bad = [v for v in results.response["violations"] if v["impact"] in BAD_IMPACTS]
    found = [f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}" for v in bad]
    assert found == [], f"{name}: {found}"
