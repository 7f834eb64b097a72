-- density: road segments with their issue count and issues per km for a time window, from the
-- one definition of density (roadchief.segment_density). Minor roads drop out like in segments.
WITH tile AS (
    SELECT
        ST_TileEnvelope(:z, :x, :y) AS envelope,
        ST_Transform(ST_TileEnvelope(:z, :x, :y, margin => :margin), 4326) AS search
),
features AS (
    SELECT
        ST_AsMVTGeom(ST_Simplify(ST_Transform(s.geom, 3857), :tolerance), tile.envelope,
                     :extent, :buffer, true) AS geom,
        s.id AS segment_id,
        r.name AS road_name,
        r.road_class,
        round(s.length_m::numeric, 1)::float8 AS length_m,
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
    WHERE r.road_class <> ALL (CAST(:hidden AS text[]))
)
SELECT ST_AsMVT(features, 'density', :extent, 'geom')
FROM features
