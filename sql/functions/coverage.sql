-- requires: public.road_segment.road_class
-- Each segment with its current chief at each of the three tiers: the one definition of coverage
-- that the tiles, the API and the exports all read.
CREATE OR REPLACE VIEW roadchief.segment_coverage AS
SELECT
    s.id AS segment_id,
    s.road_id,
    r.name AS road_name,
    coalesce(s.road_class, r.road_class) AS road_class,  -- a segment's own class, else its road's
    s.community_id,
    c.name AS community_name,
    c.sub_district_id,
    s.length_m,
    s.geom,
    t1.chief_id AS tier1_chief_id, t1.name AS tier1_chief_name, t1.is_party_member AS tier1_party,
    t2.chief_id AS tier2_chief_id, t2.name AS tier2_chief_name, t2.is_party_member AS tier2_party,
    t3.chief_id AS tier3_chief_id, t3.name AS tier3_chief_name, t3.is_party_member AS tier3_party,
    (t1.chief_id IS NOT NULL)::int + (t2.chief_id IS NOT NULL)::int + (t3.chief_id IS NOT NULL)::int
        AS tiers_covered
FROM public.road_segment AS s
JOIN public.road AS r ON r.id = s.road_id
LEFT JOIN public.community AS c ON c.id = s.community_id
LEFT JOIN LATERAL (
    SELECT a.chief_id, ch.name, ch.is_party_member
    FROM public.segment_assignment AS a
    JOIN public.chief AS ch ON ch.id = a.chief_id
    WHERE a.segment_id = s.id AND a.tier = 1 AND a.valid_to IS NULL
) AS t1 ON true
LEFT JOIN LATERAL (
    SELECT a.chief_id, ch.name, ch.is_party_member
    FROM public.segment_assignment AS a
    JOIN public.chief AS ch ON ch.id = a.chief_id
    WHERE a.segment_id = s.id AND a.tier = 2 AND a.valid_to IS NULL
) AS t2 ON true
LEFT JOIN LATERAL (
    SELECT a.chief_id, ch.name, ch.is_party_member
    FROM public.segment_assignment AS a
    JOIN public.chief AS ch ON ch.id = a.chief_id
    WHERE a.segment_id = s.id AND a.tier = 3 AND a.valid_to IS NULL
) AS t3 ON true;
