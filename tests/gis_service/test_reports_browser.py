"""The 定期报告 menu of the 台账 page in headless Chromium at 1440×900: a district admin writes a
weekly report and downloads it from the list."""

import tempfile
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from gis_service.settings import Settings
from tests.gis_service.browser import BROWSER_USER, SCREENSHOTS, browser_page, serve, undo_writes
from tests.gis_service.test_ledger_browser import DESKTOP, ready, sign_in


@pytest.fixture
def server(engine, cluster):
    folder = Path(tempfile.mkdtemp(prefix="roadchief-reports-"))
    settings = Settings(database_url=cluster.url(), report_dir=folder, notify_interval_s=0)
    with undo_writes(engine), serve(settings, engine) as url:
        try:
            yield url
        finally:
            with engine.begin() as conn:
                conn.execute(text("DELETE FROM public.report WHERE kind = 'weekly' AND period_start = '2025-06-09'"))


def test_an_admin_writes_a_weekly_report_and_downloads_it_from_the_ledger(server):
    with browser_page(DESKTOP) as page:
        page.goto(server + "/ledger.html")
        ready(page)
        sign_in(page)
        page.click("#reports-menu summary")
        page.wait_for_selector("#report-form:not([hidden])")
        page.select_option("#report-kind", "weekly")
        page.fill("#report-date", "2025-06-11")
        page.click("#report-form button")
        item = page.locator("#report-list li", has_text="2025年6月第2周（6月9日—6月15日）")
        item.wait_for(timeout=60_000)
        SCREENSHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "ledger-reports-menu.png"))
        assert "周报" in item.inner_text() and f"{BROWSER_USER} 生成" in item.inner_text()
        href = item.locator("a", has_text="PDF").get_attribute("href")
        pdf = httpx.get(server + href)
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
        assert not page.errors and not page.console_errors
