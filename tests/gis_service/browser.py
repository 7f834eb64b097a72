"""The service in a real uvicorn on 127.0.0.1 and headless Debian Chromium, for the browser tests."""

import threading
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import uvicorn
from playwright.sync_api import sync_playwright
from sqlalchemy import text

from gis_service.main import create_app
from gis_service.pg_cluster import free_port
from roads.patrols.recording import link_user_to_chief
from roads.users import add_user, login

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--use-angle=swiftshader", "--enable-unsafe-swiftshader"]
SCREENSHOTS = Path(__file__).resolve().parents[1] / "screenshots"
PHONE = {"width": 390, "height": 844}
BROWSER_USER = "browser_test_admin"
BROWSER_PASSWORD = "browser-test-password"


@contextmanager
def serve(settings, engine):
    """uvicorn in a thread on a free 127.0.0.1 port; yields the base URL."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(settings, engine=engine), host="127.0.0.1",
                                           port=port, log_level="warning", server_header=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@contextmanager
def browser_page(viewport: dict | None = None, **context_options):
    """A page in a fresh headless Chromium, with what it requested (`page.requests`), its script
    errors (`page.errors`) and its console errors (`page.console_errors`)."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport=viewport or {"width": 1400, "height": 850}, **context_options)
            page = context.new_page()
            page.requests = []
            page.errors = []
            page.on("request", lambda request: page.requests.append(request.url))
            page.on("pageerror", lambda error: page.errors.append(str(error)))
            # A Content-Security-Policy violation shows up only as a console error.
            page.console_errors = []
            page.on("console", lambda message: message.type == "error"
                    and page.console_errors.append(message.text))
            yield page
        finally:
            browser.close()


def phone_page(at: tuple[float, float] | None = None, **context_options):
    """browser_page on a 390×844 touch phone in Beijing time, standing at lon/lat `at` (its
    geolocation allowed) when given."""
    if at is not None:
        context_options |= {"geolocation": {"longitude": at[0], "latitude": at[1], "accuracy": 6},
                            "permissions": ["geolocation"]}
    return browser_page(PHONE, device_scale_factor=2, is_mobile=True, has_touch=True, locale="zh-CN",
                        timezone_id="Asia/Shanghai", **context_options)


def sign_in_on_phone(page, base_url: str, username: str, password: str) -> None:
    """The phone page (/m) opened and its sign-in form sent."""
    page.goto(base_url + "/m")
    page.wait_for_selector("body[data-ready='1']")
    page.fill("#login-user", username)
    page.fill("#login-pass", password)
    page.click("#login-form button")


@contextmanager
def undo_writes(engine, username: str = BROWSER_USER, password: str = BROWSER_PASSWORD,
                display_name: str = "浏览器测试", role: str = "district_admin", chief_id: int | None = None,
                **scope):
    """A committed user (a district admin unless `role` and its `scope` say otherwise; the user who
    is chief `chief_id` when given), yielding its bearer headers; afterwards every assignment change
    it made is undone and the user removed (for tests that must commit: browsers, real servers)."""
    with engine.begin() as conn:
        before = conn.execute(text("SELECT COALESCE(max(id), 0) FROM segment_assignment")).scalar()
        user = add_user(conn, username, password, role, display_name=display_name, **scope)
        if chief_id is not None:
            link_user_to_chief(conn, user.id, chief_id)
        token, _user = login(conn, username, password)
    try:
        yield {"Authorization": f"Bearer {token}"}
    finally:
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM segment_assignment WHERE id > :m"), {"m": before})
            conn.execute(text("UPDATE segment_assignment SET valid_to = NULL, ended_by = NULL "
                              "WHERE ended_by = :u"), {"u": username})
            conn.execute(text("DELETE FROM assignment_audit WHERE username = :u"), {"u": username})
            conn.execute(text("DELETE FROM app_user WHERE username = :u"), {"u": username})


def wait_for_map(page) -> None:
    """Until the page has started and the map has drawn every tile of the current view."""
    page.wait_for_selector("body[data-ready='1']", timeout=30_000)
    rendered(page)


def rendered(page) -> None:
    """Wait for the map's next complete render (every visible tile drawn), at most 20 s."""
    outcome = page.evaluate("""() => new Promise(resolve => {
        const timer = setTimeout(() => resolve('timeout ' + JSON.stringify(RC.map.getSize())), 20000);
        RC.map.once('rendercomplete', () => { clearTimeout(timer); resolve('ok'); });
        RC.map.render();
    })""")
    assert outcome == 'ok', outcome


def go_to(page, lon: float, lat: float, zoom: int = 16) -> tuple[float, float]:
    """Centre the map on lon/lat, wait for the tiles, return that point's page coordinates."""
    page.evaluate("""([lon, lat, zoom]) => {
        RC.map.getView().setCenter(ol.proj.fromLonLat([lon, lat]));
        RC.map.getView().setZoom(zoom);
    }""", [lon, lat, zoom])
    rendered(page)
    pixel = page.evaluate("([lon, lat]) => RC.map.getPixelFromCoordinate(ol.proj.fromLonLat([lon, lat]))",
                          [lon, lat])
    box = page.locator("#map").bounding_box()
    return box["x"] + pixel[0], box["y"] + pixel[1]


def colours_near(page, x: float, y: float, radius: int = 4) -> list[tuple[int, int, int]]:
    import io

    from PIL import Image

    png = page.screenshot(clip={"x": x - radius, "y": y - radius, "width": 2 * radius + 1,
                                "height": 2 * radius + 1})
    image = Image.open(io.BytesIO(png)).convert("RGB")
    return [tuple(p) for p in np.asarray(image).reshape(-1, 3).tolist()]


def count_like(pixels, rgb, tolerance=40) -> int:
    return sum(all(abs(p[i] - rgb[i]) <= tolerance for i in range(3)) for p in pixels)
