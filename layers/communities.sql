-- communities: village and community (村/社区) boundaries with their sub-district.
WITH tile AS (
    SELECT
        ST_TileEnvelope(:z, :x, :y) AS envelope,
        ST_Transform(ST_TileEnvelope(:z, :x, :y, margin => :margin), 4326) AS search
),
features AS (
    SELECT
        ST_AsMVTGeom(ST_Simplify(ST_Transform(c.geom, 3857), :tolerance), tile.envelope,
                     :extent, :buffer, true) AS geom,
        c.id,
        c.id AS feature_id,
        c.code,
        c.name,
        c.kind,
        c.sub_district_id,
        sd.name AS sub_district_name
    FROM tile
    JOIN public.community AS c
        ON c.geom && tile.search
    JOIN public.sub_district AS sd
        ON sd.id = c.sub_district_id
)
SELECT ST_AsMVT(features, 'communities', :extent, 'geom', 'feature_id')
FROM features
