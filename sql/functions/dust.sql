-- requires: public.dust_sample, public.dust_limit, public.dust_ring_zone, public.segment_cleaner
-- Dust by the gram (以克论净): the zone and limit of a segment, and the numbers per segment for a
-- window. The one definition that sample entry, the API, the rankings, the report figures and the
-- dust tiles read.

-- 'inside' when the segment's midpoint lies in a polygon of the ring-road zone, else 'outside'.
CREATE OR REPLACE FUNCTION roadchief.dust_zone(segment_geom geometry)
RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN EXISTS (
        SELECT 1
        FROM public.dust_ring_zone AS z
        WHERE ST_Intersects(z.geom, ST_LineInterpolatePoint(segment_geom, 0.5))
    ) THEN 'inside' ELSE 'outside' END
$$;

-- The limit (g/m²) on the segment's surface: the most specific dust_limit row that matches its
-- zone and road class (a NULL zone or class matches any; a class outranks a zone). NULL when no
-- row matches.
CREATE OR REPLACE FUNCTION roadchief.dust_limit_for(segment integer, surface text)
RETURNS numeric
LANGUAGE sql STABLE AS $$
    SELECT l.limit_g_m2
    FROM public.road_segment AS s
    JOIN public.road AS r
        ON r.id = s.road_id
    CROSS JOIN LATERAL (SELECT roadchief.dust_zone(s.geom) AS zone) AS z
    JOIN public.dust_limit AS l
        ON l.surface = dust_limit_for.surface
       AND (l.zone IS NULL OR l.zone = z.zone)
       AND (l.road_class IS NULL OR l.road_class = coalesce(s.road_class, r.road_class))
    WHERE s.id = segment
    ORDER BY (l.road_class IS NOT NULL) DESC, (l.zone IS NOT NULL) DESC, l.limit_g_m2
    LIMIT 1
$$;

-- Per segment sampled in [from_ts, to_ts): the samples, how many were over their limit, the mean
-- g/m² and the mean limit; and its latest sample before to_ts (whatever the window's start) with
-- its limit; and the company that cleans it.
CREATE OR REPLACE FUNCTION roadchief.dust_by_segment(from_ts timestamptz, to_ts timestamptz)
RETURNS TABLE (segment_id integer, samples bigint, over_limit bigint, mean_g_m2 numeric,
               mean_limit_g_m2 numeric, latest_g_m2 numeric, latest_limit_g_m2 numeric,
               latest_at timestamptz, unit_id integer)
LANGUAGE sql STABLE AS $$
    WITH window_samples AS (
        SELECT
            d.segment_id,
            count(*) AS samples,
            count(*) FILTER (WHERE d.grams_per_m2 > d.limit_g_m2) AS over_limit,
            avg(d.grams_per_m2) AS mean_g_m2,
            avg(d.limit_g_m2) AS mean_limit_g_m2
        FROM public.dust_sample AS d
        WHERE d.sampled_at >= from_ts
          AND d.sampled_at < to_ts
        GROUP BY d.segment_id
    )
    SELECT
        w.segment_id, w.samples, w.over_limit, w.mean_g_m2, w.mean_limit_g_m2,
        latest.grams_per_m2, latest.limit_g_m2, latest.sampled_at, c.unit_id
    FROM window_samples AS w
    LEFT JOIN public.segment_cleaner AS c
        ON c.segment_id = w.segment_id
    CROSS JOIN LATERAL (
        SELECT l.grams_per_m2, l.limit_g_m2, l.sampled_at
        FROM public.dust_sample AS l
        WHERE l.segment_id = w.segment_id
          AND l.sampled_at < to_ts
        ORDER BY l.sampled_at DESC, l.id DESC
        LIMIT 1
    ) AS latest
$$;
