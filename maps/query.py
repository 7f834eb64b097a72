"""What an export draws, read from PostGIS: the area, its segments with their density, the issue
points, boundaries and overlays. Every number comes from roadchief.segment_density and every issue
from roadchief.counted_issues, so the maps agree with the density API, the tiles and the ledger."""

import geopandas as gpd
import pandas as pd
import shapely
from sqlalchemy import Connection, text

from roads.answer_cache import ANSWERS
from roads.areas import Area
from roads.district import get_district
from roads.issues.filter import IssueFilter

# The issues an export counts: those snapped to the area's segments, by the filter.
COUNTED_ISSUES = """roadchief.counted_issues(
    from_ts => :from_ts, to_ts => :to_ts, categories => CAST(:categories AS text[]),
    statuses => CAST(:statuses AS text[]), community_id => CAST(:community_id AS integer),
    sub_district_id => CAST(:sub_district_id AS integer), area_of => 'segment',
    sources => CAST(:sources AS text[]))"""
# The area's segments, by the segment's community (the same rule as area_of => 'segment').
AREA_FILTER = """
    (CAST(:community_id AS integer) IS NULL OR s.community_id = CAST(:community_id AS integer))
    AND (CAST(:sub_district_id AS integer) IS NULL
         OR c.sub_district_id = CAST(:sub_district_id AS integer))
"""


def read_frame(sql, conn: Connection, params: dict) -> gpd.GeoDataFrame:
    """A query's rows as a GeoDataFrame in EPSG:4326, even when there are none."""
    result = conn.execute(sql, params)
    # Plain tuples: pandas probes each SQLAlchemy Row for attributes (a second a 100,000 rows).
    frame = pd.DataFrame([tuple(row) for row in result], columns=list(result.keys()))
    # psycopg2 hands PostGIS geometries over as hex EWKB; shapely parses them all in one call,
    # where geopandas.read_postgis parses row by row (7 s for 136,000 road pieces).
    geoms = shapely.from_wkb(frame["geom"].to_numpy(dtype=object)) if len(frame) else []
    return gpd.GeoDataFrame(frame.assign(geom=geoms), geometry="geom", crs=4326)


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


# What the network part of an export's segments reads (roads/answer_cache.py keeps it until one
# of these tables changes): the same for every window and category.
NETWORK_TABLES = ("road_segment", "road", "community", "segment_assignment", "chief")


def network(conn: Connection, area: Area, crs: str | None = None) -> gpd.GeoDataFrame:
    """The area's segments with their road name, length and tiers_covered, by id, in EPSG:4326 or
    `crs` (projected once, kept with it). Shared between callers: do not change it in place."""
    sql = text(f"""
        SELECT s.id AS segment_id, s.community_id, c.sub_district_id, r.name AS road_name,
               s.length_m, cov.tiers_covered, s.geom
        FROM public.road_segment AS s
        JOIN public.road AS r ON r.id = s.road_id
        LEFT JOIN public.community AS c ON c.id = s.community_id
        JOIN roadchief.segment_coverage AS cov ON cov.segment_id = s.id
        WHERE {AREA_FILTER}
        ORDER BY s.id
    """)
    def compute() -> gpd.GeoDataFrame:
        frame = read_frame(sql, conn, params=area.params())
        return frame if crs is None else frame.to_crs(crs)

    return ANSWERS.get(conn, "export_network", NETWORK_TABLES, (area.community_id, area.sub_district_id, crs),
                       compute, copy=False)


def segments(conn: Connection, flt: IssueFilter, crs: str | None = None) -> gpd.GeoDataFrame:
    """The area's segments with issue_count, per_km, per_km_30d and tiers_covered, in EPSG:4326
    or `crs`."""
    frame = network(conn, flt.area, crs)
    density = conn.execute(text("""
        SELECT d.segment_id, d.issue_count, d.per_km, d.per_km_30d
        FROM roadchief.segment_density(:from_ts, :to_ts, CAST(:categories AS text[]),
                                       CAST(:statuses AS text[]), CAST(:sources AS text[])) AS d
        ORDER BY d.segment_id
    """), flt.params())
    figures = pd.DataFrame([tuple(row) for row in density],
                           columns=["segment_id", "issue_count", "per_km", "per_km_30d"])
    figures = figures.set_index("segment_id").reindex(frame["segment_id"].to_numpy())
    columns = ["segment_id", "community_id", "sub_district_id", "road_name", "issue_count", "length_m",
               "per_km", "per_km_30d", "tiers_covered", "geom"]
    return gpd.GeoDataFrame(
        frame.assign(**{c: figures[c].to_numpy() for c in figures.columns})[columns],
        geometry="geom", crs=frame.crs)


def issue_points(conn: Connection, flt: IssueFilter) -> gpd.GeoDataFrame:
    """The issues counted on the area's segments (snapped, in the window and categories)."""
    sql = text(f"""
        SELECT i.id, i.category_code, i.status, i.segment_id, i.geom
        FROM {COUNTED_ISSUES} AS i
        ORDER BY i.id
    """)
    return read_frame(sql, conn, params=flt.params())


def category_counts(conn: Connection, flt: IssueFilter, limit: int = 8) -> list[tuple[str, int]]:
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
    """When the ledger last changed: the newest updated_at, in the district's time zone."""
    value = conn.execute(
        text(
            "SELECT to_char(max(updated_at) AT TIME ZONE :zone, 'YYYY-MM-DD HH24:MI') "
            "FROM public.issue"
        ),
        {"zone": get_district(conn).timezone},
    ).scalar()
    return value
