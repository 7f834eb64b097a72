-- requires: public.issue.due_override
-- Rankings of communities or sub-districts for briefings: road length and its coverage by chiefs,
-- and the issues of a time window [from_ts, to_ts) on their segments. The one definition that
-- GET /api/rankings, the rankings spreadsheet and the briefing PDF all read.
--   level: 'community' or 'sub_district'; 'district' gives one row for the whole district (every
--   segment, also those outside all communities: the total line of a briefing).
--   Shares of coverage are by length. The party-member share, by people and by length, is
--   roadchief.party_share (coverage.sql), the definition the web map reads too.
--   Issues are those snapped to the area's segments, counted by roadchief.segment_density.
--   per_km divides by the area's road length; per_km_30d scales that to 30 days.
--   Closed on time: status 'closed' and updated_at (the last workflow step) no later than the
--   case's due_at (roadchief.case_deadline, in working time); a category without a deadline is
--   never late.
--   Open overdue: its clock runs (not closed, rejected or on hold) and past its deadline (moved
--   by an approved extension) at the end of the window (or now, if earlier).
--   Shares over zero issues are NULL, not 0: nothing to close is not the same as nothing closed.
-- The result's columns changed (the party share by people and by length): a replace cannot.
DROP FUNCTION IF EXISTS roadchief.area_rankings(text, timestamptz, timestamptz, text[]);
CREATE OR REPLACE FUNCTION roadchief.area_rankings(
    level text,
    from_ts timestamptz,
    to_ts timestamptz,
    categories text[] DEFAULT NULL
)
RETURNS TABLE (
    area_id integer,
    area_code text,
    area_name text,
    sub_district_name text,
    segments bigint,
    km double precision,
    tier1_share double precision,
    tier2_share double precision,
    tier3_share double precision,
    all_tiers_share double precision,
    tier3_party_share_by_people double precision,
    tier3_party_share_by_length double precision,
    issues bigint,
    per_km double precision,
    per_km_30d double precision,
    closed bigint,
    closed_share double precision,
    closed_on_time bigint,
    closed_on_time_share double precision,
    open_overdue bigint
)
LANGUAGE plpgsql STABLE AS $$
#variable_conflict use_column
BEGIN
    IF level IS NULL OR level NOT IN ('community', 'sub_district', 'district') THEN
        RAISE EXCEPTION USING ERRCODE = '22023',
            MESSAGE = 'level must be community, sub_district or district, not '
                      || coalesce(level, 'NULL');
    END IF;
    RETURN QUERY
    WITH cases AS (
        SELECT
            i.segment_id,
            count(*) FILTER (WHERE i.status = 'closed') AS n_closed,
            count(*) FILTER (
                WHERE i.status = 'closed'
                  AND (d.due_at IS NULL OR i.updated_at <= d.due_at)
            ) AS n_on_time,
            count(*) FILTER (
                WHERE roadchief.clock_runs(i.status)
                  AND LEAST(now(), to_ts) > d.due_at
            ) AS n_overdue
        FROM roadchief.counted_issues(from_ts, to_ts, categories) AS i
        LEFT JOIN LATERAL roadchief.handling_deadline(i.reported_at, i.category_code, i.due_override) AS d
            ON true
        GROUP BY i.segment_id
    ),
    per_segment AS (
        SELECT
            CASE level
                WHEN 'community' THEN cov.community_id
                WHEN 'sub_district' THEN cov.sub_district_id
                ELSE 0
            END AS key,
            cov.length_m,
            cov.tier1_chief_id IS NOT NULL AS t1,
            cov.tier2_chief_id IS NOT NULL AS t2,
            cov.tier3_chief_id IS NOT NULL AS t3,
            d.issue_count,
            coalesce(c.n_closed, 0) AS n_closed,
            coalesce(c.n_on_time, 0) AS n_on_time,
            coalesce(c.n_overdue, 0) AS n_overdue
        FROM roadchief.segment_coverage AS cov
        JOIN roadchief.segment_density(from_ts, to_ts, categories) AS d
            ON d.segment_id = cov.segment_id
        LEFT JOIN cases AS c
            ON c.segment_id = cov.segment_id
    ),
    totals AS (
        SELECT
            p.key,
            count(*) AS n_segments,
            sum(p.length_m) AS length_m,
            sum(p.length_m) FILTER (WHERE p.t1) AS t1_m,
            sum(p.length_m) FILTER (WHERE p.t2) AS t2_m,
            sum(p.length_m) FILTER (WHERE p.t3) AS t3_m,
            sum(p.length_m) FILTER (WHERE p.t1 AND p.t2 AND p.t3) AS all_m,
            sum(p.issue_count) AS n_issues,
            sum(p.n_closed) AS n_closed,
            sum(p.n_on_time) AS n_on_time,
            sum(p.n_overdue) AS n_overdue
        FROM per_segment AS p
        WHERE p.key IS NOT NULL
        GROUP BY p.key
    ),
    areas AS (
        SELECT c.id, c.code, c.name, sd.name AS sd_name
        FROM public.community AS c
        JOIN public.sub_district AS sd
            ON sd.id = c.sub_district_id
        WHERE level = 'community'
        UNION ALL
        SELECT sd.id, sd.code, sd.name, sd.name
        FROM public.sub_district AS sd
        WHERE level = 'sub_district'
        UNION ALL
        SELECT 0, NULL, NULL, NULL
        WHERE level = 'district'
    )
    SELECT
        a.id,
        a.code,
        a.name,
        a.sd_name,
        coalesce(t.n_segments, 0)::bigint,
        coalesce(t.length_m, 0) / 1000.0,
        coalesce(t.t1_m, 0) / NULLIF(t.length_m, 0),
        coalesce(t.t2_m, 0) / NULLIF(t.length_m, 0),
        coalesce(t.t3_m, 0) / NULLIF(t.length_m, 0),
        coalesce(t.all_m, 0) / NULLIF(t.length_m, 0),
        ps.by_people,
        ps.by_length,
        coalesce(t.n_issues, 0)::bigint,
        coalesce(t.n_issues, 0) / NULLIF(t.length_m / 1000.0, 0),
        coalesce(t.n_issues, 0) / NULLIF(t.length_m / 1000.0, 0)
            * 30.0 / GREATEST(extract(epoch FROM to_ts - from_ts) / 86400.0, 1.0 / 24),
        coalesce(t.n_closed, 0)::bigint,
        t.n_closed::double precision / NULLIF(t.n_issues, 0),
        coalesce(t.n_on_time, 0)::bigint,
        t.n_on_time::double precision / NULLIF(t.n_issues, 0),
        coalesce(t.n_overdue, 0)::bigint
    FROM areas AS a
    LEFT JOIN totals AS t
        ON t.key = a.id
    LEFT JOIN roadchief.party_share(level) AS ps
        ON ps.area_id = a.id
    ORDER BY 15 DESC NULLS LAST, a.code;
END
$$;
