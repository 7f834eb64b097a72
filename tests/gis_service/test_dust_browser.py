"""以克论净 on the phone, in headless Chromium at 390×844: a chief opens the tab, the segment under
their position is picked, they weigh 9.5 g/m² on the carriageway and see it over the limit with
its case; a second weighing under the limit shows 达标 and both appear in the segment's list."""

import pytest
from sqlalchemy import text

from gis_service.settings import Settings
from tests.gis_service.browser import SCREENSHOTS, phone_page, serve, sign_in_on_phone, undo_writes

USER, PASSWORD = "dust_phone_chief", "dust-phone-password"


@pytest.fixture(scope="module")
def weigher(engine):
    """A demo tier-3 chief's segment and a committed user linked to the chief; what the test
    writes is removed afterwards."""
    with engine.begin() as conn:
        seg = conn.execute(text("""
            SELECT s.id, a.chief_id, r.name AS road_name,
                   ST_X(ST_LineInterpolatePoint(s.geom, 0.5)) AS lon, ST_Y(ST_LineInterpolatePoint(s.geom, 0.5)) AS lat
            FROM road_segment AS s
            JOIN segment_assignment AS a ON a.segment_id = s.id AND a.tier = 3 AND a.valid_to IS NULL
            JOIN chief AS ch ON ch.id = a.chief_id AND ch.active
            JOIN road AS r ON r.id = s.road_id
            WHERE s.length_m > 300 AND NOT EXISTS (SELECT 1 FROM dust_sample d WHERE d.segment_id = s.id)
            ORDER BY s.id LIMIT 1
        """)).one()
    with undo_writes(engine, USER, PASSWORD, "积尘测试", role="viewer", chief_id=seg.chief_id):
        try:
            yield seg
        finally:
            with engine.begin() as conn:
                cases = conn.execute(text("SELECT DISTINCT issue_id FROM dust_sample WHERE segment_id = :s "
                                          "AND issue_id IS NOT NULL"), {"s": seg.id}).scalars().all()
                conn.execute(text("DELETE FROM dust_sample WHERE segment_id = :s"), {"s": seg.id})
                conn.execute(text("DELETE FROM notification WHERE issue_id = ANY(:c)"), {"c": cases})
                conn.execute(text("DELETE FROM issue_event WHERE issue_id = ANY(:c)"), {"c": cases})
                conn.execute(text("DELETE FROM issue WHERE id = ANY(:c)"), {"c": cases})


@pytest.fixture(scope="module")
def base_url(engine, cluster, weigher):
    with serve(Settings(database_url=cluster.url()), engine) as url:
        yield url


def test_a_chief_weighs_dust_on_the_phone(base_url, weigher):
    SCREENSHOTS.mkdir(exist_ok=True)
    with phone_page(at=(weigher.lon, weigher.lat)) as page:
        sign_in_on_phone(page, base_url, USER, PASSWORD)
        page.wait_for_selector("#segment-list li")
        page.click("#tabs button[data-view='dust']")
        page.wait_for_selector(f"#dust-segment option[value='{weigher.id}']:checked", state="attached")
        assert weigher.road_name in page.inner_text("#dust-place")
        page.screenshot(path=str(SCREENSHOTS / "phone-dust-form.png"))
        page.fill("#dust-grams", "9.5")
        page.click("#dust-submit")
        page.wait_for_selector("#dust-result p")
        assert "超标" in page.inner_text("#dust-result") and "案卷" in page.inner_text("#dust-result")
        page.select_option("#dust-surface", "footway")
        page.fill("#dust-grams", "12")
        page.click("#dust-submit")
        page.wait_for_selector("#dust-result p.ok")
        assert "达标" in page.inner_text("#dust-result")
        page.wait_for_selector("#dust-recent li:nth-child(2)")
        assert "人行道" in page.inner_text("#dust-recent")
        page.screenshot(path=str(SCREENSHOTS / "phone-dust-saved.png"), full_page=True)
        assert page.errors == []


def test_the_desktop_map_shows_the_dust_layer(base_url, engine):
    """A segment whose latest weighing is over its limit is haloed in the over colour."""
    from tests.gis_service.browser import browser_page, colours_near, count_like, go_to, wait_for_map

    with engine.connect() as conn:
        seg = conn.execute(text("""
            SELECT DISTINCT ON (d.segment_id) d.segment_id,
                   ST_X(ST_LineInterpolatePoint(s.geom, 0.5)) AS lon, ST_Y(ST_LineInterpolatePoint(s.geom, 0.5)) AS lat,
                   d.grams_per_m2 > d.limit_g_m2 AS over
            FROM dust_sample d JOIN road_segment s ON s.id = d.segment_id
            WHERE s.length_m > 200
            ORDER BY d.segment_id, d.sampled_at DESC
        """)).all()
    over = next(s for s in seg if s.over)
    with browser_page() as page:
        page.goto(base_url + "/")
        wait_for_map(page)
        page.check("#layer-toggles input[data-layer='dust']")
        x, y = go_to(page, over.lon, over.lat, zoom=17)
        assert count_like(colours_near(page, x, y, radius=10), (0x8e, 0x01, 0x52), tolerance=30) > 0
        assert "积尘超标" in page.inner_text("#legend")
        page.screenshot(path=str(SCREENSHOTS / "desktop-dust.png"))
        assert page.errors == []
