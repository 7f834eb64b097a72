"""Map furniture shared by the exports: boundaries and names, overlays, scale bar, north arrow.
Axes are in the district's metric CRS (district.epsg), so the scale bar is plain arithmetic."""

import math

import geopandas as gpd
import numpy as np
import shapely
from matplotlib.axes import Axes
from matplotlib.collections import PathCollection
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrow, Patch, Rectangle
from matplotlib.path import Path

BOUNDARY = "#6b6b6b"
NAME_COLOUR = "#3a3a3a"
SITE_COLOUR = "#7b3fa0"
POINT_COLOUR = "#1f5fbf"
NO_ISSUE_COLOUR = "#d9d9d9"


CHUNK = 5_000  # lines per path: Agg gives up on a single path of too many cells


def draw_lines(ax: Axes, geoms, colors, linewidths: float, **style) -> PathCollection | None:
    """LineStrings in one colour and width as one collection of a few compound paths.
    matplotlib's LineCollection makes a Path object per line (4 s for 400,000 road pieces);
    here the coordinates go from shapely to matplotlib as one array. Lines coloured by a value:
    draw_graded_lines."""
    coords, index = shapely.get_coordinates(np.asarray(geoms), return_index=True)
    if len(coords) == 0:
        return None
    starts = np.concatenate([[0], np.flatnonzero(np.diff(index)) + 1])
    return add_paths(ax, [line_paths(coords, starts)], [colors], [linewidths], **style)


def draw_graded_lines(
    ax: Axes, lines: np.ndarray, grade: np.ndarray, colours, widths, **style
) -> PathCollection | None:
    """Lines of equally many vertices, `lines` (n, k, 2), drawn in colours[g] and widths[g] by
    their `grade` g, higher grades on top: one collection whatever the number of lines."""
    if len(lines) == 0:
        return None
    order = np.argsort(grade, kind="stable")
    grades, first = np.unique(grade[order], return_index=True)
    groups = np.split(lines[order], first[1:])
    per_line = lines.shape[1]
    paths = [
        line_paths(group.reshape(-1, 2), np.arange(len(group)) * per_line) for group in groups
    ]
    return add_paths(ax, paths, [colours[g] for g in grades], [widths[g] for g in grades], **style)


def line_paths(coords: np.ndarray, starts: np.ndarray) -> list[Path]:
    """Compound paths (a MOVETO at each line's first vertex), CHUNK lines a path."""
    codes = np.full(len(coords), Path.LINETO, dtype=Path.code_type)
    codes[starts] = Path.MOVETO
    cuts = starts[CHUNK::CHUNK]
    return [
        Path(vertices, kinds)
        for vertices, kinds in zip(np.split(coords, cuts), np.split(codes, cuts), strict=True)
    ]


def add_paths(ax: Axes, groups: list[list[Path]], colours: list, widths: list, **style):
    """One collection: each group's paths stroked in its colour and width, in order."""
    paths = [path for group in groups for path in group]
    edge = [colour for group, colour in zip(groups, colours, strict=True) for _ in group]
    width = [w for group, w in zip(groups, widths, strict=True) for _ in group]
    for path in paths:
        path.should_simplify = False  # the same vertices as a line-by-line drawing
    collection = PathCollection(
        paths, facecolors="none", edgecolors=edge, linewidths=width, **style
    )
    collection.set_transform(ax.transData)
    ax.add_collection(collection, autolim=False)
    return collection


def prepare_axes(ax: Axes, frame: gpd.GeoDataFrame, pad: float = 0.03) -> None:
    minx, miny, maxx, maxy = frame.total_bounds
    dx, dy = (maxx - minx) * pad, (maxy - miny) * pad
    ax.set_xlim(minx - dx, maxx + dx)
    ax.set_ylim(miny - dy, maxy + dy)
    ax.set_aspect("equal", adjustable="box")
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_edgecolor("#999999")
        spine.set_linewidth(0.6)


def draw_boundaries(
    ax: Axes,
    communities: gpd.GeoDataFrame,
    sub_districts: gpd.GeoDataFrame,
    names: bool = True,
    name_size: float = 4.5,
) -> None:
    communities.boundary.plot(ax=ax, color=BOUNDARY, linewidth=0.3, linestyle=(0, (3, 2)), zorder=2)
    sub_districts.boundary.plot(ax=ax, color="#444444", linewidth=0.8, zorder=2)
    if not names:
        return
    for row in communities.itertuples():
        anchor = row.geom.representative_point()
        ax.annotate(
            row.name,
            (anchor.x, anchor.y),
            ha="center",
            va="center",
            fontsize=name_size,
            color=NAME_COLOUR,
            zorder=6,
            annotation_clip=True,
            bbox={"boxstyle": "round,pad=0.12", "fc": "white", "ec": "none", "alpha": 0.55},
        )


def draw_overlays(
    ax: Axes,
    sites: gpd.GeoDataFrame | None,
    points: gpd.GeoDataFrame | None,
    marker_size: float = 10,
) -> list:
    """Construction sites (outlined) and resettlement points (triangles); legend handles."""
    handles = []
    if sites is not None and len(sites):
        sites.plot(
            ax=ax, facecolor="none", edgecolor=SITE_COLOUR, linewidth=0.5, hatch="////", zorder=4
        )
        handles.append(
            Patch(
                facecolor="none",
                edgecolor=SITE_COLOUR,
                hatch="////",
                label=f"施工工地（{len(sites)}）",
            )
        )
    if points is not None and len(points):
        points.plot(ax=ax, marker="^", color=POINT_COLOUR, markersize=marker_size, zorder=7)
        handles.append(
            Line2D(
                [],
                [],
                marker="^",
                color=POINT_COLOUR,
                linestyle="none",
                label=f"群众临时安置点（{len(points)}）",
            )
        )
    return handles


def nice_length(target_m: float) -> float:
    """The largest 1, 2 or 5 × 10^n metres not above target."""
    exponent = math.floor(math.log10(max(target_m, 1)))
    for step in (5, 2, 1):
        if step * 10**exponent <= target_m:
            return step * 10**exponent
    return 10**exponent


def draw_scale_bar(ax: Axes, fontsize: float = 6) -> float:
    """A two-part black/white bar in the lower left, a fifth of the map wide; returns its metres."""
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    length = nice_length((x1 - x0) / 5)
    height = (y1 - y0) * 0.008
    left, bottom = x0 + (x1 - x0) * 0.04, y0 + (y1 - y0) * 0.04
    for part in range(2):
        ax.add_patch(
            Rectangle(
                (left + part * length / 2, bottom),
                length / 2,
                height,
                zorder=9,
                facecolor="black" if part == 0 else "white",
                edgecolor="black",
                linewidth=0.5,
            )
        )
    unit, scale = ("公里", 1000) if length >= 1000 else ("米", 1)
    for fraction in (0, 0.5, 1):
        value = length * fraction / scale
        ax.text(
            left + length * fraction,
            bottom + height * 1.8,
            f"{value:g}",
            ha="center",
            va="bottom",
            fontsize=fontsize,
            zorder=9,
        )
    ax.text(
        left + length + (x1 - x0) * 0.01,
        bottom,
        unit,
        ha="left",
        va="bottom",
        fontsize=fontsize,
        zorder=9,
    )
    return length


def draw_north_arrow(ax: Axes, fontsize: float = 8) -> None:
    """An arrow and 北 in the upper right: grid north of the district's projection, within a degree
    of true north near its central meridian (the demo's EPSG:4547, CM 114°E, at 113.7°E: 0.2°)."""
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    x, top = x1 - (x1 - x0) * 0.05, y1 - (y1 - y0) * 0.05
    length = (y1 - y0) * 0.07
    ax.add_patch(
        Rectangle(
            (0.925, 0.855),
            0.06,
            0.135,
            transform=ax.transAxes,
            zorder=8.5,
            facecolor="white",
            edgecolor="none",
            alpha=0.85,
        )
    )
    ax.add_patch(
        FancyArrow(
            x,
            top - length,
            0,
            length * 0.8,
            width=(x1 - x0) * 0.006,
            head_width=(x1 - x0) * 0.022,
            head_length=length * 0.35,
            length_includes_head=True,
            color="black",
            zorder=9,
        )
    )
    ax.text(
        x,
        top + (y1 - y0) * 0.005,
        "北",
        ha="center",
        va="bottom",
        fontsize=fontsize,
        fontweight="bold",
        zorder=9,
    )


def no_issues_stamp(ax: Axes, fontsize: float = 28) -> None:
    ax.text(
        0.5,
        0.5,
        "无问题",
        transform=ax.transAxes,
        ha="center",
        va="center",
        fontsize=fontsize,
        color="#2e7d32",
        fontweight="bold",
        zorder=10,
        bbox={"boxstyle": "round,pad=0.4", "fc": "white", "ec": "#2e7d32", "alpha": 0.9},
    )
