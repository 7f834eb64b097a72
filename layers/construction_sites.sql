-- construction_sites: construction sites (施工工地), flagged when a green demonstration site.
WITH tile AS (
    SELECT
        ST_TileEnvelope(:z, :x, :y) AS envelope,
        ST_Transform(ST_TileEnvelope(:z, :x, :y, margin => :margin), 4326) AS search
),
features AS (
    SELECT
        ST_AsMVTGeom(ST_Simplify(ST_Transform(cs.geom, 3857), :tolerance), tile.envelope,
                     :extent, :buffer, true) AS geom,
        cs.id,
        cs.id AS feature_id,
        cs.name,
        cs.status,
        cs.is_green_demo
    FROM tile
    JOIN public.construction_site AS cs
        ON cs.geom && tile.search
)
SELECT ST_AsMVT(features, 'construction_sites', :extent, 'geom', 'feature_id')
FROM features
