"""One case walked through every stage of the 数字城管 flow in headless Chromium, each step by the
user of its role signed in on their own: the inspector reports it with a photo on the phone page
(/m), the operator files it (past the duplicate offer), the dispatcher sends it to a unit, the
unit's user takes it and feeds back with a photo on the 台账 page at phone size, the inspector's
check fails once (返工), the unit feeds back again from the phone's 我的案卷, the inspector passes
it, the operator closes and evaluates it. Each sees only their buttons; the timeline names who and
when (Beijing time), the photos are before/after, and the unit's row in the ranking moves."""

import io
import re
import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx
import pytest
from PIL import Image
from playwright.sync_api import sync_playwright
from sqlalchemy import text

from gis_service.settings import Settings
from tests.gis_service.browser import CHROMIUM, CHROMIUM_ARGS, SCREENSHOTS, serve
from tests.helpers import PASSWORD, quick_user

DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}
LON, LAT = 113.7598, 34.7052  # the middle of the demo district
BEIJING = timezone(timedelta(hours=8))
CREW = {  # username: (role, display name)
    "walk_jiandu": ("inspector", "监督员甲"),
    "walk_shouli": ("operator", "受理员乙"),
    "walk_paiqian": ("dispatcher", "派遣员丙"),
    "walk_unit": ("unit_user", "处置员丁"),
}


@pytest.fixture(scope="module")
def crew(engine):
    """The four users (the unit user of an outsourced company) and that unit, committed; every
    case reported by the inspector is removed afterwards, then the users."""
    with engine.begin() as conn:
        unit = conn.execute(text(
            "SELECT id, name FROM unit WHERE active AND kind = 'company' ORDER BY id LIMIT 1")).one()
        headers = {name: quick_user(conn, name, role, display, unit_id=unit.id if role == "unit_user" else None)
                   for name, (role, display) in CREW.items()}
    try:
        yield unit, headers
    finally:
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM issue WHERE id IN (SELECT issue_id FROM issue_event "
                              "WHERE user_id IN (SELECT id FROM app_user WHERE username = ANY(:u))) "
                              "OR reporter = ANY(:names)"),
                         {"u": list(CREW), "names": [d for _r, d in CREW.values()]})
            conn.execute(text("DELETE FROM penalty WHERE recorded_by IN "
                              "(SELECT id FROM app_user WHERE username = ANY(:u))"), {"u": list(CREW)})
            conn.execute(text("DELETE FROM app_user WHERE username = ANY(:u)"), {"u": list(CREW)})


@pytest.fixture(scope="module")
def server(engine, cluster, crew):
    photos = Path(tempfile.mkdtemp(prefix="roadchief-walk-photos-"))
    with serve(Settings(database_url=cluster.url(), photo_dir=photos, notify_interval_s=0), engine) as url:
        yield url


def photo(tmp_path, name: str, colour) -> str:
    path = tmp_path / name
    buffer = io.BytesIO()
    Image.new("RGB", (80, 60), colour).save(buffer, "JPEG", quality=85)
    path.write_bytes(buffer.getvalue())
    return str(path)


def unit_row(server, unit_id: int) -> dict:
    today = datetime.now(BEIJING).date().isoformat()
    ranking = httpx.get(server + "/api/rankings", params={"by": "unit", "from": today}).json()
    return next(r for r in ranking["rows"] if r["key_id"] == unit_id)


class Desk:
    """One user's browser context, signed in once on the page it opens."""

    def __init__(self, browser, server, username, viewport, **options):
        self.server = server
        self.context = browser.new_context(viewport=viewport, locale="zh-CN", timezone_id="Asia/Shanghai",
                                           **options)
        self.page = self.context.new_page()
        self.errors = []
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.username = username

    def sign_in(self, path: str) -> None:
        self.page.goto(self.server + path)
        self.page.wait_for_selector("body[data-ready='1']", timeout=30_000)
        if not self.page.is_visible("#login-form"):
            return  # signed in on the other page already (the same token)
        self.page.fill("#login-user", self.username)
        self.page.fill("#login-pass", PASSWORD)
        self.page.click("#login-form button")

    def open_case(self, issue_id: int, steps: int, photos: int) -> None:
        """The case on the 台账 page, once it shows `steps` steps and `photos` photos."""
        page = self.page
        if "/ledger.html" not in page.url:
            self.sign_in("/ledger.html")
            page.wait_for_selector("#signed-in:not([hidden])")
        # Through the list, one hash change at a time: two at once would render the case twice.
        page.evaluate("() => { location.hash = '#/'; }")
        page.wait_for_selector("#list-view:not([hidden])")
        page.evaluate("id => { location.hash = '#/issues/' + id; }", issue_id)
        self.loaded(issue_id, steps, photos)

    def loaded(self, issue_id: int, steps: int, photos: int, where: str = "#case-view") -> None:
        self.page.wait_for_selector(f"{where}[data-loaded='{issue_id}:{steps}:{photos}']", timeout=20_000)

    def buttons(self) -> list[str]:
        found = self.page.locator("#case-actions .case-buttons > .row button.action")
        return [found.nth(i).inner_text() for i in range(found.count())]

    def act(self, action: str) -> None:
        self.page.click(f"#case-actions .case-buttons > .row button[data-action='{action}']")

    def shot(self, name: str) -> None:
        self.page.screenshot(path=str(SCREENSHOTS / name))


def report_on_the_phone(inspector: Desk, tmp_path) -> int:
    page = inspector.page
    inspector.sign_in("/m")
    page.wait_for_selector("#view-report:not([hidden])")
    # A 监督员 reports, weighs dust and inspects sites; flags and cases belong to others.
    assert page.locator("#tabs button:not([hidden])").all_inner_texts() == ["上报问题", "以克论净", "巡检"]
    page.wait_for_function("() => document.getElementById('report-place').textContent.startsWith('当前位置')")
    page.select_option("#report-task", "T03")
    page.select_option("#report-category", "T03.02")
    page.fill("#report-description", "行道树下堆放生活垃圾约 2 立方米")
    page.set_input_files("#report-photo", photo(tmp_path, "before.jpg", (150, 110, 60)))
    page.click("#report-submit")
    page.wait_for_selector("#report-result .ok")
    inspector.shot("walk-1-inspector-report-phone.png")
    return int(re.search(r"第 (\d+) 号问题", page.inner_text("#report-result")).group(1))


def test_one_case_through_every_stage_by_the_users_of_each_role(server, crew, tmp_path):
    unit, headers = crew
    SCREENSHOTS.mkdir(exist_ok=True)
    before = unit_row(server, unit.id)
    # An open case of the same category on the same spot: the operator will be offered it at 立案.
    earlier = httpx.post(server + "/api/issues", headers=headers["walk_jiandu"], data={
        "lon": LON, "lat": LAT, "category": "T03.02", "description": "同一处的早先上报", "reporter": "监督员甲"})
    assert earlier.status_code == 201, earlier.text
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        geo = {"geolocation": {"longitude": LON, "latitude": LAT, "accuracy": 5}, "permissions": ["geolocation"]}
        inspector = Desk(browser, server, "walk_jiandu", PHONE, is_mobile=True, has_touch=True, **geo)
        operator = Desk(browser, server, "walk_shouli", DESKTOP)
        dispatcher = Desk(browser, server, "walk_paiqian", DESKTOP)
        unit_user = Desk(browser, server, "walk_unit", PHONE, is_mobile=True, has_touch=True)

        case = report_on_the_phone(inspector, tmp_path)
        inspector.page.set_viewport_size(DESKTOP)
        inspector.open_case(case, steps=1, photos=1)
        assert inspector.buttons() == []  # an inspector checks handled cases; a report is the operator's

        operator.open_case(case, steps=1, photos=1)
        assert operator.buttons() == ["立案", "不予立案"]
        operator.act("file")
        operator.page.wait_for_selector(".action-form[data-form='file-duplicates']")
        assert f"#{earlier.json()['id']}" in operator.page.inner_text(".action-form")
        operator.shot("walk-2-operator-duplicates.png")
        operator.page.click(".action-form button.force")  # 仍然立案
        operator.loaded(case, 2, 1)
        assert operator.buttons() == []

        dispatcher.open_case(case, steps=2, photos=1)
        assert dispatcher.buttons() == ["派遣", "挂账"]
        dispatcher.act("dispatch")
        picker = dispatcher.page.locator("#case-actions select[name=unit_id]")
        assert picker.input_value() != ""  # the first suggestion
        units = httpx.get(server + "/api/units", params={"active": "true"}).json()
        assert picker.locator("option").count() == len(units)  # the suggestions, then every other unit
        picker.select_option(str(unit.id))
        dispatcher.shot("walk-3-dispatcher-form.png")
        dispatcher.page.click("#case-actions button.confirm")
        dispatcher.loaded(case, 3, 1)
        assert dispatcher.buttons() == ["挂账"]

        unit_user.open_case(case, steps=3, photos=1)
        assert unit_user.buttons() == ["签收处置", "处置反馈", "申请延期", "回退"]
        unit_user.act("accept_task")
        unit_user.loaded(case, 4, 1)
        assert unit_user.buttons() == ["处置反馈", "申请延期", "回退"]
        unit_user.act("feedback")
        unit_user.page.set_input_files("#case-actions input[name=photos]", photo(tmp_path, "after1.jpg", (60, 160, 60)))
        unit_user.page.fill("#case-actions form input[name=note]", "已清运")
        unit_user.shot("walk-4-unit-feedback-ledger-phone.png")
        unit_user.page.click("#case-actions button.confirm")
        unit_user.loaded(case, 5, 2)
        assert unit_user.buttons() == []

        inspector.open_case(case, steps=5, photos=2)
        assert inspector.buttons() == ["核查通过", "核查不通过（返工）"]
        inspector.page.fill("#case-actions input.step-note", "树下仍有垃圾未清运")
        inspector.act("rework")
        inspector.loaded(case, 6, 2)

        # The unit feeds back again from the phone's 我的案卷, with a camera photo.
        phone = unit_user.page
        phone.goto(server + "/m")
        phone.wait_for_selector(f"#case-list li[data-case='{case}']")
        phone.click(f"#case-list li[data-case='{case}']")
        unit_user.loaded(case, 6, 2, where="#case-detail")
        assert unit_user.buttons() == ["签收处置", "处置反馈", "申请延期", "回退"]
        unit_user.act("feedback")
        assert phone.get_attribute("#case-actions input[name=photos]", "capture") == "environment"
        phone.set_input_files("#case-actions input[name=photos]", photo(tmp_path, "after2.jpg", (40, 180, 90)))
        phone.click("#case-actions button.confirm")
        unit_user.loaded(case, 7, 3, where="#case-detail")
        assert phone.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]
        unit_user.shot("walk-5-unit-my-cases-phone.png")

        inspector.open_case(case, steps=7, photos=3)
        inspector.act("verify")
        inspector.loaded(case, 8, 3)

        operator.open_case(case, steps=8, photos=3)
        assert operator.buttons() == ["结案"]
        operator.act("close")
        operator.loaded(case, 9, 3)
        assert operator.buttons() == ["综合评价"]
        operator.act("evaluate")
        operator.page.check("#case-actions input[name=evaluation][value='基本满意']")
        operator.page.click("#case-actions button.confirm")
        operator.loaded(case, 10, 3)
        assert operator.buttons() == []

        check_the_case_page(operator, server, case, unit)
        operator.page.evaluate("document.getElementById('case-view').scrollTop = 0")
        operator.shot("walk-6-closed-desktop.png")
        unit_user.open_case(case, steps=10, photos=3)
        unit_user.page.evaluate("document.getElementById('case-view').scrollTop = 400")
        unit_user.shot("walk-7-closed-ledger-phone.png")
        for desk in (inspector, operator, dispatcher, unit_user):
            assert desk.errors == [], desk.username
        browser.close()

    after = unit_row(server, unit.id)
    assert after["closed"] == before["closed"] + 1
    assert after["rework_rate"] != before["rework_rate"] and after["rework_rate"] > 0


def check_the_case_page(desk: Desk, server: str, case: int, unit) -> None:
    """The timeline (steps, who, Beijing times), the photos before/after, the stages."""
    page = desk.page
    items = page.locator("#case-timeline li")
    labels = [items.nth(i).locator("b").inner_text() for i in range(items.count())]
    assert labels == ["上报", "立案", "派遣", "签收处置", "处置反馈", "核查不通过（返工）", "处置反馈",
                      "核查通过", "结案", "综合评价"]
    who = [items.nth(i).locator(".who").inner_text() for i in range(items.count())]
    names = ["监督员甲", "受理员乙", "派遣员丙", "处置员丁", "处置员丁", "监督员甲", "处置员丁", "监督员甲",
             "受理员乙", "受理员乙"]
    assert [w.split("（")[0] for w in who] == names
    assert who[1] == "受理员乙（受理员（值班长））" and who[5] == "监督员甲（监督员）"
    steps = httpx.get(server + f"/api/issues/{case}").json()["steps"]
    shown = [items.nth(i).locator(".at").inner_text() for i in range(items.count())]
    assert shown == [minutes(s["at"]) for s in steps]  # the API's +08:00 times
    assert all(s["at"].endswith("+08:00") for s in steps)
    timeline = page.inner_text("#case-timeline")
    assert unit.name in timeline, timeline
    assert "树下仍有垃圾未清运" in timeline, timeline
    photos = page.locator("#case-photos .photos")
    assert photos.nth(0).locator("img").count() == 1 and photos.nth(1).locator("img").count() == 2
    page.wait_for_function("() => [...document.querySelectorAll('#case-photos img')].every(i => i.naturalWidth > 0)")
    assert page.locator("#case-stages tr[data-stage]").count() == 4
    assert "综合评价" in page.inner_text("#case-report") and "基本满意" in page.inner_text("#case-report")


def api_act(server, headers, issue_id, action, **fields) -> dict:
    response = httpx.post(server + f"/api/issues/{issue_id}/actions", headers=headers,
                          json={"action": action, **fields})
    assert response.status_code == 201, response.text
    return response.json()["issue"]


def confirm(desk: Desk, issue_id: int, steps: int, photos: int = 0) -> None:
    desk.page.click("#case-actions button.confirm")
    desk.loaded(issue_id, steps, photos)


def test_the_side_forms_reject_as_duplicate_extend_return_and_hold(server, crew):
    """不予立案 as a duplicate picked from the list, 申请延期 by two working days and its approval,
    回退 and 挂账 with their reasons, 恢复办理."""
    unit, headers = crew
    report = {"lon": LON, "lat": LAT, "category": "T03.02", "reporter": "监督员甲"}
    first = httpx.post(server + "/api/issues", headers=headers["walk_jiandu"], data=report).json()["id"]
    again = httpx.post(server + "/api/issues", headers=headers["walk_jiandu"], data=report).json()["id"]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        operator = Desk(browser, server, "walk_shouli", DESKTOP)
        dispatcher = Desk(browser, server, "walk_paiqian", DESKTOP)
        unit_user = Desk(browser, server, "walk_unit", PHONE, is_mobile=True, has_touch=True)

        operator.open_case(again, steps=1, photos=0)
        operator.act("reject")
        operator.page.select_option("#case-actions select[name=reason]", "duplicate")
        operator.page.check(f"#case-actions input[name=duplicate_of][value='{first}']")
        confirm(operator, again, 2)
        assert "重复" in operator.page.inner_text("#case-report")
        assert operator.page.locator(f"#case-report a[href='#/issues/{first}']").count() == 1
        assert "不予立案" in operator.page.inner_text("#case-head") and operator.buttons() == []

        api_act(server, headers["walk_shouli"], first, "file", force=True)
        due = api_act(server, headers["walk_paiqian"], first, "dispatch", unit_id=unit.id)["due_at"]
        unit_user.open_case(first, steps=3, photos=0)
        unit_user.act("request_extension")
        unit_user.page.fill("#case-actions input[name=amount]", "2")
        unit_user.page.select_option("#case-actions select[name=amount_unit]", "work_day")
        unit_user.page.fill("#case-actions input[name=reason]", "需协调产权单位")
        confirm(unit_user, first, 4)
        waiting = unit_user.page.inner_text("#case-actions")
        assert "延期申请" in waiting and "需协调产权单位" in waiting
        assert unit_user.buttons() == ["签收处置", "处置反馈", "回退"]  # one request at a time

        dispatcher.open_case(first, steps=4, photos=0)
        assert dispatcher.buttons() == ["批准延期", "驳回延期", "挂账"]
        dispatcher.act("approve_extension")
        dispatcher.loaded(first, 5, 0)
        moved = httpx.get(server + f"/api/issues/{first}").json()["due_at"]
        assert moved > due
        assert minutes(moved) in dispatcher.page.inner_text("#case-deadline")

        unit_user.open_case(first, steps=5, photos=0)
        unit_user.act("return")
        unit_user.page.fill("#case-actions input[name=reason]", "不属于本单位保洁范围")
        confirm(unit_user, first, 6)
        assert unit_user.buttons() == []  # back with the dispatcher, no longer the unit's
        assert "未派遣" in unit_user.page.inner_text("#case-report")

        dispatcher.open_case(first, steps=6, photos=0)
        assert dispatcher.buttons() == ["派遣", "挂账"]
        dispatcher.act("hold")
        dispatcher.page.fill("#case-actions input[name=reason]", "待道路改造一并解决")
        confirm(dispatcher, first, 7)
        assert "暂停计时" in dispatcher.page.inner_text("#case-deadline")
        assert "待道路改造一并解决" in dispatcher.page.inner_text("#case-report")
        assert dispatcher.buttons() == ["恢复办理"]
        dispatcher.shot("walk-8-dispatcher-on-hold.png")
        dispatcher.act("resume")
        dispatcher.loaded(first, 8, 0)
        assert dispatcher.buttons() == ["派遣", "挂账"]
        labels = dispatcher.page.locator("#case-timeline li b").all_inner_texts()
        assert labels == ["上报", "立案", "派遣", "申请延期", "批准延期", "回退", "挂账", "恢复办理"]
        assert "不属于本单位保洁范围" in dispatcher.page.inner_text("#case-timeline")
        for desk in (operator, dispatcher, unit_user):
            assert desk.errors == [], desk.username
        browser.close()


def minutes(iso: str) -> str:
    """A +08:00 time as the page shows it (RC.localTime): 2026-12-03 17:30."""
    return iso[:16].replace("T", " ")
