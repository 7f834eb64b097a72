"""The heatmap's fast paths against the code they replaced, kept here as the reference: on the
demo district the kernel density has the same values within floating error, and the picture the
same pixels up to anti-aliasing at the edges of overlapping lines (tolerances stated below)."""

import io

import numpy as np
import pytest
import shapely
from matplotlib.collections import LineCollection
from matplotlib.colors import Normalize
from PIL import Image

from maps import cartography as carto
from maps import heatmap
from maps.heatmap import HeatmapOptions, build_figure, load, render
from maps.network_kde import (
    BANDWIDTH_M,
    DENSITIES,
    PIECES,
    kernel_sums,
    network_density,
    snapped_issue_points,
)
from roads.issues.filter import IssueFilter
from roads.issues.window import parse_week

WEEK = "2026-W47"


def reference_pieces(segments):
    """Pieces as they were cut before: GEOS interpolation along each repeated line."""
    lengths = shapely.length(segments.geometry.values)
    counts = np.maximum(1, np.ceil(lengths / 25.0)).astype(int)
    owner = np.repeat(np.arange(len(segments)), counts)
    number = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    lines, total = np.asarray(segments.geometry.values)[owner], counts[owner]
    stops = [
        shapely.get_coordinates(
            shapely.line_interpolate_point(lines, (number + f) / total, normalized=True)
        )
        for f in (0.0, 0.5, 1.0)
    ]
    return segments["segment_id"].to_numpy()[owner], lengths[owner] / total, np.stack(stops, 1)


def reference_density(piece_xy, piece_km, issue_xy, bandwidth=BANDWIDTH_M):
    """The density as it was computed: both kernel sums for every export, nothing kept."""
    density = np.zeros(len(piece_xy))
    weight = kernel_sums(piece_xy, issue_xy, np.ones(len(issue_xy)), bandwidth)
    hot = np.flatnonzero(weight > 0)
    density[hot] = weight[hot] / kernel_sums(piece_xy[hot], piece_xy, piece_km, bandwidth)
    return density


def reference_draw_lines(ax, geoms, **style):
    """One LineCollection of one Path per line."""
    geoms = np.asarray(geoms)
    if len(geoms) == 0:
        return None
    coords, index = shapely.get_coordinates(geoms, return_index=True)
    collection = LineCollection(np.split(coords, np.flatnonzero(np.diff(index)) + 1), **style)
    ax.add_collection(collection, autolim=False)
    return collection


def reference_draw_kde(ax, data, scale):
    """The density pieces one line each, coloured and widened piece by piece."""
    pieces = data.pieces
    reference_draw_lines(
        ax, data.segments.geometry, colors=carto.NO_ISSUE_COLOUR, linewidths=0.35 * scale, zorder=3
    )
    positive = pieces.density > 0
    order = np.argsort(pieces.density[positive], kind="stable")
    density = pieces.density[positive][order]
    vmax = float(np.percentile(density, 98)) or float(density.max())
    reference_draw_lines(
        ax,
        shapely.linestrings(pieces.lines[positive][order]),
        array=density,
        cmap=heatmap.KDE_CMAP,
        norm=Normalize(0, vmax),
        linewidths=(0.6 + 1.6 * np.clip(density / vmax, 0, 1)) * scale,
        zorder=3.01,
    )
    heatmap.draw_kde_legend(ax, Normalize(0, vmax), vmax)


def decode(data: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB")).astype(int)


@pytest.fixture
def flt():
    return IssueFilter(parse_week(WEEK))


def test_the_density_has_the_reference_values_and_a_second_export_reuses_the_road_sums(conn, flt):
    segments = load(conn, flt, HeatmapOptions(view="segments")).segments
    PIECES.clear()
    DENSITIES.clear()
    first = network_density(conn, flt, segments)
    second = network_density(conn, flt, segments)
    owner, length_m, lines = reference_pieces(segments)
    issues = snapped_issue_points(conn, flt).to_crs(segments.crs)
    expected = reference_density(
        lines[:, 1, :], length_m / 1000, shapely.get_coordinates(issues.geometry.values)
    )
    assert (first.segment_id == owner).all()
    assert first.lines == pytest.approx(lines, abs=1e-6)  # metres
    assert first.density == pytest.approx(expected, rel=1e-9, abs=1e-9)
    assert (expected > 0).sum() > 1000
    assert second.lines is first.lines  # cut once, and the road sums kept with them
    assert second.density == pytest.approx(expected, rel=1e-9, abs=1e-9)


def test_the_same_window_again_reuses_its_density_and_a_changed_issue_does_not(conn, flt):
    from sqlalchemy import text

    segments = load(conn, flt, HeatmapOptions(view="segments")).segments
    DENSITIES.clear()
    first = network_density(conn, flt, segments)
    assert network_density(conn, flt, segments).density is first.density  # summed once
    moved = conn.execute(text("""
        UPDATE issue SET reported_at = reported_at - interval '30 days'
        WHERE id = (SELECT min(id) FROM issue
                    WHERE segment_id IS NOT NULL AND reported_at >= :from_ts AND reported_at < :to_ts)
    """), flt.params()).rowcount
    assert moved == 1
    after = network_density(conn, flt, segments)  # one issue fewer in the week
    assert after.density is not first.density
    assert after.density.sum() < first.density.sum()


def test_a_changed_segment_is_a_new_network(conn, flt):
    segments = load(conn, flt, HeatmapOptions(view="segments")).segments
    before = PIECES.get(segments)
    moved = segments.copy()
    moved.loc[moved.index[0], "geom"] = shapely.affinity.translate(moved.geom.iloc[0], 30, 0)
    assert PIECES.get(moved).lines is not before.lines
    assert PIECES.get(segments).lines is before.lines


@pytest.mark.parametrize("size", ["screen", "a4"])
def test_the_picture_has_the_reference_pixels(conn, flt, monkeypatch, size):
    options = HeatmapOptions(size=size)
    data = load(conn, flt, options)
    fast = decode(render(build_figure(data, options)[0], "png"))
    monkeypatch.setattr(carto, "draw_lines", reference_draw_lines)
    monkeypatch.setattr(heatmap, "draw_kde", reference_draw_kde)
    slow = decode(render(build_figure(data, options)[0], "png"))
    difference = np.abs(fast - slow).max(axis=2)
    # Tolerance: where lines overlap, one compound path is anti-aliased once where separate
    # lines blend twice, and a colour group is as wide as its mean density (within 1/256 of
    # the width range); anything else (a colour, a missing line) would move far more pixels.
    assert (difference > 64).mean() < 0.0005
    assert difference.mean() < 0.3


def test_another_process_reads_the_road_sums_from_the_export_cache(conn, flt, monkeypatch):
    from sqlalchemy import text

    from maps import network_kde

    segments = load(conn, flt, HeatmapOptions(view="segments")).segments
    PIECES.clear()
    DENSITIES.clear()
    first = network_density(conn, flt, segments)
    key = network_kde.road_km_key(first, BANDWIDTH_M)
    stored = conn.execute(
        text("SELECT count(*) FROM public.export_cache WHERE key = :key"), {"key": key}
    ).scalar()
    assert stored == 1
    PIECES.clear()  # as in a fresh worker
    DENSITIES.clear()

    def no_summing(*args):
        raise AssertionError("the road sums should come from export_cache")

    monkeypatch.setattr(network_kde, "self_kernel_sums", no_summing)
    again = network_density(conn, flt, segments)
    assert again.density == pytest.approx(first.density, rel=1e-12)
