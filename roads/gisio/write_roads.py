"""Staged road lines -> roads and segments, idempotent by a stable key, keeping assignments.

A road is identified by its key (road.source_key: its name, or for a second street of the same
name `name@geohash`, see roads.gisio.road_chains); a segment by road, community and a hash of
its geometry (road_segment.source_key). Each segment keeps the class of the line it comes from
(road_segment.road_class); the road takes the class of its longest line. On a re-import a new
piece with the key of an existing segment is unchanged; otherwise it takes over the existing
segment of the same road it overlaps most (at least half of the longer of the two within 2 m),
so that segment keeps its id, its chiefs and its issues. Segments of re-imported roads that match
no new piece are deleted, and their current assignments are reported as lost.
"""

from sqlalchemy import Connection, text

from roads.gisio.summary import ImportSummary

ROAD_LINES = """
DROP TABLE IF EXISTS import_road;
CREATE TEMP TABLE import_road ON COMMIT DROP AS
SELECT road_key, name, road_class, road_id
FROM (
    SELECT f.road_key, min(f.road_name) AS name,
           (array_agg(f.road_class ORDER BY ST_Length(f.geom::geography) DESC))[1] AS road_class,
           coalesce((SELECT r.id FROM public.road AS r WHERE r.source_key = f.road_key),
                    (SELECT min(r.id) FROM public.road AS r
                     WHERE r.source_key IS NULL AND r.name = f.road_key)) AS road_id
    FROM import_feature AS f
    WHERE f.ok
    GROUP BY f.road_key
) AS g;
"""

UPDATE_ROADS = """
UPDATE public.road AS r
SET road_class = i.road_class, source_key = i.road_key
FROM import_road AS i
WHERE r.id = i.road_id
  AND (r.road_class, r.source_key) IS DISTINCT FROM (i.road_class, i.road_key)
RETURNING r.id
"""

CREATE_ROADS = """
WITH created AS (
    INSERT INTO public.road (name, road_class, source_key)
    SELECT i.name, i.road_class, i.road_key FROM import_road AS i WHERE i.road_id IS NULL
    RETURNING id, source_key
)
UPDATE import_road AS i SET road_id = c.id FROM created AS c WHERE c.source_key = i.road_key
RETURNING i.road_id
"""

# Pieces of every imported road, cut by the other imported roads, by the segments of roads
# already in the database that this import does not replace, and where the road's class changes
# (the end of one of its lines on a line of another class), so each piece has one class.
PIECES = """
DROP TABLE IF EXISTS import_piece;
CREATE TEMP TABLE import_piece ON COMMIT DROP AS
WITH lines AS (
    SELECT i.road_key, i.road_id, ST_Collect(f.geom ORDER BY f.feature_no) AS geom
    FROM import_road AS i
    JOIN import_feature AS f ON f.ok AND f.road_key = i.road_key
    GROUP BY i.road_key, i.road_id
)
SELECT row_number() OVER (ORDER BY l.road_key, p.community_id, ST_AsBinary(p.geom))::integer AS piece_id,
       l.road_id, l.road_key, p.community_id, p.geom,
       l.road_key || ':' || p.community_id || ':'
           || substr(md5(ST_AsBinary(ST_Normalize(ST_SnapToGrid(p.geom, 1e-7)))), 1, 16) AS source_key
FROM lines AS l
CROSS JOIN LATERAL roadchief.road_pieces(
    l.geom,
    (SELECT ST_Collect(b.geom ORDER BY b.geom) FROM (
        SELECT o.geom FROM lines AS o WHERE o.road_key <> l.road_key AND o.geom && l.geom
        UNION ALL
        SELECT s.geom FROM public.road_segment AS s
        WHERE s.geom && l.geom AND s.road_id NOT IN (SELECT road_id FROM import_road)
        UNION ALL
        SELECT ST_Intersection(ST_Boundary(a.geom), c.geom)
        FROM import_feature AS a
        JOIN import_feature AS c
            ON c.road_key = a.road_key AND c.ok AND c.road_class <> a.road_class AND c.geom && a.geom
        WHERE a.ok AND a.road_key = l.road_key
    ) AS b),
    :min_m
) AS p;
CREATE INDEX ON import_piece USING gist (geom);
ALTER TABLE import_piece ADD COLUMN road_class text;
-- A piece's class: that of its road's line nearest its middle.
UPDATE import_piece AS p
SET road_class = (
    SELECT f.road_class
    FROM import_feature AS f
    WHERE f.ok AND f.road_key = p.road_key
    ORDER BY ST_Distance(f.geom, ST_LineInterpolatePoint(p.geom, 0.5)), f.feature_no
    LIMIT 1
);
"""

CANDIDATES = """
WITH old AS (
    SELECT s.* FROM public.road_segment AS s
    WHERE s.road_id IN (SELECT road_id FROM import_road)
      AND (s.source_key IS NULL OR s.source_key NOT IN (SELECT source_key FROM import_piece))
), new AS (
    SELECT n.* FROM import_piece AS n
    WHERE n.source_key NOT IN (SELECT s.source_key FROM public.road_segment AS s
                               WHERE s.source_key IS NOT NULL)
)
SELECT n.piece_id, o.id AS segment_id,
       ST_Length(ST_Intersection(n.geom, ST_Buffer(o.geom::geography, 2)::geometry)::geography)
           / GREATEST(ST_Length(n.geom::geography), o.length_m, 0.01) AS score
FROM new AS n
JOIN old AS o ON o.road_id = n.road_id AND ST_DWithin(n.geom, o.geom, 0.0001)
"""

COUNTS = """
SELECT
    (SELECT count(*) FROM import_piece AS n
     WHERE EXISTS (SELECT 1 FROM public.road_segment AS s WHERE s.source_key = n.source_key)) AS unchanged,
    (SELECT array_agg(s.id ORDER BY s.id) FROM public.road_segment AS s
     WHERE s.road_id IN (SELECT road_id FROM import_road)
       AND (s.source_key IS NULL OR s.source_key NOT IN (SELECT source_key FROM import_piece))
       AND s.id <> ALL (:matched)) AS removed
"""

LOST = """
SELECT a.segment_id, r.name AS road, a.tier, c.name AS chief
FROM public.segment_assignment AS a
JOIN public.chief AS c ON c.id = a.chief_id
JOIN public.road_segment AS s ON s.id = a.segment_id
JOIN public.road AS r ON r.id = s.road_id
WHERE a.valid_to IS NULL AND a.segment_id = ANY (:ids)
ORDER BY a.segment_id, a.tier
"""

APPLY = """
UPDATE public.issue SET segment_id = NULL, snap_distance_m = NULL
WHERE segment_id = ANY (:touched);
DELETE FROM public.road_segment WHERE id = ANY (:removed);
UPDATE public.road_segment AS s
SET geom = n.geom, community_id = n.community_id, source_key = n.source_key, road_class = n.road_class
FROM import_piece AS n,
     unnest(CAST(:piece_ids AS integer[]), CAST(:segment_ids AS integer[])) AS m(piece_id, segment_id)
WHERE n.piece_id = m.piece_id AND s.id = m.segment_id;
UPDATE public.road_segment AS s
SET road_class = n.road_class
FROM import_piece AS n
WHERE s.source_key = n.source_key AND s.road_class IS DISTINCT FROM n.road_class;
"""

INSERT_NEW = """
INSERT INTO public.road_segment (road_id, community_id, geom, source_key, road_class)
SELECT n.road_id, n.community_id, n.geom, n.source_key, n.road_class
FROM import_piece AS n
WHERE n.piece_id <> ALL (:matched_pieces)
  AND NOT EXISTS (SELECT 1 FROM public.road_segment AS s WHERE s.source_key = n.source_key)
ORDER BY n.piece_id
RETURNING id
"""

SNAPSHOT = """
DROP TABLE IF EXISTS import_old;
CREATE TEMP TABLE import_old ON COMMIT DROP AS
SELECT s.id, s.geom FROM public.road_segment AS s WHERE s.id = ANY (:kept)
"""

# A new segment lying mostly (half its length within 2 m) on a segment that was kept, i.e. split
# off it by a new crossing, gets that segment's current chiefs too.
INHERIT = """
INSERT INTO public.segment_assignment (segment_id, tier, chief_id, assigned_by)
SELECT DISTINCT ON (n.id, a.tier) n.id, a.tier, a.chief_id, 'import: split from segment ' || o.id
FROM public.road_segment AS n
JOIN import_old AS o ON ST_DWithin(n.geom, o.geom, 0.0001)
JOIN public.segment_assignment AS a ON a.segment_id = o.id AND a.valid_to IS NULL
WHERE n.id = ANY (:created)
  AND ST_Length(ST_Intersection(n.geom, ST_Buffer(o.geom::geography, 2)::geometry)::geography)
      >= 0.5 * n.length_m
ORDER BY n.id, a.tier, o.id
RETURNING segment_id
"""


def write_roads(conn: Connection, summary: ImportSummary, min_m: float, snap_m: float) -> None:
    conn.execute(text(ROAD_LINES))
    summary.roads_updated = len(conn.execute(text(UPDATE_ROADS)).all())
    summary.roads_created = len(conn.execute(text(CREATE_ROADS)).all())
    conn.execute(text(PIECES), {"min_m": min_m})
    matches = match_pieces(conn.execute(text(CANDIDATES)).all())
    piece_ids, segment_ids = [p for p, _ in matches], [s for _, s in matches]
    counts = conn.execute(text(COUNTS), {"matched": segment_ids}).one()
    removed = list(counts.removed or [])
    summary.lost_assignments = [
        dict(r._mapping) for r in conn.execute(text(LOST), {"ids": removed})
    ]
    conn.execute(text(SNAPSHOT), {"kept": segment_ids})
    conn.execute(
        text(APPLY),
        {
            "touched": removed + segment_ids,
            "removed": removed,
            "piece_ids": piece_ids,
            "segment_ids": segment_ids,
        },
    )
    created_ids = conn.execute(text(INSERT_NEW), {"matched_pieces": piece_ids}).scalars().all()
    inherited = conn.execute(text(INHERIT), {"created": created_ids}).scalars().all()
    summary.inherited = len(set(inherited))
    created = len(created_ids)
    summary.unchanged, summary.updated = counts.unchanged, len(matches)
    summary.created, summary.deleted = created, len(removed)
    if removed or matches or created:
        conn.execute(text("SELECT roadchief.snap_issues(:m, true)"), {"m": snap_m})


def match_pieces(candidates) -> list[tuple[int, int]]:
    """Greedy one-to-one matching of new pieces to old segments, best overlap first."""
    used_pieces: set[int] = set()
    used_segments: set[int] = set()
    matches = []
    for piece_id, segment_id, score in sorted(
        candidates, key=lambda c: (-c.score, c.piece_id, c.segment_id)
    ):
        if score < 0.5 or piece_id in used_pieces or segment_id in used_segments:
            continue
        used_pieces.add(piece_id)
        used_segments.add(segment_id)
        matches.append((piece_id, segment_id))
    return sorted(matches)
