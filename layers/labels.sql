-- labels: one point inside each sub-district and community (ST_PointOnSurface) to hang its
-- name on, so a map labels each area once instead of once per tile piece of its polygon.
WITH tile AS (
    SELECT
        ST_TileEnvelope(:z, :x, :y) AS envelope,
        ST_Transform(ST_TileEnvelope(:z, :x, :y, margin => :margin), 4326) AS search
),
anchors AS (
    SELECT sd.id, sd.name, 'sub_district' AS level, NULL::text AS kind,
           ST_PointOnSurface(sd.geom) AS geom
    FROM public.sub_district AS sd
    UNION ALL
    SELECT c.id, c.name, 'community' AS level, c.kind, ST_PointOnSurface(c.geom) AS geom
    FROM public.community AS c
),
features AS (
    SELECT
        ST_AsMVTGeom(ST_Transform(a.geom, 3857), tile.envelope, :extent, :buffer, true) AS geom,
        a.id,
        a.name,
        a.level,
        a.kind
    FROM tile
    JOIN anchors AS a
        ON a.geom && tile.search
)
SELECT ST_AsMVT(features, 'labels', :extent, 'geom')
FROM features
