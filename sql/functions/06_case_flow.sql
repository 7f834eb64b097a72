-- requires: public.issue.due_override, public.stage_deadline
-- The case flow's deadlines and duplicates: the one definition that the ledger, the case view,
-- the rankings and the indicators read. (Named 06_ so that the files after it find these.)

-- The handling deadline of a case: the category's deadline in working time from the report
-- (roadchief.case_deadline), or the later time an approved extension (延期) moved it to.
-- NULL for a category without a deadline (never late). Inlined when joined LATERAL.
CREATE OR REPLACE FUNCTION roadchief.handling_deadline(
    reported timestamptz, category text, override timestamptz)
RETURNS TABLE (due_at timestamptz)
LANGUAGE sql STABLE AS $$
    SELECT coalesce(override, (SELECT d.due_at FROM roadchief.case_deadline(reported, category) AS d))
$$;

-- Whether a case's handling clock runs: not finished (结案, 不予立案) and not on hold (挂账), so
-- only such a case can be overdue.
CREATE OR REPLACE FUNCTION roadchief.clock_runs(status text)
RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
    SELECT status NOT IN ('closed', 'rejected', 'on_hold')
$$;

-- A distance in degrees that covers radius_m metres around a point in every direction: a
-- degree of latitude is at least 110 km, one of longitude that times the cosine of the latitude
-- (taken a degree further from the equator, for the margin). ST_DWithin on the geometry with it
-- can use the GiST index on geom and keeps every point the exact test on the geography keeps.
CREATE OR REPLACE FUNCTION roadchief.degrees_covering(point geometry, radius_m float8)
RETURNS float8
LANGUAGE sql IMMUTABLE STRICT AS $$
    SELECT radius_m / (110000 * cos(radians(least(abs(ST_Y(point)) + 1, 89))))
$$;

-- Open cases (not 结案 nor 不予立案) of the same category within radius_m metres of the issue,
-- nearest first (ties by id): the duplicates offered at filing (立案). Distances on the geography.
CREATE OR REPLACE FUNCTION roadchief.duplicate_candidates(issue_id bigint, radius_m float8)
RETURNS TABLE (
    id bigint,
    category_code text,
    status text,
    description text,
    reported_at timestamptz,
    distance_m float8
)
LANGUAGE sql STABLE AS $$
    SELECT o.id, o.category_code, o.status, o.description, o.reported_at,
           ST_Distance(o.geom::geography, me.geom::geography) AS distance_m
    FROM public.issue AS me
    JOIN public.issue AS o
        ON o.category_code = me.category_code
       AND o.id <> me.id
       AND o.status NOT IN ('closed', 'rejected')
       AND ST_DWithin(o.geom, me.geom, roadchief.degrees_covering(me.geom, radius_m))
       AND ST_DWithin(o.geom::geography, me.geom::geography, radius_m)
    WHERE me.id = duplicate_candidates.issue_id
    ORDER BY distance_m, o.id
$$;

-- Each stage of one case with its deadline: 立案 filing (from the report), 派遣 dispatch (from
-- the latest filing), 处置 handling (the category's deadline from the report, moved by an
-- extension), 核查 verification (from the latest feedback). done_at is when the stage ended
-- (NULL while it runs); overdue: ended, or still running now, after the deadline; the working
-- hours used so far.
CREATE OR REPLACE FUNCTION roadchief.case_stages(issue_id bigint)
RETURNS TABLE (
    stage text,
    label text,
    started_at timestamptz,
    due_at timestamptz,
    done_at timestamptz,
    overdue boolean,
    used_work_hours numeric
)
LANGUAGE sql STABLE AS $$
    WITH c AS (
        SELECT i.id, i.reported_at, i.category_code, i.due_override, i.status
        FROM public.issue AS i
        WHERE i.id = case_stages.issue_id
    ),
    ev AS (
        SELECT e.action, e.to_status, e.at
        FROM public.issue_event AS e
        WHERE e.issue_id = case_stages.issue_id
    ),
    marks AS (
        SELECT
            (SELECT min(at) FROM ev WHERE action IN ('file', 'reject', 'file_and_dispatch')) AS filed_at,
            (SELECT max(at) FROM ev WHERE to_status = 'filed' OR action = 'file_and_dispatch')
                AS filing_latest,
            (SELECT min(at) FROM ev WHERE action IN ('dispatch', 'file_and_dispatch')) AS first_dispatch,
            (SELECT max(at) FROM ev WHERE action = 'feedback') AS last_feedback,
            (SELECT max(at) FROM ev WHERE action IN ('verify', 'rework')) AS last_check
    ),
    stages AS (
        SELECT 1 AS n, 'filing' AS stage, '立案' AS label, c.reported_at AS started_at,
               (SELECT roadchief.add_working_time(c.reported_at, s.amount, s.unit)
                FROM public.stage_deadline AS s WHERE s.stage = 'filing') AS due_at,
               m.filed_at AS done_at
        FROM c, marks AS m
        UNION ALL
        SELECT 2, 'dispatch', '派遣', m.filing_latest,
               (SELECT roadchief.add_working_time(m.filing_latest, s.amount, s.unit)
                FROM public.stage_deadline AS s WHERE s.stage = 'dispatch'),
               (SELECT min(at) FROM ev WHERE action IN ('dispatch', 'file_and_dispatch')
                                         AND at >= m.filing_latest)
        FROM c, marks AS m
        WHERE m.filing_latest IS NOT NULL
        UNION ALL
        SELECT 3, 'handling', '处置', m.first_dispatch,
               (SELECT h.due_at FROM roadchief.handling_deadline(c.reported_at, c.category_code,
                                                                 c.due_override) AS h),
               CASE WHEN c.status IN ('handled', 'verified', 'closed') THEN m.last_feedback END
        FROM c, marks AS m
        WHERE m.first_dispatch IS NOT NULL
        UNION ALL
        SELECT 4, 'verification', '核查', m.last_feedback,
               (SELECT roadchief.add_working_time(m.last_feedback, s.amount, s.unit)
                FROM public.stage_deadline AS s WHERE s.stage = 'verification'),
               CASE WHEN m.last_check >= m.last_feedback THEN m.last_check END
        FROM c, marks AS m
        WHERE m.last_feedback IS NOT NULL
    )
    SELECT s.stage, s.label, s.started_at, s.due_at, s.done_at,
           coalesce(s.done_at, now()) > s.due_at
               AND (s.done_at IS NOT NULL OR (SELECT roadchief.clock_runs(c.status) FROM c)),
           roadchief.working_time_between(s.started_at, coalesce(s.done_at, now()))
    FROM stages AS s
    ORDER BY s.n
$$;
