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

-- The party-member share (党员占比) of the tier-3 chiefs (the community cadres the 0.8 target is
-- about), per area: the one definition the web map's statistics, the rankings workbook and the
-- briefing read. Two measures, both named wherever they are shown:
--   by_people (按人数): distinct current tier-3 chiefs of the area's segments who are party
--     members ÷ all distinct current tier-3 chiefs of the area's segments (a chief of several
--     segments counts once); NULL when the area has no tier-3 chief.
--   by_length (按长度): length of the area's road whose current tier-3 chief is a party member ÷
--     all the area's road length (road without a tier-3 chief counts as not party: the share of
--     streets a party member looks after); NULL when the area has no road.
--   level: 'community', 'sub_district' or 'district' (one row, area_id 0, every segment, also
--   those outside all communities). Segments outside every area of the level are left out.
CREATE OR REPLACE FUNCTION roadchief.party_share(level text)
RETURNS TABLE (
    area_id integer,
    tier3_chiefs bigint,
    tier3_party_chiefs bigint,
    by_people double precision,
    road_m double precision,
    party_m double precision,
    by_length double precision
)
LANGUAGE sql STABLE AS $$
    SELECT
        k.area_id,
        count(DISTINCT k.tier3_chief_id),
        count(DISTINCT k.tier3_chief_id) FILTER (WHERE k.tier3_party),
        (count(DISTINCT k.tier3_chief_id) FILTER (WHERE k.tier3_party))::double precision
            / NULLIF(count(DISTINCT k.tier3_chief_id), 0),
        sum(k.length_m),
        coalesce(sum(k.length_m) FILTER (WHERE k.tier3_party), 0),
        coalesce(sum(k.length_m) FILTER (WHERE k.tier3_party), 0) / NULLIF(sum(k.length_m), 0)
    FROM (
        SELECT
            CASE level
                WHEN 'community' THEN sc.community_id
                WHEN 'sub_district' THEN sc.sub_district_id
                ELSE 0
            END AS area_id,
            sc.tier3_chief_id,
            coalesce(sc.tier3_party, false) AS tier3_party,
            sc.length_m
        FROM roadchief.segment_coverage AS sc
    ) AS k
    WHERE k.area_id IS NOT NULL
    GROUP BY k.area_id
$$;
