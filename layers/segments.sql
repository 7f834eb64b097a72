-- segments: every road segment with its current chief at each tier, read from the one definition
-- of coverage (roadchief.segment_coverage), found through the GiST index on its geometry with the
-- tile (plus its buffer) in EPSG:4326. Every class is drawn at every zoom (roadchief.tile_line
-- keeps even a segment shorter than a tile pixel); below :detail_from a segment carries only what
-- colouring it needs (its id, class, tiers covered, each tier's chief id and party flag): the other
-- attributes are NULL, which ST_AsMVT leaves out, so a low-zoom tile stays small.
WITH tile AS (
    SELECT
        ST_TileEnvelope(:z, :x, :y) AS envelope,
        ST_Transform(ST_TileEnvelope(:z, :x, :y, margin => :margin), 4326) AS search,
        :z >= :detail_from AS detailed
),
features AS (
    SELECT
        roadchief.tile_line(c.geom, tile.envelope, :extent, :buffer, :tolerance) AS geom,
        c.segment_id,
        c.segment_id AS feature_id,
        CASE WHEN tile.detailed THEN c.road_name END AS road_name,
        c.road_class,
        CASE WHEN tile.detailed THEN c.community_name END AS community_name,
        CASE WHEN tile.detailed THEN c.sub_district_id END AS sub_district_id,
        CASE WHEN tile.detailed THEN round(c.length_m::numeric, 1)::float8 END AS length_m,
        c.tier1_chief_id,
        CASE WHEN tile.detailed THEN c.tier1_chief_name END AS tier1_chief_name,
        c.tier1_party,
        c.tier2_chief_id,
        CASE WHEN tile.detailed THEN c.tier2_chief_name END AS tier2_chief_name,
        c.tier2_party,
        c.tier3_chief_id,
        CASE WHEN tile.detailed THEN c.tier3_chief_name END AS tier3_chief_name,
        c.tier3_party,
        c.tiers_covered
    FROM tile
    JOIN roadchief.segment_coverage AS c
        ON c.geom && tile.search
)
,
drawn AS (
    SELECT *
    FROM features
    WHERE geom IS NOT NULL
),
-- Over :merge_over features (a low-zoom tile of a city): one line per colour state, i.e. per
-- class, tiers covered and each tier's party flag (NULL: no chief at that tier), merged where the
-- pieces join and simplified again by :merged_tolerance tile units across the joins; the segment
-- and chief ids go, the colours stay. A small district keeps its ids at every zoom.
merged AS (
    SELECT
        roadchief.merged_tile_lines(ST_Collect(part.geom), :merged_tolerance) AS geom,
        drawn.road_class, drawn.tier1_party, drawn.tier2_party, drawn.tier3_party,
        drawn.tiers_covered
    FROM drawn
    CROSS JOIN LATERAL ST_Dump(drawn.geom) AS part
    GROUP BY drawn.road_class, drawn.tier1_party, drawn.tier2_party, drawn.tier3_party,
        drawn.tiers_covered
)
SELECT CASE
    WHEN (SELECT count(*) FROM drawn) <= :merge_over
        THEN (SELECT ST_AsMVT(drawn, 'segments', :extent, 'geom', 'feature_id') FROM drawn)
    ELSE (SELECT ST_AsMVT(merged, 'segments', :extent, 'geom') FROM merged)
END
