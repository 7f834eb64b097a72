-- segments: every road segment with its current chief at each tier, read from the one definition
-- of coverage (roadchief.segment_coverage), found through the GiST index on its geometry with the
-- tile (plus its buffer) in EPSG:4326. Minor road classes drop out below their zoom (:hidden);
-- lines are simplified to the tile's resolution (:tolerance, metres).
WITH tile AS (
    SELECT
        ST_TileEnvelope(:z, :x, :y) AS envelope,
        ST_Transform(ST_TileEnvelope(:z, :x, :y, margin => :margin), 4326) AS search
),
features AS (
    SELECT
        ST_AsMVTGeom(ST_Simplify(ST_Transform(c.geom, 3857), :tolerance), tile.envelope,
                     :extent, :buffer, true) AS geom,
        c.segment_id,
        c.segment_id AS feature_id,
        c.road_name,
        c.road_class,
        c.community_name,
        c.sub_district_id,
        round(c.length_m::numeric, 1)::float8 AS length_m,
        c.tier1_chief_id,
        c.tier1_chief_name,
        c.tier1_party,
        c.tier2_chief_id,
        c.tier2_chief_name,
        c.tier2_party,
        c.tier3_chief_id,
        c.tier3_chief_name,
        c.tier3_party,
        c.tiers_covered
    FROM tile
    JOIN roadchief.segment_coverage AS c
        ON c.geom && tile.search
    WHERE c.road_class <> ALL (CAST(:hidden AS text[]))
)
SELECT ST_AsMVT(features, 'segments', :extent, 'geom', 'feature_id')
FROM features
