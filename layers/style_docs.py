"""MapLibre style documents (layers/styles/<name>.json) with their URLs filled in."""

import json
import math
from collections.abc import Callable
from pathlib import Path

from roads.district import Extent
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


# The opening view fits the district into a window this many pixels wide and high.
VIEW_PX = (1024, 768)


def opening_view(extent: Extent) -> tuple[list[float], float]:
    """The extent's centre and the Web Mercator zoom that shows all of it in VIEW_PX."""
    west, south, east, north = extent
    def mercator_y(lat: float) -> float:
        return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))

    width = max((east - west) / 360, 1e-9)  # in world widths
    height = max((mercator_y(north) - mercator_y(south)) / (2 * math.pi), 1e-9)
    zoom = math.log2(min(VIEW_PX[0] / 512 / width, VIEW_PX[1] / 512 / height))  # MapLibre: 512 px tiles
    centre = [round((west + east) / 2, 6), round((south + north) / 2, 6)]
    return centre, round(min(max(zoom, 0.0), 18.0), 2)


def build_style(name: str, tilejson_url: Callable[[str], str], glyphs_url: str,
                extent: Extent | None = None) -> dict:
    """The style with `$TILES/<layer>.json` replaced by tilejson_url(layer), glyphs filled in,
    and opening on the district's extent when there is one."""
    style = read_style(name)
    if extent is not None:
        style["center"], style["zoom"] = opening_view(extent)
    for source in style["sources"].values():
        url = source.get("url", "")
        if url.startswith(TILES_PREFIX):
            source["url"] = tilejson_url(url.removeprefix(TILES_PREFIX).removesuffix(".json"))
    style["glyphs"] = style["glyphs"].replace(GLYPHS, glyphs_url)
    return style
