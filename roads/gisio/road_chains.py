"""Staged road lines -> which road each belongs to: unnamed lines named, same-name lines chained.

A road is a connected street, not a name: lines of one name lying within CHAIN_M of each other
chain into one road (ST_ClusterDBSCAN in the district's metric projection), so two streets
called 中山路 in two places become two roads. The longest chain of a name keeps the name as its
key (road.source_key, as before), the others get `name@geohash` of their centre.

An unnamed line (Chinese back lanes often are) is kept under a name a clerk can read and later
rename (PATCH /api/roads/{id}): "无名路（近长江路）" after the nearest named road within NEAR_M,
else "无名路（大王庄村）" after its community plus four characters from its chain's position,
stable from one import of the same file to the next.
"""

from sqlalchemy import Connection, text

from roads.gisio.summary import ImportSummary

CHAIN_M = 5.0
NEAR_M = 200.0
UNNAMED_PREFIX = "无名路"

ADD_COLUMNS = """
ALTER TABLE import_feature
    ADD COLUMN IF NOT EXISTS unnamed boolean NOT NULL DEFAULT false,
    ADD COLUMN IF NOT EXISTS road_key text,
    ADD COLUMN IF NOT EXISTS road_name text
"""

# Named neighbours: the file's named lines and the roads already there, generated names aside.
NAME_UNNAMED = """
WITH named AS (
    SELECT g.name, g.geom
    FROM import_feature AS g
    WHERE g.ok AND g.name IS NOT NULL
    UNION ALL
    SELECT r.name, s.geom
    FROM public.road_segment AS s
    JOIN public.road AS r ON r.id = s.road_id
    WHERE r.name NOT LIKE :prefix || '%'
), chosen AS (
    SELECT u.feature_no,
           (SELECT n.name
            FROM named AS n
            WHERE n.geom && ST_Expand(u.geom, :near_deg)
              AND ST_DWithin(n.geom::geography, u.geom::geography, :near_m)
            ORDER BY ST_Distance(n.geom::geography, u.geom::geography), n.name
            LIMIT 1) AS near_name,
           (SELECT c.name
            FROM public.community AS c
            WHERE ST_Intersects(c.geom, u.geom)
            ORDER BY ST_Length(ST_Intersection(c.geom, u.geom)::geography) DESC, c.id
            LIMIT 1) AS community_name
    FROM import_feature AS u
    WHERE u.ok AND u.name IS NULL
)
UPDATE import_feature AS f
SET unnamed = true,
    name = CASE WHEN c.near_name IS NOT NULL THEN :prefix || '（近' || c.near_name || '）'
                ELSE :prefix || '（' || coalesce(c.community_name, '辖区') || '）' END
FROM chosen AS c
WHERE f.feature_no = c.feature_no
RETURNING f.feature_no, c.near_name IS NOT NULL AS near
"""

CHAIN = """
WITH clustered AS (
    SELECT f.feature_no,
           ST_ClusterDBSCAN(ST_Transform(f.geom, :epsg), :chain_m, 1) OVER (PARTITION BY f.name) AS part
    FROM import_feature AS f
    WHERE f.ok
), parts AS (
    SELECT f.name, c.part, bool_and(f.unnamed AND f.name NOT LIKE :prefix || '（近%') AS by_community,
           ST_GeoHash(ST_Centroid(ST_Collect(f.geom)), 9) AS hash,
           sum(ST_Length(f.geom::geography)) AS length_m
    FROM clustered AS c
    JOIN import_feature AS f ON f.feature_no = c.feature_no
    GROUP BY f.name, c.part
), ranked AS (
    SELECT p.*,
           CASE WHEN p.by_community THEN p.name || upper(substr(md5(p.hash), 1, 4)) ELSE p.name END
               AS road_name,
           row_number() OVER (PARTITION BY p.name ORDER BY p.length_m DESC, p.hash) AS rank
    FROM parts AS p
)
UPDATE import_feature AS f
SET road_name = r.road_name,
    road_key = CASE WHEN r.rank = 1 OR r.by_community THEN r.road_name ELSE r.road_name || '@' || r.hash END
FROM clustered AS c
JOIN ranked AS r ON r.part = c.part
WHERE f.feature_no = c.feature_no AND r.name = f.name
"""


def name_unnamed(conn: Connection, summary: ImportSummary) -> None:
    """Give every staged unnamed line its generated name (before chaining)."""
    conn.execute(text(ADD_COLUMNS))
    rows = conn.execute(text(NAME_UNNAMED), {
        "prefix": UNNAMED_PREFIX, "near_m": NEAR_M, "near_deg": NEAR_M / 80_000,
    }).all()
    if rows:
        near = sum(1 for r in rows if r.near)
        summary.unnamed_kept = len(rows)
        summary.notes.append(
            f"{len(rows)} unnamed lines kept: {near} named after a road within {NEAR_M:g} m, "
            f"{len(rows) - near} after their community (rename with PATCH /api/roads/ID)"
        )


def chain_roads(conn: Connection, summary: ImportSummary, epsg: int) -> None:
    """Each staged line's road: its key and name (road_key, road_name)."""
    conn.execute(text(ADD_COLUMNS))
    conn.execute(text(CHAIN), {"epsg": epsg, "chain_m": CHAIN_M, "prefix": UNNAMED_PREFIX})
    split = conn.execute(text("""
        SELECT count(DISTINCT f.road_key) - count(DISTINCT f.name)
        FROM import_feature AS f WHERE f.ok
    """)).scalar()
    if split:
        summary.notes.append(
            f"{split} more roads than names: lines of one name that do not connect "
            f"(within {CHAIN_M:g} m) are separate roads"
        )
