"""A name with HTML in it is shown as text by the offline HTML map, never run, in a real Chromium."""

from sqlalchemy import text

from tests.gis_service.browser import browser_page

EVIL = "<img src=x onerror=alert(5)>"

# Hover every community and click every segment of the folium page through Leaflet's own events
# (as a mouse would), and return the texts of the tooltips and popups that opened.
OPEN_ALL = """() => {
    const texts = [];
    for (const key of Object.keys(window).filter(k => window[k] instanceof L.GeoJSON)) {
        window[key].eachLayer(layer => {
            const at = layer.getBounds().getCenter();
            for (const kind of ['mouseover', 'click']) {
                layer.fire(kind, {latlng: at, originalEvent: new MouseEvent(kind)}, true);
                document.querySelectorAll('.leaflet-tooltip, .leaflet-popup-content')
                    .forEach(node => texts.push(node.innerText));
                layer.fire('mouseout', {latlng: at}, true);
            }
        });
    }
    return texts;
}"""


def test_a_name_with_html_shows_as_text_and_runs_nothing(client, conn, tmp_path):
    community_id = conn.execute(text("SELECT min(id) FROM community")).scalar_one()
    conn.execute(text("UPDATE community SET name = :n WHERE id = :c"), {"n": EVIL, "c": community_id})
    conn.execute(text("""UPDATE road SET name = :n WHERE id = (
        SELECT road_id FROM road_segment WHERE community_id = :c ORDER BY id LIMIT 1)"""),
                 {"n": "路" + EVIL, "c": community_id})
    response = client.get("/api/exports/heatmap.html", params={"community_id": community_id})
    assert response.status_code == 200
    assert EVIL not in response.text
    page_file = tmp_path / "heatmap.html"
    page_file.write_bytes(response.content)

    with browser_page() as page:
        dialogs = []
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        page.goto(page_file.as_uri())
        page.wait_for_function("Object.keys(window).some(k => window[k] instanceof L.GeoJSON)")
        texts = page.evaluate(OPEN_ALL)
        page.wait_for_timeout(300)
        broken_images = page.evaluate("document.querySelectorAll('img[src=x]').length")

    assert dialogs == []
    assert broken_images == 0
    assert any(EVIL in t for t in texts), texts[:5]
    assert any("路" + EVIL in t for t in texts)
