-- requires: public.work_calendar, public.issue.due_override
-- Each issue as a case: its handling deadline (roadchief.handling_deadline: the category's deadline
-- in working time, or where an approved extension moved it), and whether it is overdue (its clock
-- runs: not closed, rejected or on hold; past the deadline) or was closed late. A closed case's
-- updated_at is its closing time (updated_at is always the time of the last change of status).
DROP VIEW IF EXISTS roadchief.issue_case;
CREATE VIEW roadchief.issue_case AS
SELECT
    i.id AS issue_id,
    i.status,
    i.reported_at,
    i.updated_at,
    c.deadline_value,
    c.deadline_unit,
    d.due_at,
    roadchief.clock_runs(i.status) AND now() > d.due_at AS overdue,
    i.status = 'closed' AND i.updated_at <= d.due_at AS closed_on_time
FROM public.issue AS i
JOIN public.issue_category AS c ON c.code = i.category_code
LEFT JOIN LATERAL roadchief.handling_deadline(i.reported_at, i.category_code, i.due_override) AS d
    ON true;

-- Complete issues written in bulk (the demo loader, other importers): the community the point lies
-- in, and for a case already past 'reported' its unit (the first dispatch suggestion) and the
-- steps of the case flow it went through (roads/issues/flow.py's transitions, taken by the roles
-- that may take them): 立案 and 派遣 within the first hour, the later steps spread evenly up to
-- updated_at, the time of the last change of status. Some cases went through more: every ninth
-- closed or verified one was sent back once (返工), every eleventh one past handling had its
-- deadline extended by a working day (延期), closed ones were evaluated (综合评价, mostly 满意);
-- a few dispatched ones are on hold (挂账), a few reports were rejected (不予立案: as duplicates of
-- an open case of the same category within 50 m, or as not the bureau's matter). Touches only
-- issues that have no steps yet. A case still at 'reported' has had no step since the report, so
-- its updated_at is its reported_at.
CREATE OR REPLACE FUNCTION roadchief.complete_issue_records()
RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    added bigint;
BEGIN
    UPDATE public.issue AS i SET community_id = c.id
    FROM public.community AS c
    WHERE i.community_id IS NULL AND ST_Intersects(c.geom, i.geom);

    -- Its own name, dropped at the end: callable again in the same transaction (the dust demo
    -- completes its cases after the ledger's).
    DROP TABLE IF EXISTS pg_temp.fresh_issue_records;
    CREATE TEMP TABLE fresh_issue_records ON COMMIT DROP AS
    SELECT i.id, i.status,
           CASE WHEN i.status IN ('verified', 'closed') AND mod(i.id, 9) = 4 THEN 'rework'
                WHEN i.status IN ('handled', 'verified', 'closed') AND mod(i.id, 11) = 5 THEN 'extend'
                ELSE 'plain' END AS variant
    FROM public.issue AS i
    WHERE NOT EXISTS (SELECT 1 FROM public.issue_event AS e WHERE e.issue_id = i.id);

    UPDATE public.issue SET updated_at = reported_at
    WHERE status = 'reported' AND updated_at <> reported_at
      AND id IN (SELECT id FROM fresh_issue_records);

    -- The first dispatch suggestion depends only on the category and the community: asked once
    -- a pair. Community 0 stands for none (ids start at 1), so that pairs join by equality.
    WITH pairs AS (
        SELECT DISTINCT j.category_code, j.community_id
        FROM fresh_issue_records AS f
        JOIN public.issue AS j ON j.id = f.id
        WHERE f.status <> 'reported' AND j.department IS NULL
    ),
    first_unit AS (
        SELECT p.category_code, coalesce(p.community_id, 0) AS community_key, s.unit_id, s.unit_name
        FROM pairs AS p
        LEFT JOIN LATERAL (
            SELECT su.unit_id, su.unit_name
            FROM roadchief.suggest_units_for(p.category_code, p.community_id) AS su
            ORDER BY su.rank
            LIMIT 1
        ) AS s ON true
    )
    UPDATE public.issue AS i
    SET unit_id = u.unit_id, department = coalesce(u.unit_name, c.department)
    FROM fresh_issue_records AS f, public.issue_category AS c, first_unit AS u
    WHERE i.id = f.id AND f.status <> 'reported' AND i.department IS NULL
      AND c.code = i.category_code
      AND u.category_code = i.category_code AND u.community_key = coalesce(i.community_id, 0);

    WITH paths (variant, statuses, actions, roles) AS (VALUES
        ('plain',
         ARRAY['reported', 'filed', 'dispatched', 'handling', 'handled', 'verified', 'closed'],
         ARRAY[NULL, 'file', 'dispatch', 'accept_task', 'feedback', 'verify', 'close'],
         ARRAY[NULL, 'operator', 'dispatcher', 'unit_user', 'unit_user', 'inspector', 'operator']),
        ('rework',
         ARRAY['reported', 'filed', 'dispatched', 'handling', 'handled', 'dispatched', 'handling',
               'handled', 'verified', 'closed'],
         ARRAY[NULL, 'file', 'dispatch', 'accept_task', 'feedback', 'rework', 'accept_task',
               'feedback', 'verify', 'close'],
         ARRAY[NULL, 'operator', 'dispatcher', 'unit_user', 'unit_user', 'inspector', 'unit_user',
               'unit_user', 'inspector', 'operator']),
        ('extend',
         ARRAY['reported', 'filed', 'dispatched', 'handling', 'handling', 'handling', 'handled',
               'verified', 'closed'],
         ARRAY[NULL, 'file', 'dispatch', 'accept_task', 'request_extension', 'approve_extension',
               'feedback', 'verify', 'close'],
         ARRAY[NULL, 'operator', 'dispatcher', 'unit_user', 'unit_user', 'dispatcher', 'unit_user',
               'inspector', 'operator'])
    ),
    cases AS (
        SELECT i.id, i.reported_at, i.updated_at, i.unit_id, i.department, p.statuses, p.actions,
               p.roles, u.name AS unit_name,
               (SELECT max(pos) FROM unnest(array_positions(p.statuses, i.status)) AS pos) - 1 AS n
        FROM fresh_issue_records AS f
        JOIN public.issue AS i ON i.id = f.id
        JOIN paths AS p ON p.variant = f.variant
        LEFT JOIN public.unit AS u ON u.id = i.unit_id
        WHERE f.status <> 'reported'
    )
    INSERT INTO public.issue_event (issue_id, from_status, to_status, at, actor, department, note,
                                    action, role, unit_id, reason)
    SELECT c.id, c.statuses[k], c.statuses[k + 1],
           CASE WHEN k = c.n THEN c.updated_at
                WHEN k = 1 THEN c.reported_at + LEAST((c.updated_at - c.reported_at) * 0.05, interval '30 minutes')
                WHEN k = 2 THEN c.reported_at + LEAST((c.updated_at - c.reported_at) * 0.1, interval '60 minutes')
                ELSE c.reported_at + (c.updated_at - c.reported_at) * k / c.n END,
           CASE c.roles[k + 1]
               WHEN 'operator' THEN '受理员 刘敏'
               WHEN 'dispatcher' THEN '派遣员 何强'
               WHEN 'inspector' THEN '监督员 高峰'
               ELSE coalesce(c.unit_name, c.department, '处置单位') END,
           CASE WHEN c.actions[k + 1] = 'dispatch' THEN c.department END,
           CASE c.actions[k + 1]
               WHEN 'feedback' THEN '已处置完毕，附处置后照片'
               WHEN 'rework' THEN '现场核查未通过，仍有残留'
               ELSE NULL END,
           c.actions[k + 1], c.roles[k + 1], c.unit_id,
           CASE c.actions[k + 1] WHEN 'request_extension' THEN '需协调产权单位，申请延期一个工作日' END
    FROM cases AS c
    CROSS JOIN LATERAL generate_series(1, c.n) AS k;
    GET DIAGNOSTICS added = ROW_COUNT;

    -- Extensions approved: the handling deadline moved by one working day.
    UPDATE public.issue AS i
    SET due_override = roadchief.add_working_time(d.due_at, 1, 'work_day')
    FROM fresh_issue_records AS f
    JOIN public.issue AS j ON j.id = f.id
    CROSS JOIN LATERAL roadchief.case_deadline(j.reported_at, j.category_code) AS d
    WHERE f.id = i.id AND f.variant = 'extend' AND d.due_at IS NOT NULL;

    -- Closed cases evaluated when closed: 7 in 10 满意 (5), 2 基本满意 (3), 1 不满意 (1).
    UPDATE public.issue AS i
    SET evaluation_score = CASE WHEN mod(i.id, 10) < 7 THEN 5 WHEN mod(i.id, 10) < 9 THEN 3 ELSE 1 END,
        evaluated_at = i.updated_at
    FROM fresh_issue_records AS f
    WHERE f.id = i.id AND f.status = 'closed';
    INSERT INTO public.issue_event (issue_id, from_status, to_status, at, actor, action, role)
    SELECT i.id, 'closed', 'closed', i.updated_at, '受理员 刘敏', 'evaluate', 'operator'
    FROM fresh_issue_records AS f JOIN public.issue AS i ON i.id = f.id
    WHERE f.status = 'closed';

    -- On hold (挂账): one dispatched case in six, two hours after its dispatch.
    WITH held AS (
        UPDATE public.issue AS i
        SET status = 'on_hold', held_from = 'dispatched', hold_reason = '涉及产权争议，待协调',
            updated_at = LEAST(i.updated_at + interval '2 hours', now())
        FROM fresh_issue_records AS f
        WHERE f.id = i.id AND f.status = 'dispatched' AND mod(i.id, 6) = 1
        RETURNING i.id, i.updated_at, i.unit_id, i.hold_reason
    )
    INSERT INTO public.issue_event (issue_id, from_status, to_status, at, actor, action, role,
                                    unit_id, reason)
    SELECT h.id, 'dispatched', 'on_hold', h.updated_at, '派遣员 何强', 'hold', 'dispatcher',
           h.unit_id, h.hold_reason
    FROM held AS h;

    -- Rejected (不予立案): reports repeating an earlier open case of the same category within
    -- 50 m; and one report in forty as not the bureau's matter. The search nearest first: the box in degrees
    -- on the geometry's index, then the exact distance on the geography.
    WITH rejected AS (
        UPDATE public.issue AS i
        SET status = 'rejected',
            reject_reason = CASE WHEN dup.id IS NOT NULL THEN 'duplicate' ELSE 'not_ours' END,
            duplicate_of = dup.id,
            updated_at = LEAST(i.reported_at + interval '20 minutes', now())
        FROM fresh_issue_records AS f
        JOIN public.issue AS me ON me.id = f.id
        LEFT JOIN LATERAL (
            SELECT o.id FROM public.issue AS o
            WHERE o.category_code = me.category_code AND o.id <> me.id
              AND o.reported_at < me.reported_at AND o.status NOT IN ('closed', 'rejected')
              AND ST_DWithin(o.geom, me.geom, roadchief.degrees_covering(me.geom, 50))
              AND ST_DWithin(o.geom::geography, me.geom::geography, 50)
            ORDER BY ST_Distance(o.geom::geography, me.geom::geography), o.id
            LIMIT 1
        ) AS dup ON true
        WHERE f.id = i.id AND f.status = 'reported' AND (dup.id IS NOT NULL OR mod(i.id, 40) = 3)
        RETURNING i.id, i.updated_at, i.reject_reason, i.duplicate_of
    )
    INSERT INTO public.issue_event (issue_id, from_status, to_status, at, actor, action, role,
                                    reason, data)
    SELECT r.id, 'reported', 'rejected', r.updated_at, '受理员 刘敏', 'reject', 'operator',
           r.reject_reason,
           CASE WHEN r.duplicate_of IS NOT NULL THEN jsonb_build_object('duplicate_of', r.duplicate_of) END
    FROM rejected AS r;

    DROP TABLE fresh_issue_records;
    -- The events just written can be many times what the statistics say (none, after a load into
    -- an empty database): the next call's search for issues without steps, a nested loop over
    -- all events per issue on the old figures, and the readers plan on fresh ones.
    ANALYZE public.issue_event;
    RETURN added;
END
$$;
