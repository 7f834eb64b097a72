"""What an export draws, read from PostGIS: the area, its segments with their density, the issue
points, boundaries and overlays. Every number comes from roadchief.segment_density and every issue
from roadchief.counted_issues, so the maps agree with the density API, the tiles and the ledger."""

from dataclasses import dataclass, field

import geopandas as gpd
import pandas as pd
import shapely
from sqlalchemy import Connection, text

from maps.errors import InvalidExportInput, UnknownExportTarget
from maps.window import TimeWindow
from roads.issues.repository import unknown_categories

DISTRICT_NAME = "经开区"

# The issues an export counts: those snapped to the area's segments, in the window and categories.
COUNTED_ISSUES = """roadchief.counted_issues(
    from_ts => :from_ts, to_ts => :to_ts, categories => CAST(:categories AS text[]),
    community_id => CAST(:community_id AS integer),
    sub_district_id => CAST(:sub_district_id AS integer), area_of => 'segment')"""
# The area's segments, by the segment's community (the same rule as area_of => 'segment').
AREA_FILTER = """
    (CAST(:community_id AS integer) IS NULL OR s.community_id = CAST(:community_id AS integer))
    AND (CAST(:sub_district_id AS integer) IS NULL
         OR c.sub_district_id = CAST(:sub_district_id AS integer))
"""


@dataclass(frozen=True)
class Area:
    """The district (no ids), one sub-district or one community."""

    name: str = DISTRICT_NAME
    sub_district_id: int | None = None
    community_id: int | None = None

    @property
    def kind(self) -> str:
        if self.community_id is not None:
            return "community"
        return "sub_district" if self.sub_district_id is not None else "district"

    def params(self) -> dict:
        return {"sub_district_id": self.sub_district_id, "community_id": self.community_id}

    def slug(self) -> str:
        if self.community_id is not None:
            return f"community-{self.community_id}"
        if self.sub_district_id is not None:
            return f"sub-district-{self.sub_district_id}"
        return "district"


@dataclass(frozen=True)
class ExportFilter:
    window: TimeWindow
    area: Area = field(default_factory=Area)
    categories: tuple[str, ...] | None = None

    def params(self) -> dict:
        return {
            "from_ts": self.window.start,
            "to_ts": self.window.end,
            "categories": list(self.categories) if self.categories else None,
            **self.area.params(),
        }


def read_frame(sql, conn: Connection, params: dict) -> gpd.GeoDataFrame:
    """A query's rows as a GeoDataFrame in EPSG:4326, even when there are none."""
    result = conn.execute(sql, params)
    frame = pd.DataFrame(result.fetchall(), columns=list(result.keys()))
    # psycopg2 hands PostGIS geometries over as hex EWKB; shapely parses them all in one call,
    # where geopandas.read_postgis parses row by row (7 s for 136,000 road pieces).
    geoms = shapely.from_wkb(frame["geom"].to_numpy(dtype=object)) if len(frame) else []
    return gpd.GeoDataFrame(frame.assign(geom=geoms), geometry="geom", crs=4326)


def resolve_area(
    conn: Connection, sub_district_id: int | None = None, community_id: int | None = None
) -> Area:
    """The area for the ids given; unknown ids raise UnknownExportTarget."""
    if community_id is not None:
        row = conn.execute(
            text(
                "SELECT c.name, c.sub_district_id, sd.name AS sd_name FROM public.community AS c "
                "JOIN public.sub_district AS sd ON sd.id = c.sub_district_id WHERE c.id = :id"
            ),
            {"id": community_id},
        ).one_or_none()
        if row is None:
            raise UnknownExportTarget(f"no community with id {community_id}",
                                      f"未找到编号为 {community_id} 的社区")
        if sub_district_id is not None and sub_district_id != row.sub_district_id:
            raise InvalidExportInput(
                f"community {community_id} ({row.name}) is not in sub-district {sub_district_id}",
                f"社区 {community_id}（{row.name}）不属于办事处 {sub_district_id}"
            )
        return Area(f"{row.sd_name} {row.name}", row.sub_district_id, community_id)
    if sub_district_id is not None:
        name = conn.execute(
            text("SELECT name FROM public.sub_district WHERE id = :id"), {"id": sub_district_id}
        ).scalar()
        if name is None:
            raise UnknownExportTarget(f"no sub-district with id {sub_district_id}",
                                      f"未找到编号为 {sub_district_id} 的办事处")
        return Area(name, sub_district_id, None)
    return Area()


def area_from_spec(conn: Connection, spec: str) -> Area:
    """`district`, `sub-district:ID`, `community:ID`, or a sub-district or community name."""
    text_ = spec.strip()
    kind, _, value = text_.partition(":")
    if text_ in ("", "district", DISTRICT_NAME):
        return Area()
    if value.strip().isdigit() and kind.replace("_", "-") in ("sub-district", "community"):
        number = int(value)
        return resolve_area(conn, *((number, None) if kind.startswith("sub") else (None, number)))
    sub_district = conn.execute(
        text("SELECT id FROM public.sub_district WHERE name IN (:n, :n || '办事处')"), {"n": text_}
    ).scalar()
    if sub_district is not None:
        return resolve_area(conn, sub_district, None)
    found = (
        conn.execute(
            text("SELECT id FROM public.community WHERE name = :n ORDER BY id"), {"n": text_}
        )
        .scalars()
        .all()
    )
    if len(found) > 1:
        raise InvalidExportInput(f"{len(found)} communities are called {text_}; use community:ID",
                                 f"有 {len(found)} 个社区名为 {text_}，请用 community:编号 指定")
    if not found:
        raise UnknownExportTarget(f"no sub-district or community called {text_!r}",
                                  f"未找到名为 {text_} 的办事处或社区")
    return resolve_area(conn, None, found[0])


def check_categories(conn: Connection, codes: list[str] | None) -> tuple[str, ...] | None:
    """Category codes as given (a task code such as T03 covers its sub-items); unknown → 422."""
    if not codes:
        return None
    wanted = sorted({code.strip().upper() for code in codes if code.strip()})
    unknown = unknown_categories(conn, wanted)
    if unknown:
        raise InvalidExportInput(f"unknown issue category: {', '.join(unknown)}",
                                 f"未知的问题类别：{'、'.join(unknown)}")
    return tuple(wanted)


def category_label(conn: Connection, codes: tuple[str, ...] | None) -> str:
    if not codes:
        return "全部类别"
    names = (
        conn.execute(
            text(
                "SELECT name FROM public.issue_category WHERE code = ANY (:c) ORDER BY sort_order"
            ),
            {"c": list(codes)},
        )
        .scalars()
        .all()
    )
    return "、".join(names)


def segments(conn: Connection, flt: ExportFilter) -> gpd.GeoDataFrame:
    """The area's segments with issue_count, per_km, per_km_30d and tiers_covered."""
    sql = text(f"""
        SELECT s.id AS segment_id, s.community_id, c.sub_district_id, r.name AS road_name,
               d.issue_count, d.length_m, d.per_km, d.per_km_30d, cov.tiers_covered, s.geom
        FROM public.road_segment AS s
        JOIN public.road AS r ON r.id = s.road_id
        LEFT JOIN public.community AS c ON c.id = s.community_id
        JOIN roadchief.segment_density(:from_ts, :to_ts, :categories) AS d ON d.segment_id = s.id
        JOIN roadchief.segment_coverage AS cov ON cov.segment_id = s.id
        WHERE {AREA_FILTER}
        ORDER BY s.id
    """)
    return read_frame(sql, conn, params=flt.params())


def issue_points(conn: Connection, flt: ExportFilter) -> gpd.GeoDataFrame:
    """The issues counted on the area's segments (snapped, in the window and categories)."""
    sql = text(f"""
        SELECT i.id, i.category_code, i.status, i.segment_id, i.geom
        FROM {COUNTED_ISSUES} AS i
        ORDER BY i.id
    """)
    return read_frame(sql, conn, params=flt.params())


def category_counts(conn: Connection, flt: ExportFilter, limit: int = 8) -> list[tuple[str, int]]:
    """The most frequent categories among the counted issues: (name, count), largest first."""
    rows = conn.execute(
        text(f"""
        SELECT ic.name, count(*) AS n
        FROM {COUNTED_ISSUES} AS i
        JOIN public.issue_category AS ic ON ic.code = i.category_code
        GROUP BY ic.name, ic.sort_order
        ORDER BY n DESC, ic.sort_order
        LIMIT :limit
    """),
        {**flt.params(), "limit": limit},
    ).all()
    return [(row.name, row.n) for row in rows]


def communities(conn: Connection, area: Area) -> gpd.GeoDataFrame:
    sql = text("""
        SELECT c.id, c.name, c.sub_district_id, c.geom
        FROM public.community AS c
        WHERE (CAST(:community_id AS integer) IS NULL OR c.id = CAST(:community_id AS integer))
          AND (CAST(:sub_district_id AS integer) IS NULL
               OR c.sub_district_id = CAST(:sub_district_id AS integer))
        ORDER BY c.id
    """)
    return read_frame(sql, conn, params=area.params())


def sub_districts(conn: Connection, area: Area) -> gpd.GeoDataFrame:
    sql = text("""
        SELECT sd.id, sd.name, sd.geom
        FROM public.sub_district AS sd
        WHERE CAST(:sub_district_id AS integer) IS NULL OR sd.id = CAST(:sub_district_id AS integer)
        ORDER BY sd.id
    """)
    return read_frame(sql, conn, params=area.params())


def overlays(conn: Connection, area: Area) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Construction sites and resettlement points inside the area."""
    area_geom = """(SELECT ST_Union(c.geom) FROM public.community AS c
        WHERE (CAST(:community_id AS integer) IS NULL OR c.id = CAST(:community_id AS integer))
          AND (CAST(:sub_district_id AS integer) IS NULL
               OR c.sub_district_id = CAST(:sub_district_id AS integer)))"""
    sites = read_frame(
        text(
            f"SELECT id, name, status, geom FROM public.construction_site "
            f"WHERE ST_Intersects(geom, {area_geom}) ORDER BY id"
        ),
        conn,
        params=area.params(),
    )
    points = read_frame(
        text(
            f"SELECT id, name, households, geom FROM public.resettlement_point "
            f"WHERE ST_Intersects(geom, {area_geom}) ORDER BY id"
        ),
        conn,
        params=area.params(),
    )
    return sites, points


def data_date(conn: Connection) -> str | None:
    """When the ledger last changed: the newest updated_at, as a Beijing-time date."""
    value = conn.execute(
        text(
            "SELECT to_char(max(updated_at) AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI') "
            "FROM public.issue"
        )
    ).scalar()
    return value
