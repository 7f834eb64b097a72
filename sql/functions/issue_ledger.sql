-- requires: public.work_calendar
-- Each issue as a case: its handling deadline (roadchief.case_deadline: the category's deadline in
-- working time), and whether it is overdue (still open past the deadline) or was closed late. A closed case's
-- updated_at is its closing time (updated_at is always the time of the last workflow step).
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
    i.status <> 'closed' AND now() > d.due_at AS overdue,
    i.status = 'closed' AND i.updated_at <= d.due_at AS closed_on_time
FROM public.issue AS i
JOIN public.issue_category AS c ON c.code = i.category_code
LEFT JOIN LATERAL roadchief.case_deadline(i.reported_at, i.category_code) AS d ON true;

-- Complete issues written in bulk (the demo loader, other importers): the community the point lies
-- in, the department of a case already past 'reported', and the workflow steps it went through,
-- spread evenly between reported_at and updated_at. Touches only issues that lack them. A case
-- still at 'reported' has had no step since the report, so its updated_at is its reported_at.
CREATE OR REPLACE FUNCTION roadchief.complete_issue_records()
RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    added bigint;
BEGIN
    UPDATE public.issue AS i SET community_id = c.id
    FROM public.community AS c
    WHERE i.community_id IS NULL AND ST_Intersects(c.geom, i.geom);

    UPDATE public.issue SET updated_at = reported_at
    WHERE status = 'reported' AND updated_at <> reported_at
      AND NOT EXISTS (SELECT 1 FROM public.issue_event AS e WHERE e.issue_id = issue.id);

    UPDATE public.issue AS i SET department = c.department
    FROM public.issue_category AS c
    WHERE c.code = i.category_code AND i.status <> 'reported' AND i.department IS NULL;

    INSERT INTO public.issue_event (issue_id, from_status, to_status, at, actor, department, note)
    SELECT i.id, steps.statuses[k], steps.statuses[k + 1],
           i.reported_at + (i.updated_at - i.reported_at) * k / (array_position(steps.statuses, i.status) - 1),
           '系统补录', CASE WHEN k = 1 THEN i.department END, '历史案卷补录'
    FROM public.issue AS i
    CROSS JOIN (SELECT ARRAY['reported', 'dispatched', 'handled', 'verified', 'closed'] AS statuses) AS steps
    CROSS JOIN LATERAL generate_series(1, array_position(steps.statuses, i.status) - 1) AS k
    WHERE i.status <> 'reported'
      AND NOT EXISTS (SELECT 1 FROM public.issue_event AS e WHERE e.issue_id = i.id);
    GET DIAGNOSTICS added = ROW_COUNT;
    RETURN added;
END
$$;
