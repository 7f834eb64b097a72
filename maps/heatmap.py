"""The issue-density heatmap (PNG / PDF): per-segment classes beside a kernel density along the
roads, with boundaries, names, overlays, legend, scale bar, north arrow and a footer.

A4 landscape: 3508 x 2480 px at 300 dpi for print; `screen` is the same layout at 1600 px wide.
"""

import io
from dataclasses import dataclass, field
from datetime import datetime

import geopandas as gpd
import numpy as np
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.cm import ScalarMappable
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle
from PIL import Image
from PIL.PngImagePlugin import PngInfo
from sqlalchemy import Connection

from maps import cartography as carto
from maps import query
from maps.classes import SCHEMES, class_colours, classify
from maps.fonts import use_cjk_font
from maps.network_kde import BANDWIDTH_M, PIECE_M, network_density
from maps.summary import draw_summary
from roads.district import UNNAMED, District, get_district
from roads.errors import InvalidInput
from roads.issues.filter import IssueFilter

A4_INCHES = (297 / 25.4, 210 / 25.4)
SIZES = {"a4": 3508, "screen": 1600}  # pixel widths; heights follow the A4 ratio
VIEWS = ("both", "segments", "kde")
UNIT = "件/公里"
KDE_CMAP = "inferno_r"


@dataclass(frozen=True)
class HeatmapOptions:
    scheme: str = "fisher_jenks"
    k: int = 5
    size: str = "a4"
    view: str = "both"
    sites: bool = True
    resettlement: bool = True
    names: bool = True

    def check(self) -> None:
        if self.scheme not in SCHEMES:
            raise InvalidInput(
                f"scheme must be one of {', '.join(SCHEMES)}, not {self.scheme!r}",
                f"分级方法须为以下之一：{'、'.join(SCHEMES)}"
            )
        if not 2 <= self.k <= 9:
            raise InvalidInput(f"k (number of classes) must be 2 to 9, not {self.k}",
                                     f"分级数须为 2 到 9，不能是 {self.k}")
        if self.size not in SIZES:
            raise InvalidInput(f"size must be one of {', '.join(SIZES)}, not {self.size!r}",
                                     f"图幅须为以下之一：{'、'.join(SIZES)}")
        if self.view not in VIEWS:
            raise InvalidInput(f"view must be one of {', '.join(VIEWS)}, not {self.view!r}",
                                     f"显示内容须为以下之一：{'、'.join(VIEWS)}")

    def pixel_size(self) -> tuple[int, int]:
        width = SIZES[self.size]
        return width, round(width * A4_INCHES[1] / A4_INCHES[0])


@dataclass
class HeatmapData:
    flt: IssueFilter
    category_label: str
    data_date: str | None
    segments: gpd.GeoDataFrame
    communities: gpd.GeoDataFrame
    sub_districts: gpd.GeoDataFrame
    sites: gpd.GeoDataFrame | None = None
    resettlement: gpd.GeoDataFrame | None = None
    pieces: gpd.GeoDataFrame | None = None
    top_categories: list[tuple[str, int]] = field(default_factory=list)
    district: District = UNNAMED  # its time zone for the times printed

    @property
    def issue_count(self) -> int:
        return int(self.segments["issue_count"].sum())

    def title(self, subject: str = "问题密度") -> str:
        return f"{self.flt.area.place()} {subject} {self.flt.window.label()}"


@dataclass
class ClassInfo:
    lower: float
    upper: float
    colour: str
    count: int


@dataclass
class HeatmapInfo:
    """What was drawn, for callers and tests: the classes and the axes holding them."""

    classes: list[ClassInfo] = field(default_factory=list)
    segment_axes: Axes | None = None
    kde_axes: Axes | None = None


def district_crs(district: District) -> str:
    """The district's own projection in metres (district.epsg, checked to be projected when set):
    the maps, the scale bar and the kernel density's 200 m are measured in it."""
    return f"EPSG:{district.epsg}"


# Where the class legend may sit: clear of the north arrow (upper right), the scale bar (lower
# left) and the overlays' legend (lower right).
LEGEND_CORNERS = ("upper left", "center left", "center right")


def quiet_corner(ax: Axes, legend, points: np.ndarray) -> str:
    """The corner where `legend` hides the fewest of `points` (the hottest segments' midpoints);
    upper left when it hides none there."""
    ax.apply_aspect()
    box = legend.get_window_extent().transformed(ax.transAxes.inverted())
    w, h = box.width + 0.02, box.height + 0.02
    xy = ax.transAxes.inverted().transform(ax.transData.transform(points)) if len(points) else np.empty((0, 2))

    def hidden(corner: str) -> int:
        x0 = 0.0 if "left" in corner else 1.0 - w
        y0 = 1.0 - h if "upper" in corner else 0.5 - h / 2
        inside = (xy[:, 0] >= x0) & (xy[:, 0] <= x0 + w) & (xy[:, 1] >= y0) & (xy[:, 1] <= y0 + h)
        return int(inside.sum())

    return min(LEGEND_CORNERS, key=hidden)


def load(conn: Connection, flt: IssueFilter, options: HeatmapOptions) -> HeatmapData:
    district = get_district(conn)
    crs = district_crs(district)
    projected = query.segments(conn, flt, crs)
    sites, resettlement = (
        query.overlays(conn, flt.area) if options.sites or options.resettlement else (None, None)
    )
    return HeatmapData(
        flt=flt,
        category_label=query.category_label(conn, flt.categories),
        data_date=query.data_date(conn),
        district=district,
        segments=projected,
        communities=query.communities(conn, flt.area).to_crs(crs),
        sub_districts=query.sub_districts(conn, flt.area).to_crs(crs),
        sites=sites.to_crs(crs) if options.sites and sites is not None else None,
        resettlement=resettlement.to_crs(crs)
        if options.resettlement and resettlement is not None
        else None,
        pieces=network_density(conn, flt, projected) if options.view != "segments" else None,
        top_categories=query.category_counts(conn, flt),
    )


def draw_segment_classes(
    ax: Axes, data: HeatmapData, options: HeatmapOptions, scale: float
) -> list[ClassInfo]:
    segments = data.segments
    classes, bins = classify(segments["per_km"].to_numpy(), options.scheme, options.k)
    zero = segments[classes < 0]
    if len(zero):
        carto.draw_lines(
            ax, zero.geometry, colors=carto.NO_ISSUE_COLOUR, linewidths=0.35 * scale, zorder=3
        )
    info, handles = (
        [],
        [
            Line2D(
                [],
                [],
                color=carto.NO_ISSUE_COLOUR,
                linewidth=1.2,
                label=f"0（无问题，{len(zero)} 段）",
            )
        ],
    )
    colours = class_colours(len(bins))
    lower = float(segments.loc[classes >= 0, "per_km"].min()) if len(bins) else 0.0
    for number, (upper, colour) in enumerate(zip(bins, colours, strict=True)):
        members = segments[classes == number]
        width = (0.7 + 0.45 * number) * scale
        if len(members):
            carto.draw_lines(
                ax,
                members.geometry,
                colors=colour,
                linewidths=width,
                zorder=3 + number * 0.01,
                capstyle="round",
            )
        info.append(ClassInfo(lower, upper, colour, len(members)))
        handles.append(
            Line2D(
                [],
                [],
                color=colour,
                linewidth=0.7 + 0.45 * number,
                label=f"{lower:.1f} – {upper:.1f}（{len(members)} 段）",
            )
        )
        lower = upper
    legend = ax.legend(
        handles=handles,
        title=f"问题密度（{UNIT}）",
        loc="upper left",
        fontsize=5.5,
        title_fontsize=6.5,
        frameon=True,
        framealpha=0.85,
    )
    legend.set_zorder(11)
    # The legend must not hide the places it is about: the two hottest classes' segments.
    hot = segments[classes >= max(0, len(bins) - 2)].geometry.interpolate(0.5, normalized=True)
    legend.set_loc(quiet_corner(ax, legend, np.column_stack([hot.x, hot.y]) if len(hot) else np.empty((0, 2))))
    return info


def draw_kde(ax: Axes, data: HeatmapData, scale: float) -> None:
    pieces = data.pieces
    positive = pieces.density > 0
    # Quiet roads drawn as whole segments underneath: the same picture as their pieces, fewer lines.
    carto.draw_lines(
        ax, data.segments.geometry, colors=carto.NO_ISSUE_COLOUR, linewidths=0.35 * scale, zorder=3
    )
    if positive.any():
        density = pieces.density[positive]
        vmax = float(np.percentile(density, 98)) or float(density.max())
        norm = Normalize(0, vmax)
        cmap = colormaps[KDE_CMAP]
        # The colour map has cmap.N colours: one group of pieces per colour (as matplotlib
        # picks a colour for a value), each drawn as wide as its mean density says.
        grade = np.minimum((norm(density).filled(0) * cmap.N).astype(int), cmap.N - 1)
        mean = np.bincount(grade, density, cmap.N) / np.maximum(np.bincount(grade, None, cmap.N), 1)
        carto.draw_graded_lines(
            ax,
            # Start to end: a 25 m piece is a pixel or two long even at 300 dpi, its middle
            # vertex (where its density is taken) changes no pixel and costs Agg a third more.
            pieces.lines[positive][:, ::2],
            grade,
            colours=cmap(np.arange(cmap.N)),
            widths=(0.6 + 1.6 * np.clip(mean / vmax, 0, 1)) * scale,
            zorder=3.01,
            # Thousands of 25 m paths: raster (at the figure's dpi) inside the vector PDF.
            rasterized=True,
        )
        draw_kde_legend(ax, norm, vmax)


def draw_kde_legend(ax: Axes, norm: Normalize, vmax: float) -> None:
    """The colour bar of the density, on a white box in the upper left."""
    ax.add_patch(
        Rectangle(
            (0.02, 0.855),
            0.42,
            0.13,
            transform=ax.transAxes,
            zorder=11,
            facecolor="white",
            edgecolor="#cccccc",
            linewidth=0.4,
            alpha=0.9,
        )
    )
    bar_ax = ax.inset_axes([0.05, 0.90, 0.35, 0.022])
    bar_ax.set_zorder(12)
    bar = ax.figure.colorbar(
        ScalarMappable(norm=norm, cmap=KDE_CMAP), cax=bar_ax, orientation="horizontal"
    )
    bar.ax.tick_params(labelsize=5, length=2, pad=1)
    bar.set_label(f"沿路网核密度（{UNIT}，≥{vmax:.1f} 同色）", fontsize=6, labelpad=2)
    bar.ax.xaxis.set_label_position("top")


def draw_panel(
    ax: Axes, data: HeatmapData, options: HeatmapOptions, kind: str, scale: float
) -> list[ClassInfo]:
    frame = data.communities if len(data.communities) else data.segments
    carto.prepare_axes(ax, frame)
    ax.set_facecolor("#fbfbf8")
    carto.draw_boundaries(
        ax,
        data.communities,
        data.sub_districts,
        names=options.names,
        name_size=4.5 if data.flt.area.kind == "district" else 6.5,
    )
    info = []
    if kind == "segments":
        info = draw_segment_classes(ax, data, options, scale)
        ax.set_title("按路段分级", fontsize=9, loc="left", pad=3)
    else:
        draw_kde(ax, data, scale)
        ax.set_title(
            f"沿路网核密度（{PIECE_M:g} 米路段片，带宽 {BANDWIDTH_M:g} 米）",
            fontsize=9,
            loc="left",
            pad=3,
        )
    handles = carto.draw_overlays(ax, data.sites, data.resettlement, marker_size=6 * scale)
    if handles:
        existing = ax.get_legend()
        if existing is not None:
            ax.add_artist(existing)  # a second ax.legend() would replace the class legend
        ax.legend(handles=handles, loc="lower right", fontsize=5.5, framealpha=0.85).set_zorder(11)
    ax.set_xlabel("")
    ax.set_ylabel("")
    carto.draw_scale_bar(ax)
    carto.draw_north_arrow(ax)
    if data.issue_count == 0:
        carto.no_issues_stamp(ax)
    return info


def build_figure(data: HeatmapData, options: HeatmapOptions) -> tuple[Figure, HeatmapInfo]:
    use_cjk_font()
    width, _height = options.pixel_size()
    fig = Figure(figsize=A4_INCHES, dpi=width / A4_INCHES[0])
    info = HeatmapInfo()
    views = ["segments", "kde"] if options.view == "both" else [options.view]
    boxes, summary = layout(data, len(views))
    for kind, box in zip(views, boxes, strict=True):
        ax = fig.add_axes(box)
        drawn = draw_panel(ax, data, options, kind, scale=1.0 if len(views) == 2 else 1.4)
        if kind == "segments":
            info.classes, info.segment_axes = drawn, ax
        else:
            info.kde_axes = ax
    if summary:
        draw_summary(fig, summary, data)
    decorate(fig, data, options)
    return fig, info


def layout(data: HeatmapData, panels: int) -> tuple[list[list[float]], list[float] | None]:
    """Map boxes (figure fractions) under the title; when two maps side by side leave more than
    a fifth of the page free below them (a wide area), a summary strip goes there."""
    top, bottom = 0.875, 0.085
    if panels == 1:
        return [[0.06, bottom, 0.88, top - bottom]], None
    frame = data.communities if len(data.communities) else data.segments
    minx, miny, maxx, maxy = frame.total_bounds
    aspect = (maxx - minx) / (maxy - miny) if maxy > miny else 1.0
    map_height = 0.484 * A4_INCHES[0] / aspect / A4_INCHES[1] * 1.02
    if top - bottom - map_height < 0.2:
        return [[0.012, bottom, 0.484, top - bottom], [0.504, bottom, 0.484, top - bottom]], None
    base = top - map_height
    return (
        [[0.012, base, 0.484, map_height], [0.504, base, 0.484, map_height]],
        [0.012, bottom, 0.976, base - bottom - 0.045],
    )


def decorate(fig: Figure, data: HeatmapData, options: HeatmapOptions) -> None:
    fig.text(0.5, 0.955, data.title(), ha="center", va="center", fontsize=17, fontweight="bold")
    subtitle = (
        f"类别：{data.category_label}　　分级方法：{SCHEMES[options.scheme][1]}，{options.k} 级"
        f"　　单位：{UNIT}（统计期内）"
    )
    fig.text(0.5, 0.915, subtitle, ha="center", va="center", fontsize=8.5, color="#444444")
    km = data.segments["length_m"].sum() / 1000
    count = (
        "无问题" if data.issue_count == 0 else f"统计问题 {data.issue_count:,} 件（已匹配到路段）"
    )
    footer = (
        f"数据截至 {data.data_date or '—'}　　{count}　　路段 {len(data.segments):,} 个，"
        f"{km:,.1f} 公里　　坐标系 EPSG:{data.district.epsg}　　制图：路长制 GIS（roadchief），"
        f"{datetime.now(data.district.zone):%Y-%m-%d %H:%M} 生成"
    )
    fig.text(0.5, 0.04, footer, ha="center", va="center", fontsize=7, color="#333333")


PNG_COMPRESS_LEVEL = 3  # zlib: at A4 300 dpi 0.4 s where matplotlib's 6 takes 1.1 s, and smaller as RGB


def render(fig: Figure, fmt: str, title: str = "") -> bytes:
    buffer = io.BytesIO()
    if fmt == "png":
        png(fig, buffer, title)
    else:
        fig.savefig(buffer, format=fmt, dpi=fig.dpi, metadata={"Title": title, "Creator": "roadchief"})
    return buffer.getvalue()


def png(fig: Figure, buffer: io.BytesIO, title: str) -> None:
    """The figure drawn by Agg and written as an RGB PNG: the page is opaque white, so the alpha
    channel matplotlib would write says nothing and costs a quarter of the compression."""
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    info = PngInfo()
    info.add_text("Title", title)
    info.add_text("Software", "roadchief")
    image = Image.fromarray(np.asarray(canvas.buffer_rgba())).convert("RGB")
    image.save(buffer, "png", compress_level=PNG_COMPRESS_LEVEL, pnginfo=info, dpi=(fig.dpi, fig.dpi))


def heatmap_bytes(conn: Connection, flt: IssueFilter, options: HeatmapOptions, fmt: str) -> bytes:
    """The heatmap as PNG or PDF bytes."""
    options.check()
    data = load(conn, flt, options)
    fig, _info = build_figure(data, options)
    return render(fig, fmt, data.title())
