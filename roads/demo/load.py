"""Write the demo district into an empty database, in one transaction."""

from collections.abc import Callable
from datetime import datetime, timedelta, timezone

import numpy as np
import shapely
from shapely.geometry import MultiPolygon
from sqlalchemy import Connection, text

from roads.bulk import copy_rows, reset_identity
from roads.demo import dust, hierarchy, layout, ledger, names, people, units
from roads.demo import inspections as demo_inspections
from roads.demo import patrols as demo_patrols
from roads.demo import shops as demo_shops
from roads.demo.ledger import lonlat_to_m
from roads.district import set_district

Progress = Callable[[str, int, int], None]
CHINA_TZ = timezone(timedelta(hours=8))
DISTRICT_TABLES = ["sub_district", "community", "road", "road_segment", "chief", "segment_assignment",
                   "road_chief_role", "construction_site", "resettlement_point", "issue", "patrol", "patrol_point",
                   "patrol_segment"]


def default_as_of() -> datetime:
    """Today 18:00 Beijing time: issues end 'today', and a day's loads are identical."""
    return datetime.now(CHINA_TZ).replace(hour=18, minute=0, second=0, microsecond=0)


def analyze(conn: Connection, *tables: str) -> None:
    for table in tables:
        conn.execute(text(f"ANALYZE public.{table}"))


def is_empty(conn: Connection) -> bool:
    return conn.execute(text("SELECT NOT EXISTS (SELECT 1 FROM public.sub_district)")).scalar()


def clear_district(conn: Connection) -> None:
    conn.execute(text("TRUNCATE " + ", ".join(DISTRICT_TABLES) + " RESTART IDENTITY CASCADE"))
    # Units are the district's too; their areas went with the sub-districts above.
    conn.execute(text("TRUNCATE public.unit RESTART IDENTITY CASCADE"))


def hexwkb(geoms) -> list[str]:
    return shapely.to_wkb(shapely.set_srid(np.asarray(geoms), 4326), hex=True, include_srid=True).tolist()


def load_demo(conn: Connection, scale: float = 1.0, seed: int = 20251, issues: int | None = None,
              as_of: datetime | None = None, snap_distance_m: float = 50.0,
              patrol_days: int = demo_patrols.DAYS,
              progress: Progress = lambda step, done, total: None) -> dict[str, int]:
    """Generate and write the district; returns row counts. The caller owns the transaction."""
    rng = np.random.default_rng(seed)
    as_of = as_of or default_as_of()
    steps = 11
    progress("layout", 0, steps)
    district = layout.build(scale, rng)

    progress("boundaries", 1, steps)
    set_district(conn, name="郑州经开区", short_name="经开区", code="410171",
                 timezone="Asia/Shanghai", epsg=4547)
    write_boundaries(conn, district)
    progress("roads", 2, steps)
    write_roads(conn, district)
    progress("chiefs", 3, steps)
    segments = read_segments(conn)
    write_chiefs(conn, segments, rng)
    hierarchy.write_hierarchy(conn, np.random.default_rng(seed + 16))  # its own: the draws after stay
    progress("sites", 4, steps)
    write_sites(conn, district)
    units.write_units(conn)
    progress("issues", 5, steps)
    issue_count = issues if issues is not None else int(ledger.ISSUES_PER_SCALE * scale)
    write_issues(conn, district, as_of, issue_count, rng)
    progress("snapping", 6, steps)
    conn.execute(text("SELECT roadchief.snap_issues(:m)"), {"m": snap_distance_m})
    conn.execute(text("SELECT roadchief.complete_issue_records()"))  # communities, workflow steps
    # The load is one transaction that autovacuum never sees: the steps after plan on the
    # statistics of the tables written so far, not on those of the empty tables migrations left.
    conn.execute(text("ANALYZE"))
    progress("patrols", 7, steps)
    if patrol_days:
        write_patrols(conn, as_of, np.random.default_rng(seed + 15), patrol_days, np.random.default_rng(seed + 17))
    progress("dust", 8, steps)
    dust.write_dust(conn, as_of, np.random.default_rng(seed + 18))
    progress("shops", 9, steps)
    demo_shops.write_shops(conn, scale, as_of, np.random.default_rng(seed + 19), snap_distance_m)
    progress("inspections", 10, steps)
    demo_inspections.write_inspections(conn, as_of, np.random.default_rng(seed + 21), snap_distance_m)
    analyze(conn, *DISTRICT_TABLES)  # fresh statistics, or the first tiles and density queries plan badly
    progress("done", steps, steps)
    return {table: conn.execute(text(f"SELECT count(*) FROM {table}")).scalar() for table in DISTRICT_TABLES}


def write_boundaries(conn: Connection, district: layout.DistrictLayout) -> None:
    sub_ids = {}
    for index, (code, name, polygon) in enumerate(district.sub_districts, start=1):
        sub_ids[code] = index
        conn.execute(
            text("INSERT INTO public.sub_district (id, code, name, geom) "
                 "VALUES (:id, :code, :name, ST_GeomFromEWKB(decode(:g, 'hex')))"),
            {"id": index, "code": code, "name": name, "g": hexwkb([as_multi(layout.to_lonlat(polygon))])[0]},
        )
    rows = [(index, code, name, kind, sub_ids[sd], hexwkb([as_multi(layout.to_lonlat(poly))])[0])
            for index, (code, name, kind, sd, poly) in enumerate(district.communities, start=1)]
    copy_rows(conn, "community", ["id", "code", "name", "kind", "sub_district_id", "geom"], rows)
    # Adjacent Voronoi cells meet within floating-point noise; snap them to a shared grid so
    # the communities tile their sub-district without slivers.
    for table in ("community", "sub_district"):
        conn.execute(text(
            f"UPDATE {table} SET geom = ST_Multi(ST_CollectionExtract(ST_MakeValid(ST_SnapToGrid(geom, 1e-7)), 3))"))
    reset_identity(conn, "sub_district")
    reset_identity(conn, "community")


def as_multi(polygon):
    return polygon if polygon.geom_type == "MultiPolygon" else MultiPolygon([polygon])


def write_roads(conn: Connection, district: layout.DistrictLayout) -> None:
    copy_rows(conn, "road", ["id", "name", "road_class"],
              ((i, road.name, road.road_class) for i, road in enumerate(district.roads, start=1)))
    reset_identity(conn, "road")
    conn.execute(text("DROP TABLE IF EXISTS demo_piece"))
    conn.execute(text("CREATE TEMP TABLE demo_piece (road_id integer, ord integer, geom geometry) ON COMMIT DROP"))
    pieces = [(i, k, piece) for i, road in enumerate(district.roads, start=1) for k, piece in enumerate(road.pieces)]
    geoms = hexwkb(layout.to_lonlat(np.array([p for _, _, p in pieces], dtype=object)))
    copy_rows(conn, "demo_piece", ["road_id", "ord", "geom"],
              ((road_id, k, g) for (road_id, k, _), g in zip(pieces, geoms, strict=True)))
    conn.execute(text("CREATE INDEX ON demo_piece USING gist (geom)"))
    conn.execute(text("""
        INSERT INTO public.road_segment (road_id, community_id, geom)
        SELECT p.road_id, cp.community_id, cp.geom
        FROM demo_piece AS p
        CROSS JOIN LATERAL roadchief.community_pieces(p.geom) AS cp
        ORDER BY p.road_id, p.ord, cp.community_id, cp.piece_no
    """))
    conn.execute(text("ANALYZE road_segment"))


def read_segments(conn: Connection) -> list[people.Segment]:
    rows = conn.execute(text("""
        SELECT s.id, s.road_id, s.community_id, c.sub_district_id, s.length_m
        FROM public.road_segment AS s JOIN public.community AS c ON c.id = s.community_id
        ORDER BY s.id
    """))
    return [people.Segment(*row) for row in rows]


def write_chiefs(conn: Connection, segments: list[people.Segment], rng) -> None:
    sub_districts = dict(conn.execute(text("SELECT id, name FROM public.sub_district")).all())
    communities = {row.id: (row.name, row.sub_district_id) for row in
                   conn.execute(text("SELECT id, name, sub_district_id FROM public.community"))}
    chiefs, assignments = people.chiefs_and_assignments(segments, sub_districts, communities, rng)
    copy_rows(conn, "chief",
              ["id", "name", "phone", "organisation", "position", "is_party_member",
               "sub_district_id", "community_id", "active"],
              ((c.id, c.name, c.phone, c.organisation, c.position, c.is_party_member,
                c.sub_district_id, c.community_id, c.active) for c in chiefs))
    reset_identity(conn, "chief")
    copy_rows(conn, "segment_assignment",
              ["segment_id", "tier", "chief_id", "valid_from", "valid_to", "assigned_by"],
              ((a.segment_id, a.tier, a.chief_id, a.valid_from.isoformat(),
                a.valid_to.isoformat() if a.valid_to else None, a.assigned_by) for a in assignments))


def write_sites(conn: Connection, district: layout.DistrictLayout) -> None:
    rng = np.random.default_rng(len(district.sites))
    site_rows = []
    site_geoms = hexwkb([as_multi(layout.to_lonlat(s)) for s in district.sites])
    for i, g in enumerate(site_geoms):
        name = (names.SITE_PREFIXES[i % len(names.SITE_PREFIXES)]
                + names.SITE_KINDS[(i * 7) % len(names.SITE_KINDS)]
                + names.PHASES[(i // len(names.SITE_PREFIXES)) % len(names.PHASES)] + "项目工地")
        status = rng.choice(["在建", "停工", "完工"], p=[0.72, 0.1, 0.18])
        site_rows.append((i + 1, name, status, bool(rng.random() < 0.18), g))
    copy_rows(conn, "construction_site", ["id", "name", "status", "is_green_demo", "geom"], site_rows)
    point_rows = []
    for i, g in enumerate(hexwkb([layout.to_lonlat(p) for p in district.resettlement_points])):
        point_rows.append((i + 1, f"群众临时安置点{i + 1:02d}", int(rng.integers(30, 600)),
                           bool(rng.random() < 0.25), g))
    copy_rows(conn, "resettlement_point", ["id", "name", "households", "is_safety_demo", "geom"], point_rows)
    for table in ("construction_site", "resettlement_point"):
        conn.execute(text(f"""
            UPDATE {table} AS t SET sub_district_id = sd.id
            FROM public.sub_district AS sd WHERE ST_Intersects(sd.geom, ST_PointOnSurface(t.geom))
        """))
        reset_identity(conn, table)
    # Resettlement points are named after the village they serve.
    conn.execute(text("""
        UPDATE public.resettlement_point AS r SET name = c.name || '临时安置点' || r.id
        FROM public.community AS c WHERE ST_Intersects(c.geom, r.geom)
    """))


def write_issues(conn: Connection, district, as_of: datetime, count: int, rng) -> None:
    rows = conn.execute(text("""
        SELECT s.id, r.name, ST_AsBinary(s.geom) AS wkb, c.kind <> '社区' AS in_village, ch.name AS tier3
        FROM public.road_segment AS s
        JOIN public.road AS r ON r.id = s.road_id
        JOIN public.community AS c ON c.id = s.community_id
        LEFT JOIN public.segment_assignment AS a ON a.segment_id = s.id AND a.tier = 3 AND a.valid_to IS NULL
        LEFT JOIN public.chief AS ch ON ch.id = a.chief_id
        ORDER BY s.id
    """)).all()
    segments = (np.array([r.id for r in rows]), [r.name for r in rows],
                shapely.from_wkb([bytes(r.wkb) for r in rows]), np.array([r.in_village for r in rows]),
                [r.tier3 for r in rows])
    # The campaign's numbered sub-items (T03.02 ...) only: the instruments' own categories (DU01,
    # SH01 ...) are opened by their rules, and a new one must not shift the draws of the ledger.
    category_names = dict(conn.execute(text(
        "SELECT code, name FROM public.issue_category WHERE parent_code IS NOT NULL AND code ~ '^T[0-9]+[.]'")).all())
    generated = ledger.generate(segments, as_of, count, rng, district, category_names)
    geoms = hexwkb(generated.geoms)
    copy_rows(conn, "issue",
              ["geom", "category_code", "description", "status", "reported_at", "updated_at", "source", "reporter"],
              zip(geoms, generated.category_codes, generated.descriptions, generated.statuses,
                  (t.isoformat() for t in generated.reported_at),
                  (t.isoformat() for t in generated.updated_at),
                  generated.sources, generated.reporters, strict=True))
    conn.execute(text("ANALYZE issue"))


def write_patrols(conn: Connection, as_of: datetime, rng, days: int, general_rng) -> None:
    """The last `days` of patrols along the chiefs' own segments, evaluated like real ones."""
    rows = conn.execute(text("""
        SELECT a.chief_id, a.tier, ST_AsBinary(s.geom) AS wkb
        FROM public.segment_assignment AS a JOIN public.road_segment AS s ON s.id = a.segment_id
        WHERE a.valid_to IS NULL
        ORDER BY a.chief_id, a.segment_id
    """)).all()
    general = demo_patrols.general_tracks(general_chiefs(conn), main_street_m(conn), as_of, general_rng)
    generated = demo_patrols.generate(demo_patrols.chief_paths(rows), as_of, rng, days, general)
    copy_rows(conn, "patrol", ["id", "chief_id", "source", "started_at", "ended_at", "recorded_by"],
              ((pid, chief, "phone", start.isoformat(), end.isoformat(), "demo")
               for pid, chief, start, end in generated.patrols))
    reset_identity(conn, "patrol")
    copy_rows(conn, "patrol_point", ["patrol_id", "recorded_at", "lon", "lat", "accuracy_m"],
              generated.points)
    conn.execute(text("SELECT roadchief.evaluate_patrols(ARRAY(SELECT id FROM public.patrol))"))


def general_chiefs(conn: Connection) -> list[tuple[int, int]]:
    return [tuple(row) for row in conn.execute(text(
        "SELECT id, COALESCE(general_rank, 1) FROM public.chief WHERE general_chief AND active "
        "ORDER BY general_rank, id"))]


def main_street_m(conn: Connection) -> list:
    """The segments of the street the general chiefs walk, west to east, in local metres."""
    rows = conn.execute(text("""
        SELECT ST_AsBinary(s.geom) AS wkb
        FROM public.road_segment AS s JOIN public.road AS r ON r.id = s.road_id
        WHERE r.name = :name
        ORDER BY ST_X(ST_StartPoint(s.geom)), s.id
    """), {"name": demo_patrols.GENERAL_STREET}).scalars()
    return [lonlat_to_m(shapely.get_coordinates(line)) for line in shapely.from_wkb([bytes(w) for w in rows])]
