-- sub_districts: the sub-district offices' (办事处) boundaries.
WITH tile AS (
    SELECT
        ST_TileEnvelope(:z, :x, :y) AS envelope,
        ST_Transform(ST_TileEnvelope(:z, :x, :y, margin => :margin), 4326) AS search
),
features AS (
    SELECT
        ST_AsMVTGeom(ST_Simplify(ST_Transform(sd.geom, 3857), :tolerance), tile.envelope,
                     :extent, :buffer, true) AS geom,
        sd.id,
        sd.id AS feature_id,
        sd.code,
        sd.name
    FROM tile
    JOIN public.sub_district AS sd
        ON sd.geom && tile.search
)
SELECT ST_AsMVT(features, 'sub_districts', :extent, 'geom', 'feature_id')
FROM features
