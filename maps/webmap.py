"""The heatmap as one self-contained HTML page (folium): segments coloured by the same density
classes as the PNG, a heat layer of the issue points, community boundaries, layer control, popups.

It must open with no internet: folium links Leaflet, jQuery, Bootstrap and Font Awesome from CDNs
and has no basemap without tiles. So the map gets no tile layer (the community boundaries are the
base), folium's CDN links are dropped, and Leaflet and Leaflet.heat, vendored from their npm
packages under maps/static/vendor, are inlined, with the CSS images as data: URIs. Nothing here
needs jQuery or Bootstrap.
"""

import base64
import html
from pathlib import Path

import folium
import numpy as np
import shapely
from folium.plugins import HeatMap
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
    m.get_root().header.add_child(folium.Element(vendored_head()), name="vendor", index=0)
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


def line_features(frame, columns: list[str], escape: list[str]) -> dict:
    """LineStrings and their `columns` as a GeoJSON FeatureCollection, built column by column
    with coordinates rounded to 1e-6 degrees (about 0.1 m, as shapely.set_precision would);
    geopandas' __geo_interface__ walks the rows in Python (3 s for 15,000 segments). The
    `escape` columns are HTML-escaped, as `escaped` does."""
    coords, index = shapely.get_coordinates(frame.geometry.values, return_index=True)
    vertices = np.round(coords, 6).tolist()
    bounds = np.searchsorted(index, np.arange(len(frame) + 1))
    values = [plain(frame[c], c in escape) for c in columns]
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "id": str(number),
                "type": "Feature",
                "properties": dict(zip(columns, row, strict=True)),
                "geometry": {"type": "LineString", "coordinates": vertices[start:end]},
            }
            for number, start, end, *row in zip(
                range(len(frame)), bounds[:-1], bounds[1:], *values, strict=True
            )
        ],
    }


def plain(column, escape: bool = False) -> list:
    """A column as JSON-ready Python values: NaN and None as None, text escaped if asked."""
    values = column.astype(object).where(column.notna(), None).tolist()
    if not escape:
        return values
    return [v if v is None else html.escape(str(v)) for v in values]


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
    segments["colour"] = [colours[c] if c >= 0 else NO_ISSUE_COLOUR for c in classes]
    segments["weight"] = [2 + c if c >= 0 else 1 for c in classes]
    segments["per_km"] = segments["per_km"].round(2)
    segments["per_km_30d"] = segments["per_km_30d"].round(2)
    segments["length_m"] = segments["length_m"].round(0)
    # About 0.1 m: enough for a map, and it keeps the page a third smaller.
    communities["geom"] = shapely.set_precision(communities.geometry.values, 1e-6)

    minx, miny, maxx, maxy = communities.total_bounds
    m = offline_map([(miny + maxy) / 2, (minx + maxx) / 2], 13)
    m.fit_bounds([[miny, minx], [maxy, maxx]])
    folium.GeoJson(
        escaped(communities[["name", "issues", "km", "geom"]], ["name"]),
        name="社区边界",
        style_function=lambda f: {
            "color": "#555",
            "weight": 1,
            "dashArray": "4 3",
            "fillColor": "#f4f1ea",
            "fillOpacity": 0.6,
        },
        tooltip=folium.GeoJsonTooltip(
            ["name", "issues", "km"], aliases=["社区", "问题数（件）", "道路里程（公里）"]
        ),
    ).add_to(m)
    folium.GeoJson(
        line_features(
            segments,
            ["segment_id", "road_name", "issue_count", "length_m", "per_km", "per_km_30d",
             "colour", "weight"],
            escape=["road_name"],
        ),
        name=f"路段问题密度（{UNIT}）",
        style_function=lambda f: {
            "color": f["properties"]["colour"],
            "weight": f["properties"]["weight"],
            "opacity": 0.9,
        },
        popup=folium.GeoJsonPopup(
            ["road_name", "segment_id", "issue_count", "length_m", "per_km", "per_km_30d"],
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
    heat = HeatMap(
        shapely.get_coordinates(points.geometry.values)[:, ::-1].tolist(),
        name=f"问题热力（{len(points)} 件）",
        radius=18,
        blur=16,
        min_opacity=0.35,
    )
    heat.default_js = []  # leaflet-heat.js is inlined with Leaflet
    heat.add_to(m)
    folium.LayerControl(collapsed=False).add_to(m)

    lower = float(segments.loc[classes >= 0, "per_km"].min()) if bins else 0.0
    legend = [(NO_ISSUE_COLOUR, "0（无问题）")]
    for upper, colour in zip(bins, colours, strict=True):
        legend.append((colour, f"{lower:.1f} – {upper:.1f}"))
        lower = upper
    count = "无问题" if len(points) == 0 else f"问题 {len(points)} 件"
    root = m.get_root()
    root.html.add_child(
        folium.Element(
            title_html(
                f"{flt.area.place()} 问题密度 {flt.window.label()}",
                f"{count} · 分级：{SCHEMES[scheme][1]}",
            )
        )
    )
    root.html.add_child(folium.Element(legend_html(f"问题密度（{UNIT}）", legend)))
    root.title = html.escape(f"{flt.area.place()} 问题密度")  # folium writes it unescaped
    return root.render()
