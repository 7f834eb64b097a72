"""Security headers on every response: a pure ASGI middleware, so streamed exports stay streamed."""

from urllib.parse import urlsplit

# The web map loads only its own scripts and style sheets. Style attributes written through
# innerHTML (legend swatches, share bars) need 'unsafe-inline' for attributes only, never for
# <style> elements or scripts; OpenLayers draws into canvases and may start a worker from blob:.
MAP_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; style-src-attr 'unsafe-inline'; "
              "img-src 'self' data: blob:{basemap}; connect-src 'self'; worker-src 'self' blob:; "
              "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'self'")

# The folium export is a standalone document full of inline scripts: opened from the API it runs
# in a sandbox (an opaque origin: no access to this site's cookies, storage or API token).
EXPORT_POLICY = ("sandbox allow-scripts; default-src 'none'; script-src 'unsafe-inline' 'self'; "
                 "style-src 'unsafe-inline' 'self'; img-src 'self' data: blob:; font-src 'self' data:")

EXPORT_HTML_PATHS = ("/api/exports/heatmap.html",)


def basemap_origin(basemap_url: str | None) -> str:
    """The basemap's scheme://host[:port] for img-src, or nothing when there is none."""
    if not basemap_url:
        return ""
    parts = urlsplit(basemap_url)
    if not parts.scheme or not parts.netloc:
        return ""
    # A tile template such as https://{a-c}.tile.example/{z}/{x}/{y}.png: allow its subdomains.
    host = parts.netloc.replace("{a-c}", "*").replace("{s}", "*")
    return f" {parts.scheme}://{host}"


def headers_for(path: str, map_policy: str) -> list[tuple[bytes, bytes]]:
    policy = EXPORT_POLICY if path in EXPORT_HTML_PATHS else map_policy
    return [
        (b"content-security-policy", policy.encode()),
        (b"x-content-type-options", b"nosniff"),
        (b"x-frame-options", b"SAMEORIGIN"),
        (b"referrer-policy", b"same-origin"),
    ]


class SecurityHeaders:
    """Adds the headers above to every HTTP response, replacing any the app set itself."""

    def __init__(self, app, basemap_url: str | None = None):
        self.app = app
        self.map_policy = MAP_POLICY.format(basemap=basemap_origin(basemap_url))

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = headers_for(scope["path"], self.map_policy)
        names = {name for name, _ in extra} | {b"server"}

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                kept = [(k, v) for k, v in message.get("headers", []) if k.lower() not in names]
                message = {**message, "headers": kept + extra}
            await send(message)

        await self.app(scope, receive, send_with_headers)
