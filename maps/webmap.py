"""The heatmap as one self-contained HTML page (folium): segments coloured by the same density
classes as the PNG, a heat layer of the issue points, community boundaries, layer control, popups.

It must open with no internet: folium links Leaflet, jQuery, Bootstrap and Font Awesome from CDNs
and has no basemap without tiles. So the map gets no tile layer (the community boundaries are the
base), folium's CDN links are dropped, and Leaflet and Leaflet.heat, vendored from their npm
packages under maps/static/vendor, are inlined, with the CSS images as data: URIs. Nothing here
needs jQuery or Bootstrap.

folium keeps the page's frame (map, layer control, tooltips, popups); the data never passes
through its Jinja templates (see Raw): it goes in as JSON made here in one pass, the segments as
columns that a small function turns into GeoJSON in the browser, styled there by their class.
"""

import base64
import html
import json
from pathlib import Path

import folium
import numpy as np
import shapely
from branca.element import Element
from folium.map import Layer
from folium.template import Template
from sqlalchemy import Connection

from maps import query
from maps.classes import SCHEMES, class_colours, classify
from maps.heatmap import UNIT
from roads.issues.filter import IssueFilter

VENDOR = Path(__file__).parent / "static" / "vendor"
NO_ISSUE_COLOUR = "#c8c8c8"


def vendored_head() -> str:
    css = (VENDOR / "leaflet.css").read_text()
    for image in ("layers.png", "layers-2x.png", "marker-icon.png"):
        data = base64.b64encode((VENDOR / "images" / image).read_bytes()).decode()
        css = css.replace(f"url(images/{image})", f"url(data:image/png;base64,{data})")
    return (
        f'<style id="vendor-leaflet-css">{css}</style>\n'
        f'<script id="vendor-leaflet">{(VENDOR / "leaflet.js").read_text()}</script>\n'
        f'<script id="vendor-leaflet-heat">{(VENDOR / "leaflet-heat.js").read_text()}</script>'
    )


def offline_map(location, zoom: int) -> folium.Map:
    m = folium.Map(
        location=location, zoom_start=zoom, tiles=None, control_scale=True, prefer_canvas=False
    )
    m.default_js, m.default_css = [], []  # instance attributes: nothing from a CDN
    m.get_root().header.add_child(Raw(vendored_head()), name="vendor", index=0)
    return m


def legend_html(title: str, classes: list[tuple[str, str]]) -> str:
    rows = "".join(
        f'<div><span style="display:inline-block;width:22px;height:5px;'
        f'background:{colour};margin:0 6px 2px 0"></span>{html.escape(label)}</div>'
        for colour, label in classes
    )
    return (
        f'<div style="position:fixed;bottom:28px;right:12px;z-index:1000;background:white;'
        f'padding:6px 10px;border:1px solid #999;border-radius:4px;font:12px sans-serif">'
        f"<b>{html.escape(title)}</b>{rows}</div>"
    )


def escaped(frame, columns: list[str]):
    """`frame` with these text columns HTML-escaped: folium puts tooltip and popup values into the
    page as HTML, so a name like `<img src=x onerror=...>` would otherwise run as script."""
    frame = frame.copy()
    for column in columns:
        frame[column] = frame[column].map(lambda v: v if v is None else html.escape(str(v)))
    return frame


def plain(column, escape: bool = False) -> list:
    """A column as JSON-ready Python values: NaN and None as None, text escaped if asked."""
    values = column.astype(object).where(column.notna(), None).tolist()
    if not escape:
        return values
    texts = [str(v) for v in values if v is not None]
    joined = "\0".join(texts)
    if joined.count("\0") != max(len(texts) - 1, 0):  # a NUL in a text (PostgreSQL has none)
        return [v if v is None else html.escape(str(v)) for v in values]
    # One html.escape over all the texts, NUL-separated (escape leaves NUL alone): its five
    # replacements run once over the whole column instead of once a value.
    escaped_texts = iter(html.escape(joined).split("\0") if texts else [])
    return [None if v is None else next(escaped_texts) for v in values]


def script_json(value) -> str:
    """`value` as JSON that is safe inside a <script>: `<`, `>` and `&` as \\u escapes (as Jinja's
    tojson writes them), so no text can close the script or open a comment."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return (
        text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
        .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    )


def scaled(values: np.ndarray, scale: int) -> list:
    """Numbers as whole multiples of 1/scale (None for NaN): JSON writes integers five times as
    fast as floats, and k / scale in JavaScript is the double nearest k/scale, the very number
    that numpy's round(x, log10(scale)), rint(x * scale) / scale, gives here."""
    whole = np.rint(np.asarray(values, dtype=float) * scale)
    missing = np.isnan(whole)
    result = np.where(missing, 0, whole).astype(np.int64).tolist()
    for i in np.flatnonzero(missing):
        result[i] = None
    return result


def line_columns(frame, columns: list[str], escape: list[str], hundredths: list[str]) -> str:
    """LineStrings and their `columns` as the JSON that `roadchiefLines` (LINES_JS) turns into a
    GeoJSON FeatureCollection in the browser: each column as one array, the coordinates as one
    flat array of whole micro-degrees (rounded to 1e-6 degrees, about 0.1 m, as
    shapely.set_precision would) and where each line's vertices end. One json.dumps of a few
    long lists instead of a dict per feature (0.9 s to build and 0.8 s to dump for 98,000
    segments), and a third of the bytes. The `escape` columns are HTML-escaped, as `escaped`
    does; the `hundredths` columns go as whole hundredths (rounded to 0.01, see `scaled`)."""
    coords, index = shapely.get_coordinates(frame.geometry.values, return_index=True)
    ends = np.searchsorted(index, np.arange(1, len(frame) + 1))
    return script_json(
        {
            "columns": {
                c: scaled(frame[c].to_numpy(dtype=float, na_value=np.nan), 100)
                if c in hundredths
                else plain(frame[c], c in escape)
                for c in columns
            },
            "scale": dict.fromkeys(hundredths, 100),
            "microdegrees": scaled(coords.ravel(), 1_000_000),
            "ends": ends.tolist(),
        }
    )


# Builds the features from line_columns' JSON: feature i has id String(i), every column's i-th
# value (divided by its scale, if it has one) as its properties and the vertices up to ends[i]
# as its LineString.
LINES_JS = """function roadchiefLines(data) {
    var names = Object.keys(data.columns), columns = {}, features = [], start = 0;
    names.forEach(function (name) {
        var scale = data.scale[name];
        columns[name] = !scale ? data.columns[name]
            : data.columns[name].map(function (v) { return v === null ? null : v / scale; });
    });
    for (var i = 0; i < data.ends.length; i++) {
        var properties = {}, coordinates = [];
        for (var j = 0; j < names.length; j++) properties[names[j]] = columns[names[j]][i];
        for (var v = start; v < data.ends[i]; v++) {
            coordinates.push([data.microdegrees[2 * v] / 1e6, data.microdegrees[2 * v + 1] / 1e6]);
        }
        start = data.ends[i];
        features.push({type: "Feature", id: String(i), properties: properties,
                       geometry: {type: "LineString", coordinates: coordinates}});
    }
    return {type: "FeatureCollection", features: features};
}"""


class Raw(Element):
    """Text that goes into the page as it is. A folium Element compiles its text as a Jinja
    template, and a layer's rendered script is compiled again: data in it would run as template
    code on the server (a road named `{{ 7*7 }}` came out as 49) and 30 MB of it took 4 s to
    tokenise. So the data and every text from the database go in as Raw."""

    def __init__(self, text: str):
        super().__init__()
        self.text = text

    def render(self, **kwargs) -> str:
        return self.text


class GeoJsonText(folium.GeoJson):
    """A folium GeoJson layer (so folium's tooltips, popups and layer control work on it) whose
    data is JavaScript text made beforehand (`data_js`: GeoJSON, or a call building it) and whose
    style is a JavaScript function of the feature (`style_js`), where folium's own walks every
    feature in Python into a style table of ids and passes the data through Jinja twice."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.geoJson(null, {style: {{ this.style_js }}});
        {{ this.get_name() }}.addData({{ this.get_name() }}_data);
        {{ this.get_name() }}_data = null;
        {% endmacro %}
        """
    )

    def __init__(self, data_js: str, fields: list[str], style_js: str, **kwargs):
        # folium's tooltips and popups check their fields against the first feature's properties:
        # a stand-in with the same keys; the data itself never passes through folium.
        stand_in = {"type": "Feature", "properties": dict.fromkeys(fields), "geometry": None}
        super().__init__({"type": "FeatureCollection", "features": [stand_in]}, **kwargs)
        self.data_js, self.style_js = data_js, style_js

    def render(self, **kwargs):
        name = self.get_name()
        self.get_root().script.add_child(Raw(f"var {name}_data = {self.data_js};"), name=f"{name}_data")
        super().render(**kwargs)


class HeatPoints(Layer):
    """folium's HeatMap with the points as one JSON array made beforehand, in whole micro-degrees
    (see `scaled`) divided in the browser (HeatMap validates each point in Python and dumps
    them through Jinja)."""

    def __init__(self, points: np.ndarray, name: str, **options):
        super().__init__(name=name, overlay=True, control=True, show=True)
        self._name = "HeatMap"
        self.points_js = script_json(np.rint(points * 1e6).astype(np.int64).tolist())
        self.options_js = script_json(options)

    def render(self, **kwargs):
        name = self.get_name()
        self.get_root().script.add_child(
            Raw(
                f"var {name} = L.heatLayer({self.points_js}"
                f".map(function (p) {{ return [p[0] / 1e6, p[1] / 1e6]; }}), {self.options_js});"
            ),
            name=name,
        )
        super().render(**kwargs)


def title_html(text: str, subtitle: str) -> str:
    return (
        f'<div style="position:fixed;top:10px;left:50%;transform:translateX(-50%);z-index:1000;'
        f"background:rgba(255,255,255,.92);padding:4px 14px;border-radius:4px;"
        f'font:bold 16px sans-serif;text-align:center">{html.escape(text)}'
        f'<div style="font:12px sans-serif;color:#444">{html.escape(subtitle)}</div></div>'
    )


def webmap_html(
    conn: Connection, flt: IssueFilter, scheme: str = "fisher_jenks", k: int = 5
) -> str:
    """The HTML page, as text."""
    segments = query.segments(conn, flt)
    points = query.issue_points(conn, flt)
    communities = query.communities(conn, flt.area)
    per_community = segments.groupby("community_id").agg(
        issues=("issue_count", "sum"), km=("length_m", "sum")
    )
    communities["issues"] = communities["id"].map(per_community["issues"]).fillna(0).astype(int)
    communities["km"] = (communities["id"].map(per_community["km"]).fillna(0) / 1000).round(1)
    classes, bins = classify(segments["per_km"].to_numpy(), scheme, k)
    colours = class_colours(len(bins))
    segments["density_class"] = classes
    segments["per_km"] = segments["per_km"].round(2)
    segments["per_km_30d"] = segments["per_km_30d"].round(2)
    segments["length_m"] = segments["length_m"].round(0).astype("Int64")  # whole metres
    # About 0.1 m: enough for a map, and it keeps the page a third smaller.
    communities["geom"] = shapely.set_precision(communities.geometry.values, 1e-6)

    minx, miny, maxx, maxy = communities.total_bounds
    m = offline_map([(miny + maxy) / 2, (minx + maxx) / 2], 13)
    m.fit_bounds([[miny, minx], [maxy, maxx]])
    m.get_root().header.add_child(Raw(f"<script>{LINES_JS}</script>"), name="roadchief_lines")
    GeoJsonText(
        script_json(escaped(communities[["name", "issues", "km", "geom"]], ["name"]).__geo_interface__),
        ["name", "issues", "km"],
        "function () { return {color: '#555', weight: 1, dashArray: '4 3', fillColor: '#f4f1ea', "
        "fillOpacity: 0.6}; }",
        name="社区边界",
        tooltip=folium.GeoJsonTooltip(
            ["name", "issues", "km"], aliases=["社区", "问题数（件）", "道路里程（公里）"]
        ),
    ).add_to(m)
    popup_fields = ["road_name", "segment_id", "issue_count", "length_m", "per_km", "per_km_30d"]
    GeoJsonText(
        "roadchiefLines("
        + line_columns(
            segments,
            [*popup_fields, "density_class"],
            escape=["road_name"],
            hundredths=["per_km", "per_km_30d"],
        )
        + ")",
        popup_fields,
        # The classes' colours, widening with the class; grey and thin without issues.
        "function (feature) { var c = feature.properties.density_class; "
        f"return c >= 0 ? {{color: {script_json(colours)}[c], weight: 2 + c, opacity: 0.9}} "
        f": {{color: '{NO_ISSUE_COLOUR}', weight: 1, opacity: 0.9}}; }}",
        name=f"路段问题密度（{UNIT}）",
        popup=folium.GeoJsonPopup(
            popup_fields,
            aliases=[
                "道路",
                "路段编号",
                "问题数（件）",
                "长度（米）",
                f"密度（{UNIT}）",
                f"密度（{UNIT}/30天）",
            ],
        ),
    ).add_to(m)
    HeatPoints(
        shapely.get_coordinates(points.geometry.values)[:, ::-1],
        name=f"问题热力（{len(points)} 件）",
        minOpacity=0.35,
        maxZoom=18,
        radius=18,
        blur=16,
    ).add_to(m)
    folium.LayerControl(collapsed=False).add_to(m)

    lower = float(segments.loc[classes >= 0, "per_km"].min()) if bins else 0.0
    legend = [(NO_ISSUE_COLOUR, "0（无问题）")]
    for upper, colour in zip(bins, colours, strict=True):
        legend.append((colour, f"{lower:.1f} – {upper:.1f}"))
        lower = upper
    count = "无问题" if len(points) == 0 else f"问题 {len(points)} 件"
    root = m.get_root()
    root.html.add_child(
        Raw(
            title_html(
                f"{flt.area.place()} 问题密度 {flt.window.label()}",
                f"{count} · 分级：{SCHEMES[scheme][1]}",
            )
        )
    )
    root.html.add_child(Raw(legend_html(f"问题密度（{UNIT}）", legend)))
    root.title = html.escape(f"{flt.area.place()} 问题密度")  # folium writes it unescaped
    return root.render()
