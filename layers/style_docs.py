"""MapLibre style documents (layers/styles/<name>.json) with their URLs filled in."""

import json
from collections.abc import Callable
from pathlib import Path

from roads.errors import NotFound

STYLES_DIR = Path(__file__).resolve().parent / "styles"
TILES_PREFIX = "$TILES/"
GLYPHS = "$GLYPHS"


class UnknownStyle(NotFound):
    """No style by that name."""


def style_names() -> list[str]:
    return sorted(path.stem for path in STYLES_DIR.glob("*.json"))


def source_layers(name: str) -> list[str]:
    """The tile layers a style's sources read."""
    return [url.removeprefix(TILES_PREFIX).removesuffix(".json")
            for url in (source.get("url", "") for source in read_style(name)["sources"].values())
            if url.startswith(TILES_PREFIX)]


def read_style(name: str) -> dict:
    if name not in style_names():
        raise UnknownStyle(f"no style {name!r}; styles: {', '.join(style_names())}",
                           f"没有名为 {name} 的地图样式；可选：{'、'.join(style_names())}")
    return json.loads((STYLES_DIR / f"{name}.json").read_text())


def build_style(name: str, tilejson_url: Callable[[str], str], glyphs_url: str) -> dict:
    """The style with `$TILES/<layer>.json` replaced by tilejson_url(layer) and glyphs filled in."""
    style = read_style(name)
    for source in style["sources"].values():
        url = source.get("url", "")
        if url.startswith(TILES_PREFIX):
            source["url"] = tilejson_url(url.removeprefix(TILES_PREFIX).removesuffix(".json"))
    style["glyphs"] = style["glyphs"].replace(GLYPHS, glyphs_url)
    return style
