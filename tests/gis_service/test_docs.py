"""`/docs` works offline: every file it references is served by the service itself."""

import re


def referenced(html: str) -> list[str]:
    return re.findall(r'(?:src|href)="([^"]+)"', html)


def test_docs_reference_only_same_origin_files_and_they_answer(client):
    page = client.get("/docs")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    urls = referenced(page.text)
    assert {"/static/vendor/swagger-ui/swagger-ui-bundle.js", "/static/vendor/swagger-ui/swagger-ui.css"} <= set(urls)
    for url in urls:
        assert url.startswith("/") and not url.startswith("//"), url
        assert client.get(url).status_code == 200, url
    script = client.get("/static/js/docs.js").text
    assert "'/openapi.json'" in script and "http" not in script
    assert client.get("/openapi.json").status_code == 200
    assert client.get("/redoc").status_code == 404  # it would load its script from a CDN
