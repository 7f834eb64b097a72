"""The heatmap as PNG / PDF: size, content, colours of the classes, filters, the empty window."""

import io

import numpy as np
import pandas as pd
import pytest
from PIL import Image
from pypdf import PdfReader

from maps.heatmap import HeatmapOptions, build_figure, load, render
from roads.areas import resolve_area
from roads.issues.filter import IssueFilter
from roads.issues.window import parse_week, parse_window

WEEK = "2026-W47"  # 16-22 November 2026; the demo ledger ends on the 20th


def decode(data: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))


def rgb(hex_colour: str) -> np.ndarray:
    return np.array([int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)])


def test_screen_png_from_the_api_decodes_at_its_size_and_is_not_blank(client):
    response = client.get(
        "/api/exports/heatmap.png",
        params={"from": "2026-11-16", "to": "2026-11-22", "size": "screen"},
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "image/png"
    assert (
        'filename="heatmap-district-20261116-20261122.png"'
        in response.headers["content-disposition"]
    )
    pixels = decode(response.content)
    assert pixels.shape == (1131, 1600, 3)
    not_white = (pixels < 245).any(axis=2).mean()
    assert 0.05 < not_white < 0.9
    assert len(np.unique(pixels.reshape(-1, 3), axis=0)) > 50


def test_print_png_is_a4_at_300_dpi(conn):
    flt = IssueFilter(parse_week(WEEK), area=resolve_area(conn, sub_district_id=2))
    options = HeatmapOptions(size="a4", view="segments", sites=False, resettlement=False)
    fig, _info = build_figure(load(conn, flt, options), options)
    assert decode(render(fig, "png")).shape == (2480, 3508, 3)


def test_segment_colours_are_the_class_colours(conn):
    options = HeatmapOptions(
        size="screen",
        view="segments",
        names=False,
        sites=False,
        resettlement=False,
        scheme="quantiles",
        k=4,
    )
    data = load(conn, IssueFilter(parse_week(WEEK)), options)
    fig, info = build_figure(data, options)
    pixels = decode(render(fig, "png"))
    drawn = [c for c in info.classes if c.count]
    assert len(drawn) == 4
    for cls in drawn:  # every class with segments shows in its own colour
        assert (np.abs(pixels.astype(int) - rgb(cls.colour)).sum(axis=2) < 6).sum() > 20
    # The segment with the highest density is drawn in the top class's colour.
    top = data.segments.loc[data.segments["per_km"].idxmax()]
    mid = top.geom.interpolate(0.5, normalized=True)
    x, y = info.segment_axes.transData.transform((mid.x, mid.y))
    row, col = int(round(pixels.shape[0] - y)), int(round(x))
    window = pixels[row - 2 : row + 3, col - 2 : col + 3].astype(int)
    assert (np.abs(window - rgb(drawn[-1].colour)).sum(axis=2) < 12).any()


def test_filters_change_what_is_drawn(conn):
    options = HeatmapOptions(size="screen", view="segments")
    everything = load(conn, IssueFilter(parse_week(WEEK)), options)
    community = resolve_area(conn, community_id=int(everything.segments["community_id"].iloc[0]))
    one_place = load(conn, IssueFilter(parse_week(WEEK), area=community), options)
    one_task = load(conn, IssueFilter(parse_week(WEEK), categories=("T03",)), options)
    assert set(one_place.segments["community_id"]) == {community.community_id}
    assert len(one_place.communities) == 1
    assert 0 < one_task.issue_count < everything.issue_count
    first = decode(render(build_figure(everything, options)[0], "png"))
    second = decode(render(build_figure(one_task, options)[0], "png"))
    assert (first != second).any(axis=2).sum() > 500


def test_an_empty_window_says_no_issues(conn, client):
    options = HeatmapOptions(size="screen")
    data = load(conn, IssueFilter(parse_window("2025-01-01", "2025-01-07")), options)
    assert data.issue_count == 0
    fig, info = build_figure(data, options)
    assert "无问题" in [t.get_text() for t in info.segment_axes.texts]
    assert "无问题" in [t.get_text() for t in info.kde_axes.texts]
    assert decode(render(fig, "png")).shape == (1131, 1600, 3)
    response = client.get(
        "/api/exports/heatmap.pdf", params={"from": "2025-01-01", "to": "2025-01-07"}
    )
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")


def test_pdf_is_one_a4_landscape_page(client):
    response = client.get(
        "/api/exports/heatmap.pdf",
        params={"from": "2026-11-16", "to": "2026-11-22", "view": "segments"},
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    pdf = PdfReader(io.BytesIO(response.content))
    assert len(pdf.pages) == 1
    box = pdf.pages[0].mediabox
    assert (round(float(box.width) / 72 * 25.4), round(float(box.height) / 72 * 25.4)) == (297, 210)
    assert "问题密度" in pdf.metadata.title


@pytest.mark.parametrize(
    "path, params, status, message",
    [
        ("/api/exports/heatmap.png", {"community_id": 99999}, 404, "community"),
        ("/api/exports/heatmap.png", {"sub_district_id": 99999}, 404, "sub-district"),
        ("/api/exports/heatmap.png", {"scheme": "astrology"}, 422, "scheme"),
        ("/api/exports/heatmap.png", {"size": "poster"}, 422, "size"),
        ("/api/exports/heatmap.png", {"from": "2026-11-20", "to": "2026-11-01"}, 422, "backwards"),
        ("/api/exports/heatmap.png", {"category": "X1"}, 422, "X1"),
        ("/api/exports/heatmap.gif", {}, 404, "gif"),
        ("/api/exports/rankings.xlsx", {"to": "someday"}, 422, "to"),
    ],
)
def test_bad_requests_are_refused_clearly(client, path, params, status, message):
    response = client.get(path, params=params)
    assert response.status_code == status
    assert message in response.json()["error"]


def mean_density_per_segment(pieces) -> pd.Series:
    return pd.Series(pieces.density).groupby(pieces.segment_id).mean()


def test_the_heatmap_is_measured_in_the_districts_projection_and_the_demo_picture_holds(conn):
    """The demo's EPSG:4547 instead of UTM zone 49N: the classes come from SQL lengths and do not
    move; the kernel densities agree within 0.5% (the two projections' scales differ by ~0.04%)."""
    from maps.network_kde import network_density

    flt = IssueFilter(parse_week(WEEK))
    data = load(conn, flt, HeatmapOptions(view="both"))
    assert data.segments.crs.to_epsg() == 4547 and data.communities.crs.to_epsg() == 4547
    utm = data.segments.to_crs(data.segments.estimate_utm_crs())
    before = mean_density_per_segment(network_density(conn, flt, utm))
    after = mean_density_per_segment(data.pieces)
    assert before.index.equals(after.index) and after.max() > 0
    hot = before > 0.05 * before.max()
    assert (abs(after[hot] - before[hot]) / before[hot]).max() < 0.005
