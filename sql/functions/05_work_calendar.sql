-- requires: public.work_calendar, public.work_hours
-- The work calendar and deadlines in working time: the one definition that the ledger, the case
-- view, the rankings and later the patrols read. (File named 05_ so that the views of the other
-- files, created in name order, find these functions.)
--   A day is a working day when public.work_calendar says so (holidays false, make-up days 调休
--   true), otherwise when it is Monday to Friday. Every working day has the intervals of
--   public.work_hours, in Beijing time.
--   Working time is counted as working seconds since 2000-01-01: roadchief.work_clock holds every
--   working interval of 2000-2100 as timestamps with the working seconds before and after it, so
--   the working time at an instant, and the instant a working time is reached, are one index
--   lookup each and no loop over days.

CREATE OR REPLACE FUNCTION roadchief.is_workday(d date)
RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT coalesce(
        (SELECT wc.is_workday FROM public.work_calendar AS wc WHERE wc.day = d),
        extract(isodow FROM d) < 6
    )
$$;

DROP MATERIALIZED VIEW IF EXISTS roadchief.work_clock;
CREATE MATERIALIZED VIEW roadchief.work_clock AS
SELECT
    iv.starts_at,
    iv.secs,
    sum(iv.secs) OVER (ORDER BY iv.starts_at) - iv.secs AS secs_before,
    sum(iv.secs) OVER (ORDER BY iv.starts_at) AS secs_after
FROM (
    SELECT
        (g.d::date + h.starts) AT TIME ZONE 'Asia/Shanghai' AS starts_at,
        extract(epoch FROM h.ends - h.starts)::float8 AS secs
    FROM generate_series(DATE '2000-01-01', DATE '2100-12-31', interval '1 day') AS g (d)
    CROSS JOIN public.work_hours AS h
    WHERE roadchief.is_workday(g.d::date)
) AS iv;
CREATE UNIQUE INDEX ix_work_clock_starts ON roadchief.work_clock (starts_at);
CREATE UNIQUE INDEX ix_work_clock_after ON roadchief.work_clock (secs_after);
ANALYZE roadchief.work_clock;

-- The bureau edits the calendar and the hours as the app's role, which does not own the view:
-- the refresh runs with the owner's rights. CONCURRENTLY (about 1 s a statement) so that the
-- ledger's readers are not blocked until the editing transaction ends.
CREATE OR REPLACE FUNCTION roadchief.refresh_work_clock()
RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
    REFRESH MATERIALIZED VIEW CONCURRENTLY roadchief.work_clock;
    RETURN NULL;
END
$$;
CREATE OR REPLACE TRIGGER work_calendar_refresh
AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON public.work_calendar
FOR EACH STATEMENT EXECUTE FUNCTION roadchief.refresh_work_clock();
CREATE OR REPLACE TRIGGER work_hours_refresh
AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON public.work_hours
FOR EACH STATEMENT EXECUTE FUNCTION roadchief.refresh_work_clock();

-- Working seconds from 2000-01-01 to ts. A set-returning SQL function with one SELECT, so the
-- planner inlines it into the calling query (LATERAL): set-based over a million rows.
CREATE OR REPLACE FUNCTION roadchief.working_seconds_at(ts timestamptz)
RETURNS TABLE (secs float8)
LANGUAGE sql STABLE AS $$
    SELECT coalesce((
        SELECT c.secs_before + LEAST(extract(epoch FROM ts - c.starts_at)::float8, c.secs)
        FROM roadchief.work_clock AS c
        WHERE c.starts_at <= ts
        ORDER BY c.starts_at DESC
        LIMIT 1
    ), 0)
$$;

-- start + amount in unit: 'hour' (calendar hours), 'work_hour' (working hours, skipping breaks,
-- evenings, weekends and holidays), 'work_day' (working days of the day's length in working
-- hours: 10:00 on a working day + 1 working day is 10:00 on the next working day; from outside
-- working hours the clock starts at the next working interval, so it is due at the end of the
-- Nth working day). Due at the end of an interval rather than the start of the next one.
CREATE OR REPLACE FUNCTION roadchief.working_time_added(start timestamptz, amount numeric, unit text)
RETURNS TABLE (due_at timestamptz)
LANGUAGE sql STABLE AS $$
    SELECT CASE
        WHEN unit = 'hour' THEN start + amount * interval '1 hour'
        WHEN unit NOT IN ('work_hour', 'work_day') THEN NULL
        WHEN amount <= 0 THEN start
        ELSE (
            SELECT c.starts_at + (goal.target - c.secs_before) * interval '1 second'
            FROM (
                SELECT w.secs + amount::float8 * CASE unit
                    WHEN 'work_hour' THEN 3600
                    ELSE (SELECT sum(extract(epoch FROM h.ends - h.starts))::float8
                          FROM public.work_hours AS h)
                END AS target
                FROM roadchief.working_seconds_at(start) AS w
                OFFSET 0  -- computed once, not again inside the lookup below
            ) AS goal
            CROSS JOIN LATERAL (
                SELECT k.starts_at, k.secs_before
                FROM roadchief.work_clock AS k
                WHERE k.secs_after >= goal.target
                ORDER BY k.secs_after
                LIMIT 1
            ) AS c
        )
    END
$$;

CREATE OR REPLACE FUNCTION roadchief.add_working_time(start timestamptz, amount numeric, unit text)
RETURNS timestamptz
LANGUAGE sql STABLE AS $$
    SELECT w.due_at FROM roadchief.working_time_added(start, amount, unit) AS w
$$;

-- Working hours elapsed from a to b (negative if b is before a): the time used per stage.
CREATE OR REPLACE FUNCTION roadchief.working_time_between(a timestamptz, b timestamptz)
RETURNS numeric
LANGUAGE sql STABLE AS $$
    SELECT round(CAST((sb.secs - sa.secs) / 3600 AS numeric), 6)
    FROM roadchief.working_seconds_at(a) AS sa
    CROSS JOIN roadchief.working_seconds_at(b) AS sb
$$;

-- The handling deadline of a case reported at `reported` in `category`: the category's
-- deadline_value in its deadline_unit. NULL for a category without a deadline (never late).
-- Readers join it LATERAL (inlined); case_due_at is the same for one value.
CREATE OR REPLACE FUNCTION roadchief.case_deadline(reported timestamptz, category text)
RETURNS TABLE (due_at timestamptz)
LANGUAGE sql STABLE AS $$
    SELECT w.due_at
    FROM public.issue_category AS c
    CROSS JOIN LATERAL roadchief.working_time_added(reported, c.deadline_value, c.deadline_unit) AS w
    WHERE c.code = category
$$;

CREATE OR REPLACE FUNCTION roadchief.case_due_at(reported timestamptz, category text)
RETURNS timestamptz
LANGUAGE sql STABLE AS $$
    SELECT d.due_at FROM roadchief.case_deadline(reported, category) AS d
$$;
