-- patrols: every road segment with when it was last patrolled (a patrol not too fast that covered
-- at least the smallest rule share of it) and its status: 'today', 'week' (since Monday) or
-- 'none'. :day_start and :week_start come from the layer's parameters (Beijing time).
WITH tile AS (
    SELECT
        ST_TileEnvelope(:z, :x, :y) AS envelope,
        ST_Transform(ST_TileEnvelope(:z, :x, :y, margin => :margin), 4326) AS search
),
share AS (
    SELECT min(r.min_share) AS least_share
    FROM public.patrol_rule AS r
),
features AS (
    SELECT
        ST_AsMVTGeom(ST_Simplify(ST_Transform(s.geom, 3857), :tolerance), tile.envelope,
                     :extent, :buffer, true) AS geom,
        s.id AS segment_id,
        r.name AS road_name,
        r.road_class,
        last.started_at::text AS last_patrol_at,
        CASE
            WHEN last.started_at >= :day_start THEN 'today'
            WHEN last.started_at >= :week_start THEN 'week'
            ELSE 'none'
        END AS status
    FROM tile
    JOIN public.road_segment AS s
        ON s.geom && tile.search
    JOIN public.road AS r
        ON r.id = s.road_id
    LEFT JOIN LATERAL (
        SELECT max(p.started_at) AS started_at
        FROM public.patrol_segment AS ps
        JOIN public.patrol AS p
            ON p.id = ps.patrol_id
        WHERE ps.segment_id = s.id
          AND ps.covered_share >= (SELECT share.least_share FROM share)
          AND NOT p.too_fast
          AND p.started_at >= :week_start - interval '30 days'
    ) AS last ON true
    WHERE r.road_class <> ALL (CAST(:hidden AS text[]))
)
SELECT ST_AsMVT(features, 'patrols', :extent, 'geom')
FROM features
