"""The chief tree page (/tree) in headless Chromium on a desktop (1440×900) and a phone (390×844):
the demo's 总路长 and 副总路长 at the top, and a main street's 街长 with the three party members who
back them inside a community it crosses."""

import pytest
from playwright.sync_api import sync_playwright
from sqlalchemy import text

from gis_service.settings import Settings
from tests.gis_service.browser import CHROMIUM, CHROMIUM_ARGS, SCREENSHOTS, serve

VIEWPORTS = {"desktop": ({"width": 1440, "height": 900}, 1, False),
             "phone": ({"width": 390, "height": 844}, 2, True)}
STREET = "航海东路"


@pytest.fixture(scope="module")
def base_url(engine, cluster):
    with serve(Settings(database_url=cluster.url()), engine) as url:
        yield url


@pytest.fixture(scope="module")
def on_street(engine):
    """The sub-district and community where the street's first segment lies."""
    with engine.connect() as conn:
        return conn.execute(text("""
            SELECT c.sub_district_id, c.id AS community_id, c.name AS community
            FROM road_segment s JOIN road r ON r.id = s.road_id JOIN community c ON c.id = s.community_id
            WHERE r.name = :street ORDER BY s.id LIMIT 1
        """), {"street": STREET}).one()


def chief_lines(details) -> list[str]:
    """The chiefs listed directly under a node, one text line each."""
    return [li.inner_text().replace("\n", " ") for li in details.locator("> ul.chiefs > li").all()]


@pytest.mark.parametrize("device", VIEWPORTS)
def test_the_tree_shows_the_general_chiefs_and_a_street_chief_with_backers(base_url, on_street, device):
    SCREENSHOTS.mkdir(exist_ok=True)
    viewport, scale, mobile = VIEWPORTS[device]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_context(viewport=viewport, device_scale_factor=scale, is_mobile=mobile).new_page()
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("console", lambda m: m.type == "error" and errors.append(m.text))
        page.goto(base_url + "/tree")
        page.wait_for_selector("body[data-ready='1']")
        root = page.locator("details[data-level='district']")
        top = chief_lines(root)
        assert top[0].startswith("总路长") and "管委会主任" in top[0] and "党员" in top[0]
        assert top[1].startswith("副总路长") and "分管城市管理" in top[1]
        # a week holds no half month: their own last period instead
        assert all("近15天巡查" in line and "巡查率" not in line for line in top[:2])
        assert all(line.startswith("一级路长") for line in top[2:]) and len(top) == 8
        page.screenshot(path=str(SCREENSHOTS / f"tree-{device}-top.png"))

        sub = root.locator(f"details[data-level='sub_district'][data-id='{on_street.sub_district_id}']")
        sub.locator("> summary").click()
        community = sub.locator(f"details[data-level='community'][data-id='{on_street.community_id}']")
        community.locator("> summary").click()
        road = community.locator("details[data-level='road']").filter(
            has=page.locator(f"> summary:text-is('{STREET}')"))
        road.locator("> summary").wait_for()
        road.locator("> summary").click()
        lines = chief_lines(road)
        assert [line.split(" ")[0] for line in lines] == ["街长", "包保党员", "包保党员", "包保党员"]
        assert all("党员" in line and "巡查率" not in line for line in lines[1:])  # backers patrol no segment
        road.scroll_into_view_if_needed()
        page.screenshot(path=str(SCREENSHOTS / f"tree-{device}-street.png"))
        # nothing wider than the screen
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
        browser.close()
    assert errors == []
