-- segments as features (OGC API, file exports): each road segment with its road, area, length and
-- the chief and party membership at each tier, from roadchief.segment_coverage.
SELECT
    v.segment_id AS id,
    v.road_id,
    v.road_name,
    v.road_class,
    v.community_id,
    v.community_name,
    sd.name AS sub_district_name,
    round(v.length_m::numeric, 2)::float AS length_m,
    v.tier1_chief_name,
    v.tier1_party,
    v.tier2_chief_name,
    v.tier2_party,
    v.tier3_chief_name,
    v.tier3_party,
    v.tiers_covered,
    s.source_key,
    v.geom
FROM roadchief.segment_coverage AS v
JOIN public.road_segment AS s
    ON s.id = v.segment_id
LEFT JOIN public.sub_district AS sd
    ON sd.id = v.sub_district_id
