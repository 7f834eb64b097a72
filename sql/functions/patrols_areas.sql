-- requires: public.patrol_rule, public.work_calendar
-- Patrol rate per area for a window [from_ts, to_ts): the segment patrols due and done there
-- (roadchief.patrol_compliance), summed per community, sub-district or the whole district ('district':
-- one row, area_id 0). The one definition that /api/coverage, the rankings, the rankings workbook,
-- the briefing and the chief tree read. rate is NULL where nothing was due: nothing to patrol is
-- not the same as nothing patrolled. General chiefs (tier 0) hold no segment and count in no area.
CREATE OR REPLACE FUNCTION roadchief.area_patrol_rates(level text, from_ts timestamptz, to_ts timestamptz)
RETURNS TABLE (area_id integer, due bigint, done bigint, rate double precision,
               segments_due bigint, segments_not_patrolled bigint)
LANGUAGE sql STABLE AS $$
    SELECT CASE level WHEN 'community' THEN s.community_id
                      WHEN 'sub_district' THEN cm.sub_district_id
                      ELSE 0 END AS area_id,
           sum(c.due)::bigint,
           sum(c.done)::bigint,
           sum(c.done)::double precision / NULLIF(sum(c.due), 0),
           count(DISTINCT c.segment_id) FILTER (WHERE c.due > 0),
           count(DISTINCT c.segment_id) FILTER (WHERE c.due > 0 AND c.done = 0)
    FROM roadchief.patrol_compliance(from_ts, to_ts) AS c
    JOIN public.road_segment AS s
      ON s.id = c.segment_id
    LEFT JOIN public.community AS cm
      ON cm.id = s.community_id
    WHERE level IN ('community', 'sub_district', 'district')
    GROUP BY 1
$$;

-- Patrol rate per chief over a window: all their due patrols (segments and, for general chiefs,
-- tier 0), for the chief tree and the briefing's list of the lowest rates.
CREATE OR REPLACE FUNCTION roadchief.chief_patrol_rates(from_ts timestamptz, to_ts timestamptz)
RETURNS TABLE (chief_id integer, due bigint, done bigint, rate double precision)
LANGUAGE sql STABLE AS $$
    SELECT c.chief_id, sum(c.due)::bigint, sum(c.done)::bigint,
           sum(c.done)::double precision / NULLIF(sum(c.due), 0)
    FROM roadchief.patrol_compliance(from_ts, to_ts) AS c
    GROUP BY c.chief_id
$$;
