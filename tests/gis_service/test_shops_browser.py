"""The phone's 红黑旗 tab in headless Chromium at 390×844: a chief sees this week's shops along their
segments, taps one, picks 红旗, scores 秩序/卫生/立面 and saves; the list shows the red flag and the
database has the entry under the chief's account."""

import pytest
from sqlalchemy import text

from gis_service.settings import Settings
from tests.gis_service.browser import PHONE, SCREENSHOTS, phone_page, serve, sign_in_on_phone, undo_writes

USER, PASSWORD = "flags_test_chief", "flags-test-password"


@pytest.fixture(scope="module")
def flagger(engine):
    """A demo tier-3 chief with a shop (never under 停业整顿) on one of their segments, and a committed
    user linked to them; the flags entered are removed afterwards."""
    with engine.begin() as conn:
        found = conn.execute(text("""
            SELECT a.chief_id, sh.id AS shop_id, sh.name AS shop_name
            FROM shop AS sh
            JOIN segment_assignment AS a ON a.segment_id = sh.segment_id AND a.tier = 3 AND a.valid_to IS NULL
            JOIN chief AS ch ON ch.id = a.chief_id AND ch.active
            WHERE NOT EXISTS (SELECT 1 FROM shop_suspension AS su WHERE su.shop_id = sh.id)
              AND NOT EXISTS (SELECT 1 FROM chief_user AS cu WHERE cu.chief_id = a.chief_id)
            ORDER BY sh.id LIMIT 1
        """)).one()
    with undo_writes(engine, USER, PASSWORD, "红黑旗测试", role="viewer", chief_id=found.chief_id):
        try:
            yield found
        finally:
            with engine.begin() as conn:
                conn.execute(text("DELETE FROM shop_flag WHERE entered_by = :u"), {"u": USER})
                conn.execute(text("DELETE FROM shop_flag_audit WHERE changed_by = :u"), {"u": USER})


@pytest.fixture(scope="module")
def base_url(engine, cluster, flagger):
    with serve(Settings(database_url=cluster.url()), engine) as url:
        yield url


def test_a_chief_flags_a_shop_red_from_the_phone(base_url, flagger, engine):
    SCREENSHOTS.mkdir(exist_ok=True)
    with phone_page() as page:
        sign_in_on_phone(page, base_url, USER, PASSWORD)
        page.wait_for_selector("#tabs button[data-view='flags']:not([hidden])")
        page.click("#tabs button[data-view='flags']")
        row = page.locator(f"#flag-list li[data-shop='{flagger.shop_id}']")
        row.wait_for()
        assert flagger.shop_name in row.inner_text()
        page.screenshot(path=str(SCREENSHOTS / "phone-flags-list.png"))
        row.click()
        row.locator("button[data-flag='red']").click()
        for key, value in (("order_score", "92"), ("hygiene_score", "88"), ("facade_score", "95")):
            row.locator(f"input[data-score='{key}']").fill(value)
        page.screenshot(path=str(SCREENSHOTS / "phone-flags-form.png"))
        row.locator("button[data-save]").click()
        page.wait_for_selector(f"#flag-list li[data-shop='{flagger.shop_id}'] .badge.flag-red")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        page.screenshot(path=str(SCREENSHOTS / "phone-flags-saved.png"))
        assert page.errors == []
    with engine.connect() as conn:
        saved = conn.execute(text("""
            SELECT flag, order_score, hygiene_score, facade_score FROM shop_flag
            WHERE shop_id = :s AND entered_by = :u
        """), {"s": flagger.shop_id, "u": USER}).one()
    assert tuple(saved) == ("red", 92, 88, 95)
