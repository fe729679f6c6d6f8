"""The whole flow in a real browser: a reviewer scores, an approver decides, finance pays, an
auditor opens the timeline and the as-of view. Every page visited is screenshotted and checked
with axe-core (no serious or critical violation).
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from browser_helpers import KOCHI, SCORES, LiveConsole, check, live_console, signed_in
from playwright.sync_api import Browser, Page, expect, sync_playwright

from subsidy.domain.wareki import format_wareki
from subsidy.web.formatting import JAPAN
from subsidy.web.session import SESSION_COOKIE

pytestmark = [pytest.mark.slow, pytest.mark.browser]
CRITERIA = {
    "necessity": "必要性",
    "feasibility": "実現可能性",
    "effectiveness": "有効性",
    "sustainability": "持続性",
    "cost": "経費の妥当性",
}


@pytest.fixture(scope="session")
def chromium() -> Path:
    """Debian's Chromium, or a skip (which SUBSIDY_REQUIRE_BROWSER turns into a failed run)."""
    found = shutil.which("chromium")
    if found is None:
        pytest.skip("Chromium is not installed (apt-get install -y chromium)")
    return Path(found)


@pytest.fixture(scope="module")
def console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveConsole]:
    with live_console(tmp_path_factory.mktemp("console")) as served:
        yield served


@pytest.fixture(scope="module")
def browser(chromium: Path) -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(chromium), headless=True)
        yield launched
        launched.close()


def test_reviewer_approver_finance_and_auditor_work_through_the_pages(
    console: LiveConsole, browser: Browser
) -> None:
    review(signed_in(browser, console, "reviewer"))
    decide(signed_in(browser, console, "approver"))
    pay(signed_in(browser, console, "finance"))
    audit(signed_in(browser, console, "auditor"), console)


def review(page: Page) -> None:
    check(page, "01-dashboard-reviewer")
    page.get_by_role("navigation", name="メインメニュー").get_by_role(
        "link", name="審査待ち"
    ).click()
    check(page, "02-review-queue")
    page.get_by_role("link", name=re.compile(f"審査の記録.*{KOCHI}")).click()
    for criterion, label in CRITERIA.items():
        page.get_by_label(label).fill(str(SCORES[criterion]))
    page.get_by_label("必要性").fill("9")
    page.get_by_label("採択", exact=True).check()
    page.get_by_label("所見").fill("地域資源を活かした実践的な研修計画")
    page.get_by_role("button", name="審査を記録する").click()

    expect(page.locator("#error-scores\\.necessity")).to_contain_text("0から5の整数")
    check(page, "03-review-form-with-error")
    page.get_by_label("必要性").fill("5")
    page.get_by_role("button", name="審査を記録する").click()

    expect(page.get_by_role("status")).to_have_text("記録しました。")
    expect(page.get_by_role("link", name=re.compile(f"審査の記録.*{KOCHI}"))).to_have_count(0)
    check(page, "04-review-queue-after")


def decide(page: Page) -> None:
    page.get_by_role("link", name="申請一覧").click()
    check(page, "05-applications")
    page.get_by_role("link", name=KOCHI).click()
    check(page, "06-application-decision-form")
    page.get_by_label("交付決定する").check()
    page.get_by_label("交付条件（1行に1件）").fill("各年度終了後30日以内に実績報告書を提出すること")
    page.get_by_label("理由").fill("審査員2名の評価が高い")
    page.get_by_role("button", name="決定を記録する").click()

    expect(page.get_by_role("status")).to_have_text("記録しました。")
    expect(page.get_by_role("heading", name=re.compile("交付決定 有効"))).to_be_visible()
    check(page, "07-application-approved")
    page.get_by_role("link", name="交付決定通知書").click()
    expect(page.get_by_role("heading", name=re.compile("交付決定通知書"))).to_be_visible()
    expect(page.locator("article")).to_contain_text("3,600,000円")
    check(page, "08-notice-decision")


def pay(page: Page) -> None:
    page.get_by_role("link", name="経理").click()
    page.get_by_label("年度", exact=True).select_option(label="令和7年度")
    page.get_by_role("button", name="絞り込む").click()
    check(page, "09-finance-ledger")
    csv = page.context.request.get(page.url.replace("/finance?", "/finance/ledger.csv?"))
    assert csv.ok
    assert csv.headers["content-type"].startswith("text/csv")
    page.get_by_role("link", name=re.compile("高知市")).click()
    page.get_by_label("金額").fill("600,000")
    page.get_by_role("button", name="記録する").first.click()

    expect(page.get_by_role("status")).to_have_text("記録しました。")
    expect(page.locator("table.figures")).to_contain_text("600,000円")
    check(page, "10-finance-year-paid")
    page.get_by_role("link", name="経理").click()
    page.get_by_label("年度", exact=True).select_option(label="令和6年度")
    page.get_by_role("button", name="絞り込む").click()
    page.get_by_role("link", name=re.compile("三島市")).click()
    page.get_by_role("link", name=re.compile("返還命令書")).click()
    expect(page.get_by_role("heading", name=re.compile("返還命令書"))).to_be_visible()
    expect(page.locator("article")).to_contain_text("800,000円")
    check(page, "11-notice-repayment")


def audit(page: Page, console: LiveConsole) -> None:
    page.get_by_role("link", name="申請一覧").click()
    page.get_by_role("link", name=KOCHI).click()
    timeline = page.get_by_role("region", name="経過")
    expect(timeline).to_contain_text("審査記録")
    expect(timeline).to_contain_text("交付決定")
    check(page, "12-application-timeline")

    page.get_by_role("link", name="監査ログ").click()
    page.get_by_label("記録ID").fill(str(console.kochi_id))
    page.get_by_role("button", name="絞り込む").click()
    check(page, "13-audit-log")
    page.get_by_role("link", name=re.compile("v3 この時点の状態")).click()
    expect(page.get_by_role("heading", name=re.compile("GrantApplication 第3版"))).to_be_visible()
    expect(page.locator("section.state")).to_contain_text('"under_review"')
    check(page, "14-state-as-of-version")
    today = format_wareki(datetime.now(JAPAN).date())
    page.get_by_label("または版番号").fill("")
    page.get_by_label("日付").fill(today)
    page.get_by_role("button", name="状態を表示").click()
    expect(page.locator("section.state")).to_contain_text('"approved"')
    check(page, "15-state-as-of-date")

    page.get_by_role("link", name="改ざん検知").click()
    expect(page.get_by_role("status")).to_contain_text("改ざんは検出されませんでした")
    check(page, "16-integrity")
    page.get_by_role("link", name="English").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Integrity")
    check(page, "17-integrity-english")


def test_the_session_cookie_is_secure_http_only_and_same_site(
    console: LiveConsole, browser: Browser
) -> None:
    page = signed_in(browser, console, "auditor")

    [cookie] = [c for c in page.context.cookies() if c["name"] == SESSION_COOKIE]

    assert (cookie["secure"], cookie["httpOnly"], cookie["sameSite"]) == (True, True, "Lax")
    assert page.evaluate("document.cookie") == ""


def test_keyboard_users_skip_to_the_content_and_see_where_focus_is(
    console: LiveConsole, browser: Browser
) -> None:
    page = signed_in(browser, console, "finance")

    page.keyboard.press("Tab")
    skip = page.locator(":focus")
    expect(skip).to_have_text("本文へ移動")
    outline = skip.evaluate("e => getComputedStyle(e).outlineStyle")
    page.keyboard.press("Enter")

    assert outline == "solid"
    expect(page.locator(":focus")).to_have_id("content")
