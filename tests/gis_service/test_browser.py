"""The web map in headless Chromium against a real server over the test database."""

from urllib.parse import urlparse

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from sqlalchemy import text

from gis_service.settings import Settings
from roads.users import add_user
from tests.gis_service.browser import (
    BROWSER_PASSWORD,
    BROWSER_USER,
    SCREENSHOTS,
    browser_page,
    colours_near,
    count_like,
    go_to,
    rendered,
    serve,
    undo_writes,
    wait_for_map,
)

RED, BLUE, GREY = (0xD7, 0x19, 0x1C), (0x2B, 0x83, 0xBA), (0x8C, 0x8C, 0x8C)


@pytest.fixture(scope="module")
def base_url(engine, cluster):
    settings = Settings(database_url=cluster.url())
    with serve(settings, engine) as url:
        yield url


@pytest.fixture
def page():
    SCREENSHOTS.mkdir(exist_ok=True)
    with browser_page() as p:
        yield p


def sign_in(page, username: str, password: str) -> None:
    page.fill("#login-user", username)
    page.fill("#login-pass", password)
    page.click("#login-form button")
    page.wait_for_selector("#signed-in:not([hidden])")

def wait_for_result(page, timeout: int = 30_000) -> None:
    """Until the assignment's success message; on failure say what #assign-result showed instead."""
    try:
        page.wait_for_selector("#assign-result .ok", timeout=timeout)
    except PlaywrightTimeout as exc:
        shown = page.inner_text("#assign-result") or "(empty)"
        info = page.inner_text("#selection-info")
        raise AssertionError(f"no success message after {timeout} ms; #assign-result: {shown!r}; "
                             f"#selection-info: {info!r}; page errors: {page.errors}") from exc


def midpoint(engine, where: str):
    """A segment's midpoint and its details; `where` is a fixed SQL condition from these tests."""
    with engine.connect() as conn:
        return conn.execute(text(f"""
            SELECT sc.segment_id, sc.community_id, sc.tier3_chief_name, sc.length_m,
                   ST_X(ST_LineInterpolatePoint(sc.geom, 0.5)) AS lon,
                   ST_Y(ST_LineInterpolatePoint(sc.geom, 0.5)) AS lat
            FROM roadchief.segment_coverage sc WHERE {where}
            ORDER BY sc.length_m DESC, sc.segment_id LIMIT 1""")).one()


def test_the_page_loads_everything_from_127_0_0_1_and_draws_the_map(base_url, page):
    page.goto(base_url + "/")
    wait_for_map(page)
    page.screenshot(path=str(SCREENSHOTS / "overview.png"))
    hosts = {urlparse(url).netloc for url in page.requests if not url.startswith("data:")}
    assert hosts == {urlparse(base_url).netloc}, hosts
    assert any("/tiles/segments/" in url for url in page.requests)
    assert page.errors == []
    assert page.console_errors == []  # among them any Content-Security-Policy violation
    box = page.locator("#map").bounding_box()
    pixels = colours_near(page, box["x"] + box["width"] / 2, box["y"] + box["height"] / 2, radius=150)
    # Red and blue: segments with a party / other tier-3 chief; many distinct colours: not blank.
    assert count_like(pixels, RED) > 200 and count_like(pixels, BLUE) > 50
    assert len(set(pixels)) > 50
    assert "三级路长" in page.inner_text("#legend")
    assert "全区" in page.inner_text("#stats-body")


def test_clicking_a_segment_shows_its_chiefs(base_url, page, engine):
    seg = midpoint(engine, "sc.road_class = '主干道' AND sc.tier3_chief_id IS NOT NULL")
    page.goto(base_url + "/")
    wait_for_map(page)
    x, y = go_to(page, seg.lon, seg.lat, zoom=17)
    page.mouse.click(x, y)
    page.wait_for_selector("#segment-chiefs")
    page.screenshot(path=str(SCREENSHOTS / "segment-details.png"))
    assert f"#{seg.segment_id}" in page.inner_text("#segment-title")
    assert seg.tier3_chief_name in page.inner_text("#segment-chiefs tr[data-tier='3']")


def test_an_assignment_in_the_ui_recolours_the_segment_and_changes_the_statistics(base_url, page, engine):
    seg = midpoint(engine, "sc.tier3_chief_id IS NULL AND sc.tiers_covered = 2 AND sc.length_m > 150")
    with engine.connect() as conn:
        chief = conn.execute(text("""
            SELECT name FROM chief WHERE community_id = :c AND active AND is_party_member
            ORDER BY id LIMIT 1"""), {"c": seg.community_id}).scalar_one()
    with undo_writes(engine):
        page.goto(base_url + "/")
        wait_for_map(page)
        sign_in(page, BROWSER_USER, BROWSER_PASSWORD)
        km_before = page.inner_text("#stats-tiers tr[data-tier='3'] td.num")
        x, y = go_to(page, seg.lon, seg.lat, zoom=17)
        assert count_like(colours_near(page, x, y), GREY) > 0
        assert count_like(colours_near(page, x, y), RED) == 0
        page.mouse.click(x, y)
        page.wait_for_selector("#segment-chiefs")
        page.click("aside nav button[data-tab='assign']")
        page.select_option("#assign-tier", "3")
        page.fill("#chief-search", chief)
        page.click(f"#chief-list li:has-text('{chief}')")
        page.screenshot(path=str(SCREENSHOTS / "assign-before.png"))
        page.click("#assign-btn")
        wait_for_result(page)
        page.wait_for_function(
            "before => document.querySelector(\"#stats-tiers tr[data-tier='3'] td.num\").textContent !== before",
            arg=km_before)
        rendered(page)
        page.screenshot(path=str(SCREENSHOTS / "assign-after.png"))
        after = colours_near(page, x, y)
        km_after = page.inner_text("#stats-tiers tr[data-tier='3'] td.num")
        with engine.connect() as conn:
            holder = conn.execute(text(
                "SELECT tier3_chief_name FROM roadchief.segment_coverage WHERE segment_id = :s"),
                {"s": seg.segment_id}).scalar()
    assert holder == chief
    assert count_like(after, RED) > 0, "a party member now holds it: the segment turns red"
    assert float(km_after) > float(km_before)
    assert page.errors == []


def test_a_refused_request_is_explained_in_the_apis_chinese_words(base_url, page):
    page.goto(base_url + "/")
    wait_for_map(page)
    page.fill("#login-user", BROWSER_USER)
    page.fill("#login-pass", "not the password")
    page.click("#login-form button")
    page.wait_for_selector("#toast.error:not([hidden])")
    page.screenshot(path=str(SCREENSHOTS / "error-toast.png"))
    assert page.inner_text("#toast") == "用户名或密码错误"  # the body's message_zh
    assert page.is_hidden("#signed-in")


def test_an_error_without_a_chinese_message_is_explained_by_status_then_detail(base_url, page):
    """A body without message_zh (a proxy in between, an older server): the old wording."""
    page.route("**/api/auth/login", lambda route: route.fulfill(
        status=401, content_type="application/json",
        body='{"error": "wrong username or password", "status": 401}'))
    page.goto(base_url + "/")
    wait_for_map(page)
    page.fill("#login-user", BROWSER_USER)
    page.fill("#login-pass", "not the password")
    page.click("#login-form button")
    page.wait_for_selector("#toast.error:not([hidden])")
    assert page.inner_text("#toast") == "身份验证失败：wrong username or password"


def test_shift_drag_selects_the_segments_in_the_box_and_lists_eligible_chiefs(base_url, page, engine):
    seg = midpoint(engine, "sc.road_class = '主干道' AND sc.tier3_chief_id IS NOT NULL")
    page.goto(base_url + "/")
    wait_for_map(page)
    x, y = go_to(page, seg.lon, seg.lat, zoom=16)
    page.keyboard.down("Shift")
    page.mouse.move(x - 30, y - 30)
    page.mouse.down()
    page.mouse.move(x + 30, y + 30, steps=6)
    page.mouse.up()
    page.keyboard.up("Shift")
    selected = page.evaluate("[...RC.selected]")
    assert seg.segment_id in selected
    page.click("aside nav button[data-tab='assign']")
    page.wait_for_selector("#chief-list li[data-chief]")
    assert f"已选 {len(selected)} 段" in page.inner_text("#selection-info")
    assert page.is_disabled("#assign-btn")  # not signed in
    page.screenshot(path=str(SCREENSHOTS / "box-select.png"))
    with engine.connect() as conn:
        community = conn.execute(text("SELECT community_id FROM road_segment WHERE id = :s"),
                                 {"s": selected[0]}).scalar()
    # The box may cross communities: the chiefs offered for that segment are its community's group.
    chief_ids = page.eval_on_selector_all(f"#chief-list .group[data-area='{community}'] li[data-chief]",
                                          "els => els.map(e => e.dataset.chief)")
    listed = [int(v) for v in chief_ids]
    with engine.connect() as conn:
        homes = set(conn.execute(text("SELECT community_id FROM chief WHERE id = ANY(:ids)"),
                                 {"ids": listed}).scalars())
    assert homes == {community}  # tier 3 (the default): only chiefs of that segment's community


def test_a_sheet_dry_run_in_the_ui_lists_changes_and_unmatched_rows(base_url, page, engine, tmp_path):
    seg = midpoint(engine, "sc.tier3_chief_id IS NULL AND sc.tiers_covered = 2")
    with engine.connect() as conn:
        name, phone = conn.execute(text(
            "SELECT name, phone FROM chief WHERE community_id = :c AND active ORDER BY id LIMIT 1"),
            {"c": seg.community_id}).one()
    sheet = tmp_path / "路长.csv"
    sheet.write_text(f"路段,层级,路长,电话\n{seg.segment_id},三级,{name},{phone}\n{seg.segment_id},三级,无此人,1\n",
                     encoding="utf-8")
    with undo_writes(engine):
        page.goto(base_url + "/")
        wait_for_map(page)
        sign_in(page, BROWSER_USER, BROWSER_PASSWORD)
        page.click("aside nav button[data-tab='import']")
        page.set_input_files("#import-file", str(sheet))
        page.click("#import-dry")
        page.wait_for_selector("#import-result table")
        page.screenshot(path=str(SCREENSHOTS / "import-dry-run.png"))
        result = page.inner_text("#import-result")
        with engine.connect() as conn:
            holder = conn.execute(text(
                "SELECT tier3_chief_id FROM roadchief.segment_coverage WHERE segment_id = :s"),
                {"s": seg.segment_id}).scalar()
    assert "无法匹配 1 行" in result and "无此人" in result and name in result
    assert holder is None  # a dry run writes nothing


def test_the_header_names_the_district_and_the_change_log_is_in_its_time_zone(base_url, page, engine):
    """An assignment logged at 15:21 UTC reads 23:21 in Asia/Shanghai, the demo's zone."""
    seg = midpoint(engine, "sc.road_class = '主干道' AND sc.tier3_chief_id IS NOT NULL")
    with engine.begin() as conn:
        conn.execute(text("""
            INSERT INTO assignment_audit (segment_id, tier, action, new_chief_id, username, changed_at)
            SELECT :s, 3, 'assign', tier3_chief_id, :u, '2026-12-01 15:21:00+00'
            FROM roadchief.segment_coverage WHERE segment_id = :s"""),
            {"s": seg.segment_id, "u": "时区测试"})
    try:
        page.goto(base_url + "/")
        wait_for_map(page)
        assert "郑州经开区" in page.inner_text("header h1") and "郑州经开区" in page.title()
        x, y = go_to(page, seg.lon, seg.lat, zoom=17)
        page.mouse.click(x, y)
        page.wait_for_selector("#segment-audit")
        log = page.inner_text("#segment-audit")
    finally:
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM assignment_audit WHERE username = :u"), {"u": "时区测试"})
    assert "2026-12-01 23:21" in log and "15:21" not in log


def test_the_api_docs_render_from_this_server_alone(base_url, page):
    page.goto(base_url + "/docs")
    page.wait_for_selector(".swagger-ui .opblock", timeout=30_000)
    page.screenshot(path=str(SCREENSHOTS / "docs.png"))
    hosts = {urlparse(url).netloc for url in page.requests if not url.startswith("data:")}
    assert hosts == {urlparse(base_url).netloc}, hosts
    assert "/ogc/collections/{collection_id}/items" in page.inner_text("#swagger-ui")
    assert page.errors == [] and page.console_errors == []


def test_on_a_phone_the_map_fills_the_width_and_the_panels_sit_below_it(base_url):
    with browser_page(viewport={"width": 390, "height": 844}) as phone:
        phone.goto(base_url + "/")
        wait_for_map(phone)
        phone.screenshot(path=str(SCREENSHOTS / "phone-overview.png"))
        map_box = phone.locator("#map").bounding_box()
        aside_box = phone.locator("aside").bounding_box()
        assert map_box["width"] == 390 and map_box["height"] > 250  # it was 0 px wide
        assert aside_box["y"] >= map_box["y"] + map_box["height"] - 1 and aside_box["height"] > 200
        pixels = colours_near(phone, 195, map_box["y"] + map_box["height"] / 2, radius=120)
        assert count_like(pixels, RED) > 50  # the segments are drawn
        assert not phone.locator("#layer-toggles").is_visible()  # folded behind one button
        phone.click("#tools-toggle")
        assert phone.locator("#layer-toggles").is_visible()
        phone.screenshot(path=str(SCREENSHOTS / "phone-tools.png"))
        phone.click("aside nav button[data-tab='assign']")
        assert phone.locator("#tab-assign").is_visible()
        assert phone.errors == [] and phone.console_errors == []



def test_a_read_only_user_sees_no_write_tabs_and_phones_are_tel_links(base_url, page, engine):
    seg = midpoint(engine, "sc.road_class = '主干道' AND sc.tier3_chief_id IS NOT NULL")
    with engine.begin() as conn:
        add_user(conn, "browser_test_viewer", BROWSER_PASSWORD, "viewer")
    try:
        page.goto(base_url + "/")
        wait_for_map(page)
        assert page.locator("aside nav button[data-tab='assign']").is_visible()  # anonymous: shown
        sign_in(page, "browser_test_viewer", BROWSER_PASSWORD)
        assert not page.locator("aside nav button[data-tab='assign']").is_visible()
        assert not page.locator("aside nav button[data-tab='import']").is_visible()
        x, y = go_to(page, seg.lon, seg.lat, zoom=17)
        page.mouse.click(x, y)
        page.wait_for_selector("#segment-chiefs")
        link = page.locator("#segment-chiefs tr[data-tier='3'] a.tel")
        assert link.get_attribute("href").startswith("tel:") and link.inner_text()
    finally:
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM app_user WHERE username = 'browser_test_viewer'"))


def test_unassigning_asks_first_and_a_no_changes_nothing(base_url, page, engine):
    seg = midpoint(engine, "sc.road_class = '主干道' AND sc.tier3_chief_id IS NOT NULL")
    with undo_writes(engine):
        page.goto(base_url + "/")
        wait_for_map(page)
        sign_in(page, BROWSER_USER, BROWSER_PASSWORD)
        x, y = go_to(page, seg.lon, seg.lat, zoom=17)
        page.mouse.click(x, y)
        page.wait_for_selector("#segment-chiefs")
        page.click("aside nav button[data-tab='assign']")
        page.select_option("#assign-tier", "3")
        asked = []
        page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
        page.click("#unassign-btn")
        page.wait_for_timeout(500)
        with engine.connect() as conn:
            holder = conn.execute(text(
                "SELECT tier3_chief_name FROM roadchief.segment_coverage WHERE segment_id = :s"),
                {"s": seg.segment_id}).scalar()
    assert asked and "确定解除" in asked[0] and "三级路长" in asked[0]
    assert holder == seg.tier3_chief_name


MAGENTA, CYAN = (0xC5, 0x11, 0x62), (0x00, 0xE5, 0xFF)
ROAD = "经南四路"


def road_and_community(engine):
    """经南四路's segments and the community it crosses most that has active tier-3 chiefs."""
    with engine.connect() as conn:
        rows = conn.execute(text("""
            SELECT sc.segment_id, sc.community_id, sc.tier3_chief_id,
                   ST_X(ST_LineInterpolatePoint(sc.geom, 0.5)) AS lon,
                   ST_Y(ST_LineInterpolatePoint(sc.geom, 0.5)) AS lat, sc.length_m
            FROM roadchief.segment_coverage sc WHERE sc.road_name = :r ORDER BY sc.segment_id"""),
            {"r": ROAD}).all()
        community = conn.execute(text("""
            SELECT s.community_id FROM road_segment s JOIN road r ON r.id = s.road_id
            WHERE r.name = :r AND EXISTS (SELECT 1 FROM chief ch WHERE ch.community_id = s.community_id
                                          AND ch.active AND ch.is_party_member)
            GROUP BY s.community_id ORDER BY count(*) DESC, s.community_id LIMIT 1"""), {"r": ROAD}).scalar_one()
        chief = conn.execute(text("""
            SELECT id, name FROM chief WHERE community_id = :c AND active AND is_party_member
            ORDER BY id LIMIT 1"""), {"c": community}).one()
    return rows, community, chief


def select_road(page, road: str) -> None:
    page.fill("#search", road)
    page.click(f"#search-results li[data-road='{road}']")
    page.wait_for_function("() => RC.selected.size > 0 && RC.layers.selection.getSource().getFeatures().length"
                           " === RC.selected.size")
    page.click("aside nav button[data-tab='assign']")
    page.wait_for_selector("#chief-list .group li[data-chief]")
    rendered(page)


def test_a_community_cadre_assigns_only_their_part_of_a_road_through_many_communities(base_url, engine):
    rows, community, chief = road_and_community(engine)
    own = [r for r in rows if r.community_id == community]
    others = [r for r in rows if r.community_id != community]
    assert own and len({r.community_id for r in others}) >= 2  # the road crosses several communities
    with undo_writes(engine, "browser_test_cadre", role="community_admin", community_id=community,
                     display_name="社区测试"), browser_page(viewport={"width": 1440, "height": 900}) as page:
        page.goto(base_url + "/")
        wait_for_map(page)
        sign_in(page, "browser_test_cadre", BROWSER_PASSWORD)
        select_road(page, ROAD)
        assert page.locator("#chief-list .group").count() == 1
        assert page.get_attribute("#chief-list .group", "data-area") == str(community)
        info = page.inner_text("#selection-info")
        assert f"已选 {len(rows)} 段" in info and f"可指派 {len(own)} 段" in info
        assert f"{len(others)} 段不在您的管辖范围内" in info
        assert f"{len(others)} 段" in page.inner_text("#out-of-reach")
        # Drawn: an out-of-reach segment in dashed magenta, an own one in the selection's cyan.
        far = max(others, key=lambda r: r.length_m)
        mine = max(own, key=lambda r: r.length_m)
        x, y = go_to(page, far.lon, far.lat, zoom=17)
        assert count_like(colours_near(page, x, y, radius=8), MAGENTA) > 0
        x, y = go_to(page, mine.lon, mine.lat, zoom=17)
        assert count_like(colours_near(page, x, y, radius=8), CYAN) > 0
        page.evaluate("() => RC.zoomTo(RC.layers.selection.getSource().getExtent() && ol.proj.transformExtent("
                      "RC.layers.selection.getSource().getExtent(), 'EPSG:3857', 'EPSG:4326'))")
        page.wait_for_timeout(400)
        rendered(page)
        page.click(f"#chief-list .group li[data-chief='{chief.id}']")
        page.screenshot(path=str(SCREENSHOTS / "cadre-road-selected-1440.png"))
        page.click("#assign-btn")
        wait_for_result(page)
        page.screenshot(path=str(SCREENSHOTS / "cadre-road-assigned-1440.png"))
        with engine.connect() as conn:
            holders = dict(conn.execute(text(
                "SELECT segment_id, tier3_chief_id FROM roadchief.segment_coverage WHERE segment_id = ANY(:s)"),
                {"s": [r.segment_id for r in rows]}).all())
            written = set(conn.execute(text(
                "SELECT segment_id FROM assignment_audit WHERE username = 'browser_test_cadre'")).scalars())
        assert all(holders[r.segment_id] == chief.id for r in own)
        assert all(holders[r.segment_id] == r.tier3_chief_id for r in others)  # untouched
        assert written == {r.segment_id for r in own if r.tier3_chief_id != chief.id}
        assert page.locator("#assign-result .warn").count() == 0 and page.errors == []
        page.click("#logout")
        page.wait_for_selector("#login-form:not([hidden])")
        assert page.evaluate("RC.selected.size") == 0
        assert page.evaluate("RC.layers.selection.getSource().getFeatures().length") == 0
        assert page.inner_text("#chief-list") == "" and page.inner_text("#assign-result") == ""
        assert "单击路段查看详情" in page.inner_text("#segment-body")
        assert page.is_hidden("#toast")
        page.screenshot(path=str(SCREENSHOTS / "cadre-signed-out-1440.png"))


def test_on_a_phone_the_out_of_reach_part_of_a_selected_road_is_marked_and_counted(base_url, engine):
    rows, community, _chief = road_and_community(engine)
    with undo_writes(engine, "browser_test_cadre", role="community_admin", community_id=community), \
            browser_page(viewport={"width": 390, "height": 844}) as phone:
        phone.goto(base_url + "/")
        wait_for_map(phone)
        sign_in(phone, "browser_test_cadre", BROWSER_PASSWORD)
        select_road(phone, ROAD)
        phone.screenshot(path=str(SCREENSHOTS / "cadre-road-selected-390.png"))
        map_box = phone.locator("#map").bounding_box()
        pixels = colours_near(phone, 195, map_box["y"] + map_box["height"] / 2, radius=150)
        assert count_like(pixels, MAGENTA) > 20 and count_like(pixels, CYAN) > 5  # the road, both parts
        phone.locator("#out-of-reach").scroll_into_view_if_needed()
        phone.screenshot(path=str(SCREENSHOTS / "cadre-road-groups-390.png"))
        assert phone.locator("#out-of-reach").is_visible()
        assert phone.errors == [] and phone.console_errors == []
