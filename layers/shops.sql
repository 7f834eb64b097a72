-- shops: shops along the streets, coloured by the week's flag (red/black/none), 停业整顿 marked.
WITH tile AS (
    SELECT
        ST_TileEnvelope(:z, :x, :y) AS envelope,
        ST_Transform(ST_TileEnvelope(:z, :x, :y, margin => :margin), 4326) AS search
),
features AS (
    SELECT
        ST_AsMVTGeom(ST_Transform(w.geom, 3857), tile.envelope, :extent, :buffer, true) AS geom,
        w.shop_id AS id,
        w.shop_id AS feature_id,
        w.name,
        w.flag,
        w.suspended,
        w.road_name,
        w.community_name
    FROM tile
    JOIN roadchief.shop_week(CAST(:week AS date)) AS w
        ON w.geom && tile.search
)
SELECT ST_AsMVT(features, 'shops', :extent, 'geom', 'feature_id')
FROM features
