-- How imported road lines become segments. `lines` are one road's lines (any collection), `blades`
-- the lines of the other roads near it. The road's lines are merged where they touch (duplicates
-- dissolve), cut where another road crosses or meets it, then cut at community boundaries by
-- roadchief.community_pieces. Slivers are avoided twice: a crossing within min_m metres of the
-- road's own ends does not cut (an overshoot stays part of its segment), and crossings closer
-- than min_m to each other count once (the westernmost, so that the same input always gives the
-- same segments whatever order the rows come in). Parts outside every community are dropped.
CREATE OR REPLACE FUNCTION roadchief.road_pieces(
    lines geometry,
    blades geometry,
    min_m double precision DEFAULT 5.0
)
RETURNS TABLE (community_id integer, geom geometry)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    WITH merged AS (
        SELECT ST_LineMerge(ST_UnaryUnion(ST_Force2D(lines))) AS g
    ),
    raw_cuts AS (
        SELECT q.geom
        FROM merged AS m
        CROSS JOIN LATERAL ST_Dump(ST_Force2D(blades)) AS b
        CROSS JOIN LATERAL ST_Dump(ST_Intersection(m.g, b.geom)) AS p
        CROSS JOIN LATERAL ST_Dump(
            CASE WHEN ST_Dimension(p.geom) = 0 THEN p.geom ELSE ST_Boundary(p.geom) END
        ) AS q
        WHERE ST_Intersects(m.g, b.geom)
          AND NOT ST_DWithin(q.geom::geography, ST_Boundary(m.g)::geography, min_m)
    ),
    cuts AS (
        SELECT ST_Collect(ST_GeometryN(k.cluster, 1)) AS pts
        FROM (
            SELECT unnest(ST_ClusterWithin(r.geom, min_m / 111320.0 ORDER BY ST_X(r.geom), ST_Y(r.geom))) AS cluster
            FROM raw_cuts AS r
        ) AS k
    ),
    pieces AS (
        SELECT d.geom
        FROM merged AS m
        CROSS JOIN cuts AS c
        CROSS JOIN LATERAL ST_Dump(
            CASE WHEN c.pts IS NULL THEN m.g
                 ELSE ST_Split(ST_Snap(m.g, c.pts, 1e-7), c.pts)
            END
        ) AS d
    )
    SELECT cp.community_id, cp.geom
    FROM pieces AS p
    CROSS JOIN LATERAL roadchief.community_pieces(p.geom) AS cp
$$;
