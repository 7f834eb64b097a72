"""The 台账 page in headless Chromium against a real server over the test database: filter the list,
click a dot on its map to open the case, take steps with the buttons, upload a feedback photo,
on a desktop (1440×900) and a phone (390×844)."""

import io
import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx
import pytest
from PIL import Image
from sqlalchemy import text

from gis_service.settings import Settings
from tests.gis_service.browser import (
    BROWSER_PASSWORD,
    BROWSER_USER,
    SCREENSHOTS,
    browser_page,
    rendered,
    undo_writes,
)

DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}
LON, LAT = 113.7598, 34.7052  # the middle of the demo district
BEIJING = timezone(timedelta(hours=8))


@pytest.fixture(scope="module")
def server(engine, cluster):
    from tests.gis_service.browser import serve

    photos = Path(tempfile.mkdtemp(prefix="roadchief-ledger-photos-"))
    settings = Settings(database_url=cluster.url(), photo_dir=photos, notify_interval_s=0)
    with serve(settings, engine) as url:
        yield url


@pytest.fixture
def case(server, engine):
    """A fresh case reported now through the API (committed), removed afterwards with its steps."""
    with undo_writes(engine) as headers:
        response = httpx.post(server + "/api/issues", headers=headers, data={
            "lon": LON, "lat": LAT, "category": "T03.02", "description": "浏览器测试：路边暴露垃圾"})
        assert response.status_code == 201, response.text
        issue_id = response.json()["id"]
        try:
            yield issue_id
        finally:
            with engine.begin() as conn:
                conn.execute(text("DELETE FROM issue WHERE id = :i"), {"i": issue_id})


def png_file(tmp_path) -> Path:
    path = tmp_path / "feedback.png"
    image = Image.new("RGB", (64, 48), (40, 160, 60))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    path.write_bytes(buffer.getvalue())
    return path


def ready(page) -> None:
    """Until the page has started and its list map has drawn (RC.map is the list's map)."""
    page.wait_for_selector("body[data-ready='1']", timeout=30_000)
    rendered(page)


def sign_in(page) -> None:
    page.fill("#login-user", BROWSER_USER)
    page.fill("#login-pass", BROWSER_PASSWORD)
    page.click("#login-form button")
    page.wait_for_selector("#signed-in:not([hidden])")


def case_loaded(page, issue_id: int, steps: int, photos: int) -> None:
    page.wait_for_selector(f"#case-view[data-loaded='{issue_id}:{steps}:{photos}']", timeout=15_000)


def click_dot(page, issue_id: int) -> None:
    """Click the case's dot on the list's map, where OpenLayers drew it."""
    page.evaluate("""(id) => new Promise(resolve => {
        const f = RC.ledgerDots.getFeatureById(id);
        RC.map.getView().setCenter(f.getGeometry().getCoordinates());
        RC.map.getView().setZoom(16);
        RC.map.once('rendercomplete', resolve);
    })""", issue_id)
    pixel = page.evaluate("(id) => RC.map.getPixelFromCoordinate(RC.ledgerDots.getFeatureById(id).getGeometry()"
                          ".getCoordinates())", issue_id)
    box = page.locator("#ledger-map").bounding_box()
    page.mouse.click(box["x"] + pixel[0], box["y"] + pixel[1])


def test_filter_click_a_dot_take_steps_and_upload_a_photo_on_a_desktop(server, case, tmp_path):
    SCREENSHOTS.mkdir(exist_ok=True)
    with browser_page(DESKTOP) as page:
        page.goto(server + "/ledger.html")
        ready(page)
        page.screenshot(path=str(SCREENSHOTS / "ledger-desktop-list.png"))
        everything = int(page.get_attribute("body", "data-listed"))
        sign_in(page)

        today = datetime.now(BEIJING).date().isoformat()
        page.select_option("#filters select[name=status]", "reported")
        page.select_option("#filters select[name=category]", "T03.02")
        page.fill("#filters input[name=from]", today)
        page.click("#filters button[type=submit]")
        wanted = f"status=reported&category=T03.02&from={today}"
        page.wait_for_function("(f) => document.body.dataset.filter === f && document.body.dataset.dotsFilter === f",
                               arg=wanted)
        listed = int(page.get_attribute("body", "data-listed"))
        assert 1 <= listed < everything
        items = page.locator("#issue-list li a")
        assert items.count() == min(listed, 20)
        assert all("上报" in items.nth(i).inner_text() and "暴露垃圾" in items.nth(i).inner_text()
                   for i in range(items.count()))
        assert page.locator(f"#issue-list a[data-id='{case}']").count() == 1
        export = page.get_attribute("#export", "href")
        assert "status=reported" in export and "category=T03.02" in export
        rendered(page)
        page.screenshot(path=str(SCREENSHOTS / "ledger-desktop-filtered.png"))

        click_dot(page, case)
        case_loaded(page, case, steps=1, photos=0)
        assert page.url.endswith(f"#/issues/{case}")
        assert "浏览器测试：路边暴露垃圾" in page.inner_text("#case-report")
        assert "处置时限" in page.inner_text("#case-deadline")
        buttons = page.locator("#case-actions .case-buttons > .row button.action")
        assert [buttons.nth(i).inner_text() for i in range(buttons.count())] == ["立案", "不予立案", "立案并派遣"]

        page.click("#case-actions button[data-action='file_and_dispatch']")
        page.wait_for_selector("#case-actions form[data-action='file_and_dispatch']")
        assert page.input_value("#case-actions select[name=unit_id]") != ""  # the first dispatch suggestion
        page.click("#case-actions button.confirm")
        case_loaded(page, case, steps=2, photos=0)
        assert "立案并派遣" in page.inner_text("#case-timeline") and "浏览器测试" in page.inner_text("#case-timeline")

        page.click("#case-actions button[data-action='feedback']")
        page.set_input_files("#case-actions input[name=photos]", str(png_file(tmp_path)))
        page.click("#case-actions button.confirm")
        case_loaded(page, case, steps=3, photos=1)
        after = page.locator(".photos").nth(1)
        assert "反馈照片" in after.inner_text() and after.locator("img").count() == 1
        page.wait_for_function("() => [...document.querySelectorAll('.photos img')].every(i => i.naturalWidth > 0)")
        timeline = page.locator("#case-timeline li")
        assert timeline.count() == 3
        assert [timeline.nth(i).locator("b").inner_text() for i in range(3)] == ["上报", "立案并派遣", "处置反馈"]

        page.set_input_files("#photo-file", str(png_file(tmp_path)))
        page.select_option("#photo-stage", "before")
        page.click("#photo-form button")
        case_loaded(page, case, steps=3, photos=2)
        assert page.locator(".photos").nth(0).locator("img").count() == 1  # one more of the problem
        page.evaluate("document.getElementById('case-view').scrollTop = 0")
        page.screenshot(path=str(SCREENSHOTS / "ledger-desktop-case.png"))
        assert page.errors == [] and page.console_errors == []


def test_the_list_and_the_case_work_on_a_phone(server, case, engine):
    with browser_page(PHONE) as page:
        page.goto(server + "/ledger.html")
        ready(page)
        assert not page.is_visible("#filters")  # folded behind one button
        page.click("#filters-toggle")
        assert page.is_visible("#filters select[name=status]")
        page.select_option("#filters select[name=overdue]", "true")
        page.wait_for_function("() => document.body.dataset.filter === 'overdue=true'")
        items = page.locator("#issue-list li a")
        assert items.count() > 0 and all("超期" in items.nth(i).inner_text() for i in range(items.count()))
        page.click("#filters-toggle")
        page.screenshot(path=str(SCREENSHOTS / "ledger-phone-list.png"))
        assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]

        sign_in(page)
        page.goto(server + f"/ledger.html#/issues/{case}")
        case_loaded(page, case, steps=1, photos=0)
        button = page.locator("#case-actions button.action").first
        box = button.bounding_box()
        assert box["height"] >= 40 and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
        assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]
        page.screenshot(path=str(SCREENSHOTS / "ledger-phone-case.png"))
        # The step buttons stay under the thumb, at the bottom of the screen.
        assert box["y"] + box["height"] <= PHONE["height"] and box["y"] > PHONE["height"] / 2
        page.click("#back")
        page.wait_for_selector("#list-view:not([hidden])")
        assert page.errors == [] and page.console_errors == []


def test_the_web_map_links_to_the_ledger_and_back(server):
    with browser_page(DESKTOP) as page:
        page.goto(server + "/")
        page.click("header a.header-link")
        ready(page)
        assert page.url.endswith("/ledger.html")
        page.click("header a.header-link")
        page.wait_for_selector("body[data-ready='1']", timeout=30_000)
        assert page.url.rstrip("/") == server
        assert page.errors == [] and page.console_errors == []
