-- road_labels: the line to draw each road's name along, once per road and tile: the road's
-- segments in the tile merged into lines (ST_LineMerge), and of those the longest, so that a
-- client labels a road once per tile instead of once per segment.
WITH tile AS (
    SELECT
        ST_TileEnvelope(:z, :x, :y) AS envelope,
        ST_Transform(ST_TileEnvelope(:z, :x, :y, margin => :margin), 4326) AS search
),
pieces AS (
    SELECT
        r.id AS road_id,
        r.name AS road_name,
        r.road_class,
        (ST_Dump(ST_LineMerge(ST_Collect(s.geom)))).geom AS geom
    FROM tile
    JOIN public.road_segment AS s
        ON s.geom && tile.search
    JOIN public.road AS r
        ON r.id = s.road_id
    GROUP BY r.id, r.name, r.road_class
),
longest AS (
    SELECT DISTINCT ON (p.road_id) p.road_id, p.road_name, p.road_class, p.geom
    FROM pieces AS p
    ORDER BY p.road_id, ST_Length(p.geom) DESC
),
features AS (
    SELECT
        ST_AsMVTGeom(ST_Simplify(ST_Transform(l.geom, 3857), :tolerance), tile.envelope,
                     :extent, :buffer, true) AS geom,
        l.road_id,
        l.road_id AS feature_id,
        l.road_name,
        l.road_class
    FROM tile, longest AS l
)
SELECT ST_AsMVT(features, 'road_labels', :extent, 'geom', 'feature_id')
FROM features
WHERE geom IS NOT NULL
