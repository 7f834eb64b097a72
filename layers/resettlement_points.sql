-- resettlement_points: temporary resettlement points (群众临时安置点) with their households.
WITH tile AS (
    SELECT
        ST_TileEnvelope(:z, :x, :y) AS envelope,
        ST_Transform(ST_TileEnvelope(:z, :x, :y, margin => :margin), 4326) AS search
),
features AS (
    SELECT
        ST_AsMVTGeom(ST_Transform(rp.geom, 3857), tile.envelope, :extent, :buffer, true) AS geom,
        rp.id,
        rp.id AS feature_id,
        rp.name,
        rp.households,
        rp.is_safety_demo
    FROM tile
    JOIN public.resettlement_point AS rp
        ON rp.geom && tile.search
)
SELECT ST_AsMVT(features, 'resettlement_points', :extent, 'geom', 'feature_id')
FROM features
