-- The road segment nearest to a point, within max_m metres (geodesic), ties broken by the lower id.
-- The degree box pre-filter uses the GiST index; 1 degree of longitude is never shorter than
-- 111,320 m * cos(latitude), so the box never misses a segment inside max_m.
-- Distances are compared to the millimetre: two segments whose distances differ by less (a point
-- midway between two parallel streets, up to floating-point noise) are a tie and the lower id wins,
-- so the choice does not depend on rounding in the spheroid computation.
CREATE OR REPLACE FUNCTION roadchief.nearest_segment(
    p geometry,
    max_m double precision,
    OUT segment_id integer,
    OUT distance_m double precision
)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT c.id, c.d
    FROM (
        SELECT s.id, ST_Distance(s.geom::geography, p::geography) AS d
        FROM public.road_segment AS s
        WHERE ST_DWithin(s.geom, p, max_m / (111320.0 * GREATEST(cos(radians(ST_Y(p))), 0.01)))
    ) AS c
    WHERE c.d <= max_m
    ORDER BY round(c.d * 1000.0), c.id
    LIMIT 1
$$;

-- Snap every issue (or only those not yet snapped) in one statement; returns the rows changed.
CREATE OR REPLACE FUNCTION roadchief.snap_issues(max_m double precision, only_unsnapped boolean DEFAULT false)
RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    changed bigint;
BEGIN
    UPDATE public.issue AS i
    SET segment_id = n.segment_id,
        snap_distance_m = n.distance_m
    FROM public.issue AS src
    LEFT JOIN LATERAL roadchief.nearest_segment(src.geom, max_m) AS n ON true
    WHERE i.id = src.id
      AND (NOT only_unsnapped OR src.segment_id IS NULL)
      AND (i.segment_id IS DISTINCT FROM n.segment_id
           OR i.snap_distance_m IS DISTINCT FROM n.distance_m);
    GET DIAGNOSTICS changed = ROW_COUNT;
    RETURN changed;
END
$$;
