-- density: road segments with their issue count and issues per km for a time window, from the
-- one definition of density (roadchief.segment_density). Every class at every zoom, as in
-- segments; below :detail_from without the road's name and the length.
WITH tile AS (
    SELECT
        ST_TileEnvelope(:z, :x, :y) AS envelope,
        ST_Transform(ST_TileEnvelope(:z, :x, :y, margin => :margin), 4326) AS search,
        :z >= :detail_from AS detailed
),
features AS (
    SELECT
        roadchief.tile_line(s.geom, tile.envelope, :extent, :buffer, :tolerance) AS geom,
        s.id AS segment_id,
        s.id AS feature_id,
        CASE WHEN tile.detailed THEN r.name END AS road_name,
        coalesce(s.road_class, r.road_class) AS road_class,
        CASE WHEN tile.detailed THEN round(s.length_m::numeric, 1)::float8 END AS length_m,
        d.issue_count,
        round(d.per_km::numeric, 2)::float8 AS per_km,
        round(d.per_km_30d::numeric, 2)::float8 AS per_km_30d
    FROM tile
    JOIN public.road_segment AS s
        ON s.geom && tile.search
    JOIN public.road AS r
        ON r.id = s.road_id
    JOIN roadchief.segment_density(
            CAST(:from_ts AS timestamptz), CAST(:to_ts AS timestamptz),
            CAST(:categories AS text[]), CAST(:statuses AS text[]),
            CAST(:sources AS text[])) AS d
        ON d.segment_id = s.id
)
,
drawn AS (
    SELECT *
    FROM features
    WHERE geom IS NOT NULL
),
-- Over :merge_over features: one line per class and class of issues per km (the density
-- style's steps), merged where the pieces join and simplified
-- again by :merged_tolerance tile units, each carrying its class's lower bound as per_km
-- and per_km_30d; no ids nor counts there. A small district keeps them at every zoom.
classed AS (
    SELECT
        drawn.geom, drawn.road_class,
        (ARRAY[0, 0.01, 2, 5, 10, 20])[width_bucket(drawn.per_km, ARRAY[0.01, 2, 5, 10, 20]) + 1]
            AS per_km,
        (ARRAY[0, 0.01, 2, 5, 10, 20])[width_bucket(drawn.per_km_30d, ARRAY[0.01, 2, 5, 10, 20]) + 1]
            AS per_km_30d
    FROM drawn
),
merged AS (
    SELECT
        roadchief.merged_tile_lines(ST_Collect(part.geom), :merged_tolerance) AS geom,
        classed.road_class, classed.per_km::float8 AS per_km, classed.per_km_30d::float8 AS per_km_30d
    FROM classed
    CROSS JOIN LATERAL ST_Dump(classed.geom) AS part
    GROUP BY classed.road_class, classed.per_km, classed.per_km_30d
)
SELECT CASE
    WHEN (SELECT count(*) FROM drawn) <= :merge_over
        THEN (SELECT ST_AsMVT(drawn, 'density', :extent, 'geom', 'feature_id') FROM drawn)
    ELSE (SELECT ST_AsMVT(merged, 'density', :extent, 'geom') FROM merged)
END
