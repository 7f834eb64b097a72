"""The phone pages in headless Chromium at 390×844 with emulated geolocation, against a real server
over the test database: a chief walks a patrol along a demo road (the page's clock fast-forwarded, so
the walk takes its 20 minutes in seconds), reports an issue with a photo on the way, loses the
network for a stretch (the readings wait in the queue and arrive once), ends the patrol and sees the
segment turn patrolled in 我的路段; then the page opens again offline from its service worker."""

import io
import math
import time
from datetime import datetime, timedelta

import pytest
from PIL import Image
from sqlalchemy import text

from gis_service.settings import Settings
from tests.gis_service.browser import SCREENSHOTS, phone_page, serve, sign_in_on_phone, undo_writes

USER, PASSWORD = "phone_test_chief", "phone-test-password"
STEP_M, STEP_S = 20, 15  # 1.3 m/s: a walk
OFFLINE_STEPS = range(30, 45)
REPORT_AT_STEP = 20
# What the browser itself logs while the network is cut (the page catches the failed fetch).
OFFLINE_NOISE = "net::ERR_INTERNET_DISCONNECTED"


@pytest.fixture(scope="module")
def walker(engine):
    """A demo tier-3 chief with a long straight segment, and a committed user linked to them; what
    the walk writes is removed afterwards."""
    started = datetime.now().astimezone() - timedelta(minutes=1)
    with engine.begin() as conn:
        seg = conn.execute(text("""
            SELECT s.id, a.chief_id, r.name AS road_name, ch.name AS chief_name,
                   ST_X(ST_StartPoint(s.geom)) AS x0, ST_Y(ST_StartPoint(s.geom)) AS y0,
                   ST_X(ST_EndPoint(s.geom)) AS x1, ST_Y(ST_EndPoint(s.geom)) AS y1, s.length_m
            FROM road_segment AS s
            JOIN segment_assignment AS a ON a.segment_id = s.id AND a.tier = 3 AND a.valid_to IS NULL
            JOIN chief AS ch ON ch.id = a.chief_id AND ch.active
            JOIN road AS r ON r.id = s.road_id
            WHERE ST_NPoints(s.geom) = 2 AND s.length_m BETWEEN 1000 AND 1300
            ORDER BY s.id LIMIT 1
        """)).one()
    with undo_writes(engine, USER, PASSWORD, "手机测试", role="viewer", chief_id=seg.chief_id):
        try:
            yield seg
        finally:
            with engine.begin() as conn:
                conn.execute(text("DELETE FROM patrol WHERE chief_id = :c AND recorded_by = :u"),
                             {"c": seg.chief_id, "u": USER})
                conn.execute(text("DELETE FROM issue_photo WHERE issue_id IN "
                                  "(SELECT id FROM issue WHERE reporter = :n AND reported_at >= :t)"),
                             {"n": seg.chief_name, "t": started})
                conn.execute(text("DELETE FROM issue WHERE reporter = :n AND reported_at >= :t"),
                             {"n": seg.chief_name, "t": started})


@pytest.fixture(scope="module")
def base_url(engine, cluster, walker):
    with serve(Settings(database_url=cluster.url()), engine) as url:
        yield url


def along(seg, metres: float) -> tuple[float, float]:
    """The point `metres` along the segment from its start (there, then back)."""
    share = metres / seg.length_m
    share = share if share <= 1 else max(0.0, 2 - share)
    return seg.x0 + (seg.x1 - seg.x0) * share, seg.y0 + (seg.y1 - seg.y0) * share


def jpeg(path) -> str:
    image = Image.new("RGB", (64, 48), (180, 120, 60))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=80)
    path.write_bytes(buffer.getvalue())
    return str(path)


def points_shown(page) -> int:
    return int(page.inner_text("#patrol-points"))


def step(page, context, n: int, seg) -> None:
    lon, lat = along(seg, n * STEP_M)
    context.set_geolocation({"longitude": lon, "latitude": lat, "accuracy": 6})
    page.wait_for_function("n => Number(document.getElementById('patrol-points').textContent) >= n", arg=n + 1)
    page.clock.fast_forward(STEP_S * 1000)


def test_a_chief_walks_a_patrol_reports_on_the_way_and_sees_the_segment_patrolled(base_url, walker, engine,
                                                                                  tmp_path):
    SCREENSHOTS.mkdir(exist_ok=True)
    steps = math.ceil(2 * walker.length_m / STEP_M) + 1
    with phone_page(at=(walker.x0, walker.y0)) as page:
        context = page.context
        page.clock.install()
        page.goto(base_url + "/m")
        page.wait_for_selector("body[data-ready='1']")
        page.screenshot(path=str(SCREENSHOTS / "phone-login.png"))
        page.fill("#login-user", USER)
        page.fill("#login-pass", PASSWORD)
        page.click("#login-form button")
        page.wait_for_selector(f"#segment-list li[data-segment='{walker.id}']")
        row = page.locator(f"#segment-list li[data-segment='{walker.id}']")
        assert "今日未巡查" in row.inner_text() and walker.road_name in row.inner_text()
        assert walker.chief_name in page.inner_text("#title")
        page.screenshot(path=str(SCREENSHOTS / "phone-segments-before.png"))

        page.click("#tabs button[data-view='patrol']")
        page.click("#patrol-start")
        page.wait_for_selector("#patrol-end:not([hidden])")
        for n in range(steps):
            if n == OFFLINE_STEPS.start:
                context.set_offline(True)
            if n == OFFLINE_STEPS.stop:
                assert int(page.inner_text("#patrol-queued")) >= len(OFFLINE_STEPS) - 1  # waiting on the phone
                page.screenshot(path=str(SCREENSHOTS / "phone-patrol-offline.png"))
                context.set_offline(False)
            step(page, context, n, walker)
            if n == REPORT_AT_STEP:
                report_an_issue(page, walker, tmp_path)
        page.screenshot(path=str(SCREENSHOTS / "phone-patrol-walking.png"))
        page.click("#patrol-end")
        page.wait_for_function("() => document.getElementById('patrol-result').textContent.includes('巡查已结束')",
                               timeout=30_000)
        assert "覆盖" in page.inner_text("#patrol-result")
        page.wait_for_selector(f"#patrol-map path.seg.done[data-segment='{walker.id}']", state="attached")  # redrawn
        page.screenshot(path=str(SCREENSHOTS / "phone-patrol-ended.png"))

        page.click("#tabs button[data-view='segments']")
        page.wait_for_function(
            "id => (document.querySelector(`#segment-list li[data-segment='${id}']`) || {}).textContent"
            "?.includes('今日已巡查')", arg=walker.id)
        assert page.locator(f"#map path[data-segment='{walker.id}']").get_attribute("class") == "seg done"
        page.screenshot(path=str(SCREENSHOTS / "phone-segments-after.png"))

        page.click("#tabs button[data-view='cases']")
        page.wait_for_selector("#case-list li[data-case]")
        assert "占道经营" in page.inner_text("#case-list")
        page.click("#case-list li[data-case]")
        page.wait_for_selector("#case-detail:not([hidden]) .card")
        page.screenshot(path=str(SCREENSHOTS / "phone-case.png"))

        # Offline, the page opens from the service worker's cache with the last answers.
        deadline = time.monotonic() + 20
        while not page.evaluate("() => !!navigator.serviceWorker.controller") and time.monotonic() < deadline:
            time.sleep(0.2)  # the worker takes the page over (clients.claim) once it is active
        assert page.evaluate("() => !!navigator.serviceWorker.controller")
        context.set_offline(True)
        page.reload()
        page.wait_for_selector("body[data-ready='1']")
        page.wait_for_selector(f"#segment-list li[data-segment='{walker.id}']")
        assert not page.locator("#net").is_hidden()
        page.screenshot(path=str(SCREENSHOTS / "phone-offline-reload.png"))
        context.set_offline(False)

    assert page.errors == []
    assert [m for m in page.console_errors if OFFLINE_NOISE not in m] == []
    with engine.connect() as conn:
        patrol = conn.execute(text("""
            SELECT p.id, (SELECT count(*) FROM patrol_point AS pt WHERE pt.patrol_id = p.id) AS points,
                   (SELECT sum(b.points) FROM patrol_batch AS b WHERE b.patrol_id = p.id) AS batched,
                   (SELECT count(*) FROM patrol_batch AS b WHERE b.patrol_id = p.id) AS batches,
                   p.too_fast, p.distance_m, p.duration_s
            FROM patrol AS p WHERE p.chief_id = :c AND p.recorded_by = :u
        """), {"c": walker.chief_id, "u": USER}).one()
        issue = conn.execute(text("""
            SELECT i.segment_id, i.category_code, i.source, (SELECT count(*) FROM issue_photo WHERE issue_id = i.id)
            FROM issue AS i WHERE i.reporter = :n ORDER BY i.id DESC LIMIT 1
        """), {"n": walker.chief_name}).one()
    # Every reading arrived once, the offline stretch's too (+1: the reading where the walk began),
    # in batches of at most 20 points or 30 seconds (here 2 readings of 15 s each).
    assert patrol.points == patrol.batched == steps + 1
    assert patrol.points / 20 <= patrol.batches < patrol.points
    assert not patrol.too_fast and patrol.duration_s >= 20 * 60 and patrol.distance_m >= 1000
    assert tuple(issue) == (walker.id, "T03.01", "patrol", 1)


def report_an_issue(page, walker, tmp_path) -> None:
    page.click("#tabs button[data-view='report']")
    page.wait_for_function("() => document.getElementById('report-place').textContent.includes('当前位置')")
    assert walker.road_name in page.inner_text("#report-place")
    with page.expect_file_chooser() as chooser:
        page.click("label.photo")
    chooser.value.set_files(jpeg(tmp_path / "photo.jpg"))
    page.wait_for_selector("#photo-preview:not([hidden])")
    page.select_option("#report-task", "T03")
    page.select_option("#report-category", "T03.01")
    page.fill("#report-description", "人行道上流动摊贩占道经营")
    page.screenshot(path=str(SCREENSHOTS / "phone-report.png"))
    page.click("#report-submit")
    page.wait_for_selector("#report-result .ok")
    assert "已上报" in page.inner_text("#report-result")
    page.click("#tabs button[data-view='patrol']")


def test_the_chief_tree_page_opens_a_community_on_a_phone(base_url, walker):
    SCREENSHOTS.mkdir(exist_ok=True)
    with phone_page() as page:
        page.goto(base_url + "/tree")
        page.wait_for_selector("body[data-ready='1']")
        subs = page.locator("details[data-level='sub_district']")
        assert subs.count() == 6
        subs.first.locator("> summary").click()
        assert "二级路长" in subs.first.inner_text()  # collapsed until tapped
        community = subs.first.locator("details[data-level='community']").first
        community.locator("> summary").click()
        page.wait_for_selector("details[data-level='community'][open] details[data-level='road']")
        assert "三级路长" in community.inner_text() and "巡查率" in community.inner_text()
        page.screenshot(path=str(SCREENSHOTS / "phone-tree.png"))
    assert page.errors == page.console_errors == []


def test_the_suggested_route_is_drawn_on_the_patrol_map_from_where_the_chief_stands(base_url, walker, engine):
    with engine.connect() as conn:
        own = conn.execute(text("SELECT count(DISTINCT segment_id) FROM segment_assignment "
                                "WHERE chief_id = :c AND valid_to IS NULL"), {"c": walker.chief_id}).scalar()
    with phone_page(at=(walker.x1, walker.y1)) as page:
        sign_in_on_phone(page, base_url, USER, PASSWORD)
        page.wait_for_selector(f"#segment-list li[data-segment='{walker.id}']")
        page.click("#tabs button[data-view='patrol']")
        page.click("#patrol-route")
        page.wait_for_selector("#route-info:not([hidden])")
        info = page.inner_text("#route-info")
        assert f"走遍您的 {own} 个路段" in info and "从当前位置出发" in info, info
        route = page.locator("#patrol-map path.route")
        assert route.count() == 1 and route.get_attribute("d").count("L") > 1
        page.screenshot(path=str(SCREENSHOTS / "phone-patrol-route.png"))
    assert page.errors == page.console_errors == []
