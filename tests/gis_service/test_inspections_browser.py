"""The phone's 巡检 tab in headless Chromium at 390×844: a sub-district admin standing at a
construction site in their area sees it first in the list, taps the six rules (one 不合格 with a
note), adds a photo, saves, and sees the result; the inspection, its photo and its case are in the
database. Screenshots go to tests/screenshots/phone-inspect-*.png."""

import io

import pytest
from PIL import Image
from sqlalchemy import text

from gis_service.settings import Settings
from tests.gis_service.browser import SCREENSHOTS, phone_page, serve, sign_in_on_phone, undo_writes

USER, PASSWORD = "phone_test_site_admin", "phone-test-password"


@pytest.fixture(scope="module")
def site(engine):
    with engine.begin() as conn:
        row = conn.execute(text("""
            SELECT id, name, sub_district_id, ST_X(ST_PointOnSurface(geom)) AS lon,
                   ST_Y(ST_PointOnSurface(geom)) AS lat
            FROM construction_site WHERE status = '在建' ORDER BY id LIMIT 1
        """)).one()
    yield row
    with engine.begin() as conn:
        issues = conn.execute(text("SELECT issue_id FROM inspection WHERE entered_by = :u AND issue_id IS NOT NULL"),
                              {"u": USER}).scalars().all()
        conn.execute(text("DELETE FROM inspection WHERE entered_by = :u"), {"u": USER})
        conn.execute(text("DELETE FROM issue WHERE id = ANY(:ids)"), {"ids": list(issues)})
        conn.execute(text("SELECT roadchief.refresh_demonstration_flags('site', ARRAY[:id])"), {"id": row.id})


@pytest.fixture(scope="module")
def base_url(engine, cluster, site, tmp_path_factory):
    settings = Settings(database_url=cluster.url(), photo_dir=tmp_path_factory.mktemp("photos"))
    with (undo_writes(engine, USER, PASSWORD, "巡检测试", role="sub_district_admin",
                      sub_district_id=site.sub_district_id),
          serve(settings, engine) as url):
        yield url


def jpeg(path) -> str:
    Image.new("RGB", (64, 48), (120, 90, 60)).save(buffer := io.BytesIO(), "JPEG")
    path.write_bytes(buffer.getvalue())
    return str(path)


def test_an_admin_inspects_the_site_where_they_stand(base_url, site, engine, tmp_path):
    SCREENSHOTS.mkdir(exist_ok=True)
    with phone_page(at=(site.lon, site.lat)) as page:
        sign_in_on_phone(page, base_url, USER, PASSWORD)
        page.click("#tabs button[data-view='inspect']")
        first = page.locator("#inspect-targets li").first
        first.wait_for()
        assert site.name in first.inner_text() and "0 米" in first.inner_text()
        page.screenshot(path=str(SCREENSHOTS / "phone-inspect-list.png"))

        first.click()
        page.wait_for_selector("#inspect-form:not([hidden])")
        assert page.inner_text("#inspect-title") == site.name
        rows = page.locator("#inspect-items li.check")
        assert rows.count() == 6
        box = rows.first.locator("button.pass").bounding_box()
        assert box["height"] >= 48 and box["width"] >= 140  # thumb-sized
        for i in range(6):
            rows.nth(i).locator("button.fail" if i == 1 else "button.pass").click()
        rows.nth(1).locator(".check-note").fill("北侧土方未覆盖")
        assert "1 项不合格" in page.inner_text("#inspect-save")
        page.set_input_files("#inspect-photo", jpeg(tmp_path / "site.jpg"))
        page.screenshot(path=str(SCREENSHOTS / "phone-inspect-form.png"), full_page=True)
        page.click("#inspect-save")
        page.wait_for_selector("#inspect-saved")
        assert "1 项不合格" in page.inner_text("#inspect-saved") and "已立案" in page.inner_text("#inspect-saved")
        page.screenshot(path=str(SCREENSHOTS / "phone-inspect-saved.png"))
        assert not page.errors and not page.console_errors, (page.errors, page.console_errors)
    with engine.connect() as conn:
        saved = conn.execute(text("""
            SELECT i.clean, i.source, i.inspector, i.issue_id,
                   (SELECT count(*) FROM inspection_photo p WHERE p.inspection_id = i.id) AS photos,
                   (SELECT note FROM inspection_result r JOIN inspection_checklist_item it ON it.id = r.item_id
                    WHERE r.inspection_id = i.id AND it.label = '覆盖') AS cover_note
            FROM inspection i WHERE i.entered_by = :u
        """), {"u": USER}).one()
    assert (saved.clean, saved.source, saved.inspector, saved.photos) == (False, "phone", "巡检测试", 1)
    assert saved.issue_id and saved.cover_note == "北侧土方未覆盖"
