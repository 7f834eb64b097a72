-- dust: every sampled road segment coloured by its latest sample against that sample's limit
-- ('达标' or '超标'), with the mean of the samples of that sample's ISO week (Beijing time) and
-- the mean limit, so that the tile depends on the data only, never on today's date (the cache
-- keys on the tables' change counters). Unsampled segments are not drawn. Below :detail_from
-- without the road's name and the numbers.
WITH tile AS (
    SELECT
        ST_TileEnvelope(:z, :x, :y) AS envelope,
        ST_Transform(ST_TileEnvelope(:z, :x, :y, margin => :margin), 4326) AS search,
        :z >= :detail_from AS detailed
),
latest AS (
    SELECT DISTINCT ON (d.segment_id)
        d.segment_id, d.grams_per_m2, d.limit_g_m2, d.sampled_at,
        date_trunc('week', d.sampled_at AT TIME ZONE 'Asia/Shanghai') AS week_start
    FROM public.dust_sample AS d
    JOIN public.road_segment AS s
        ON s.id = d.segment_id
    CROSS JOIN tile
    WHERE s.geom && tile.search
    ORDER BY d.segment_id, d.sampled_at DESC, d.id DESC
),
features AS (
    SELECT
        roadchief.tile_line(s.geom, tile.envelope, :extent, :buffer, :tolerance) AS geom,
        s.id AS segment_id,
        CASE WHEN tile.detailed THEN r.name END AS road_name,
        coalesce(s.road_class, r.road_class) AS road_class,
        CASE WHEN tile.detailed THEN CAST(latest.grams_per_m2 AS float8) END AS latest_g_m2,
        CASE WHEN tile.detailed THEN CAST(latest.limit_g_m2 AS float8) END AS limit_g_m2,
        CASE WHEN tile.detailed THEN CAST(week.mean_g_m2 AS float8) END AS week_mean_g_m2,
        CASE WHEN latest.grams_per_m2 > latest.limit_g_m2 THEN '超标' ELSE '达标' END AS status,
        CASE WHEN week.mean_g_m2 > week.mean_limit THEN '超标' ELSE '达标' END AS week_status
    FROM tile
    CROSS JOIN latest
    JOIN public.road_segment AS s
        ON s.id = latest.segment_id
    JOIN public.road AS r
        ON r.id = s.road_id
    CROSS JOIN LATERAL (
        SELECT avg(w.grams_per_m2) AS mean_g_m2, avg(w.limit_g_m2) AS mean_limit
        FROM public.dust_sample AS w
        WHERE w.segment_id = latest.segment_id
          AND w.sampled_at >= latest.week_start AT TIME ZONE 'Asia/Shanghai'
          AND w.sampled_at < (latest.week_start + interval '7 days') AT TIME ZONE 'Asia/Shanghai'
    ) AS week
),
drawn AS (
    SELECT *
    FROM features
    WHERE geom IS NOT NULL
),
-- Over :merge_over features: one line per class and status, merged where the pieces join.
merged AS (
    SELECT
        roadchief.merged_tile_lines(ST_Collect(part.geom), :merged_tolerance) AS geom,
        drawn.road_class, drawn.status, drawn.week_status
    FROM drawn
    CROSS JOIN LATERAL ST_Dump(drawn.geom) AS part
    GROUP BY drawn.road_class, drawn.status, drawn.week_status
)
SELECT CASE
    WHEN (SELECT count(*) FROM drawn) <= :merge_over
        THEN (SELECT ST_AsMVT(drawn, 'dust', :extent, 'geom') FROM drawn)
    ELSE (SELECT ST_AsMVT(merged, 'dust', :extent, 'geom') FROM merged)
END
