"""A photo must be a whole image and nothing else; photos are served so no browser sniffs them."""

import io

import pytest
from PIL import Image

from tests.roads.issues.conftest import count
from tests.roads.issues.test_issues_api import post, tiny_png

HTML = b"<html><body><script>alert(document.cookie)</script></body></html>"


def jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (16, 12), (200, 40, 40)).save(buffer, "JPEG")
    return buffer.getvalue()


@pytest.mark.parametrize("name, data", [
    ("header-then-html.png", b"\x89PNG\r\n\x1a\n" + HTML),
    ("png-then-html.png", tiny_png() + HTML),
    ("jpeg-then-html.jpg", jpeg() + HTML),
    ("truncated.jpg", jpeg()[:-40]),
])
def test_an_image_that_is_also_something_else_is_refused(client, conn, streets, settings, name, data):
    before = count(conn, "SELECT count(*) FROM issue")
    response = post(client, files=[("photos", (name, data, "image/png"))])
    assert response.status_code == 422, response.text
    assert "photos:" in response.json()["error"]
    assert count(conn, "SELECT count(*) FROM issue") == before
    assert not settings.photo_dir.exists() or not any(settings.photo_dir.rglob("*.*"))


def test_a_real_photo_is_kept_as_sent_and_served_with_nosniff(client, streets):
    response = post(client, files=[("photos", ("street.jpg", jpeg(), "image/jpeg"))])
    assert response.status_code == 201, response.text
    [photo] = response.json()["photos"]
    served = client.get(photo["url"])
    assert served.status_code == 200 and served.content == jpeg()
    assert served.headers["content-type"] == "image/jpeg"
    assert served.headers["x-content-type-options"] == "nosniff"
