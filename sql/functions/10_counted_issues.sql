-- The signature before sources was added (it never shipped in a release, but a dev database may
-- hold it): dropped so that named-argument calls are not ambiguous.
DROP FUNCTION IF EXISTS roadchief.counted_issues(timestamptz, timestamptz, text[], text[], integer, integer, text);

-- Which issues count: the one filter that density, rankings, exports and the ledger list select
-- from, so they agree to the issue.
--   from_ts, to_ts: the window [from_ts, to_ts) on reported_at; a NULL bound is unbounded.
--   categories: sub-item codes or major-task codes; a task code (T03) matches all its sub-items
--   (T03.01 ...), by the parent_code of the category table. NULL: every category.
--   statuses: NULL for every status. sources: issue.source values (patrol, hotline, open311 ...);
--   NULL for every source.
--   community_id, sub_district_id: the area; NULL for no limit. Which community an issue is in
--   depends on the reader, hence area_of:
--     'segment' (exports, rankings, density): only issues snapped to a segment, placed in the
--        community of their segment, so an area's issues are those drawn on its roads;
--     'issue' (the ledger list, the unsnapped count): every issue, placed in the community its
--        point lies in (issue.community_id), so an issue far from any road is still listed.
--   Any other area_of counts nothing, so a misspelling shows at once.
-- LANGUAGE sql STABLE with a single SELECT (not STRICT, no SET, not SECURITY DEFINER) so the
-- planner inlines it into the caller: a NULL argument folds its clause away and the caller's own
-- conditions (segment_id = ..., a bounding box) reach the indexes on issue.
CREATE OR REPLACE FUNCTION roadchief.counted_issues(
    from_ts timestamptz DEFAULT NULL,
    to_ts timestamptz DEFAULT NULL,
    categories text[] DEFAULT NULL,
    statuses text[] DEFAULT NULL,
    community_id integer DEFAULT NULL,
    sub_district_id integer DEFAULT NULL,
    area_of text DEFAULT 'segment',
    sources text[] DEFAULT NULL
)
RETURNS SETOF public.issue
LANGUAGE sql STABLE AS $$
    -- Arguments are qualified with the function's name: in a SQL function a column of the same
    -- name (issue.community_id, community.sub_district_id) would win over an unqualified one.
    SELECT i.*
    FROM public.issue AS i
    -- coalesce, not "from_ts IS NULL OR ...": a bound such as now() - interval '30 days' is not
    -- a constant when planned, and the OR would keep the window out of the index condition.
    WHERE i.reported_at >= coalesce(counted_issues.from_ts, '-infinity')
      AND i.reported_at < coalesce(counted_issues.to_ts, 'infinity')
      AND (counted_issues.categories IS NULL
           OR i.category_code IN (
               SELECT cat.code
               FROM public.issue_category AS cat
               WHERE cat.code = ANY (counted_issues.categories)
                  OR cat.parent_code = ANY (counted_issues.categories)))
      AND (counted_issues.statuses IS NULL OR i.status = ANY (counted_issues.statuses))
      AND (counted_issues.sources IS NULL OR i.source = ANY (counted_issues.sources))
      AND (counted_issues.area_of = 'issue'
           OR counted_issues.area_of = 'segment' AND i.segment_id IS NOT NULL)
      -- The area as "= ANY (ARRAY(...))": the array is computed once and the comparison is an
      -- index condition (ix_issue_community, ix_issue_segment_reported), where "IN (SELECT ...)"
      -- under the OR would be a filter over every issue of the window.
      AND (counted_issues.community_id IS NULL
           OR counted_issues.area_of = 'issue' AND i.community_id = counted_issues.community_id
           OR counted_issues.area_of = 'segment' AND i.segment_id = ANY (ARRAY(
               SELECT s.id
               FROM public.road_segment AS s
               WHERE s.community_id = counted_issues.community_id)))
      AND (counted_issues.sub_district_id IS NULL
           OR counted_issues.area_of = 'issue' AND i.community_id = ANY (ARRAY(
               SELECT a.id
               FROM public.community AS a
               WHERE a.sub_district_id = counted_issues.sub_district_id))
           OR counted_issues.area_of = 'segment' AND i.segment_id = ANY (ARRAY(
               SELECT s.id
               FROM public.road_segment AS s
               JOIN public.community AS a
                   ON a.id = s.community_id
               WHERE a.sub_district_id = counted_issues.sub_district_id)))
$$;
