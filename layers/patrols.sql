-- patrols: every road segment with when it was last patrolled (a patrol not too fast that covered
-- at least the smallest rule share of it) and its status: 'today', 'week' (since Monday) or
-- 'none'. :day_start and :week_start come from the layer's parameters (Beijing time). Every class
-- at every zoom, as in segments; below :detail_from without the road's name and the patrol's time.
WITH tile AS (
    SELECT
        ST_TileEnvelope(:z, :x, :y) AS envelope,
        ST_Transform(ST_TileEnvelope(:z, :x, :y, margin => :margin), 4326) AS search,
        :z >= :detail_from AS detailed
),
share AS (
    SELECT min(r.min_share) AS least_share
    FROM public.patrol_rule AS r
),
features AS (
    SELECT
        roadchief.tile_line(s.geom, tile.envelope, :extent, :buffer, :tolerance) AS geom,
        s.id AS segment_id,
        CASE WHEN tile.detailed THEN r.name END AS road_name,
        coalesce(s.road_class, r.road_class) AS road_class,
        CASE WHEN tile.detailed THEN last.started_at::text END AS last_patrol_at,
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
)
,
drawn AS (
    SELECT *
    FROM features
    WHERE geom IS NOT NULL
),
-- Over :merge_over features: one line per class and status, merged where the pieces join and
-- simplified again by :merged_tolerance tile units.
merged AS (
    SELECT
        roadchief.merged_tile_lines(ST_Collect(part.geom), :merged_tolerance) AS geom,
        drawn.road_class, drawn.status
    FROM drawn
    CROSS JOIN LATERAL ST_Dump(drawn.geom) AS part
    GROUP BY drawn.road_class, drawn.status
)
SELECT CASE
    WHEN (SELECT count(*) FROM drawn) <= :merge_over
        THEN (SELECT ST_AsMVT(drawn, 'patrols', :extent, 'geom') FROM drawn)
    ELSE (SELECT ST_AsMVT(merged, 'patrols', :extent, 'geom') FROM merged)
END
