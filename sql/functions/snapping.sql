-- The road segment nearest to a point, within max_m metres (geodesic), ties broken by the lower id.
-- The degree box pre-filter uses the GiST index; 1 degree of longitude is never shorter than
-- 111,320 m * cos(latitude), so the box never misses a segment inside max_m.
CREATE OR REPLACE FUNCTION roadchief.nearest_segment(
    p geometry,
    max_m double precision,
    OUT segment_id integer,
    OUT distance_m double precision
)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT s.id, ST_Distance(s.geom::geography, p::geography)
    FROM public.road_segment AS s
    WHERE ST_DWithin(s.geom, p, max_m / (111320.0 * GREATEST(cos(radians(ST_Y(p))), 0.01)))
      AND ST_DWithin(s.geom::geography, p::geography, max_m)
    ORDER BY ST_Distance(s.geom::geography, p::geography), s.id
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
      AND i.segment_id IS DISTINCT FROM n.segment_id;
    GET DIAGNOSTICS changed = ROW_COUNT;
    RETURN changed;
END
$$;
