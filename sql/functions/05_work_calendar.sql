-- The work calendar and deadlines in working time: the one definition that the ledger, the case
-- view, the rankings and later the patrols read. (File named 05_ so that the views of the other
-- files, created in name order, find these functions.)
--   A day is a working day when public.work_calendar says so (holidays false, make-up days 调休
--   true), otherwise when it is Monday to Friday. Every working day has the intervals of
--   public.work_hours, in Beijing time.
--   Working time is counted as working seconds since 2000-01-01: roadchief.work_day holds, for
--   every day of 2000-2100, whether it is a working day and how many working days came before it,
--   so the working time at any instant is two index lookups and no loop over days; outside those
--   years the answer is NULL.

CREATE OR REPLACE FUNCTION roadchief.is_workday(d date)
RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT coalesce(
        (SELECT wc.is_workday FROM public.work_calendar AS wc WHERE wc.day = d),
        extract(isodow FROM d) < 6
    )
$$;

DROP MATERIALIZED VIEW IF EXISTS roadchief.work_day;
CREATE MATERIALIZED VIEW roadchief.work_day AS
SELECT
    days.day,
    days.is_workday,
    count(*) FILTER (WHERE days.is_workday) OVER (ORDER BY days.day) - days.is_workday::int
        AS workdays_before
FROM (
    SELECT g.d::date AS day, roadchief.is_workday(g.d::date) AS is_workday
    FROM generate_series(DATE '2000-01-01', DATE '2100-12-31', interval '1 day') AS g (d)
) AS days;
CREATE UNIQUE INDEX ix_work_day_day ON roadchief.work_day (day);
CREATE UNIQUE INDEX ix_work_day_number ON roadchief.work_day (workdays_before) WHERE is_workday;

-- The bureau edits the calendar as the app's role, which does not own the view: the refresh runs
-- with the owner's rights.
CREATE OR REPLACE FUNCTION roadchief.refresh_work_day()
RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
    REFRESH MATERIALIZED VIEW roadchief.work_day;
    RETURN NULL;
END
$$;
CREATE OR REPLACE TRIGGER work_calendar_refresh
AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON public.work_calendar
FOR EACH STATEMENT EXECUTE FUNCTION roadchief.refresh_work_day();

-- The working intervals of a working day, each with the working seconds of the day before it.
CREATE OR REPLACE VIEW roadchief.work_interval AS
SELECT
    h.starts,
    h.ends,
    extract(epoch FROM h.ends - h.starts) AS secs,
    coalesce(sum(extract(epoch FROM h.ends - h.starts)) OVER (
        ORDER BY h.starts ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS secs_before
FROM public.work_hours AS h;

-- Working seconds from 2000-01-01 to ts. A set-returning SQL function with one SELECT, so the
-- planner inlines it into the calling query (LATERAL): set-based over a million rows.
CREATE OR REPLACE FUNCTION roadchief.working_seconds_at(ts timestamptz)
RETURNS TABLE (secs numeric)
LANGUAGE sql STABLE AS $$
    SELECT
        wd.workdays_before * len.day_secs
        + CASE WHEN wd.is_workday THEN (
            SELECT coalesce(sum(LEAST(GREATEST(extract(epoch FROM l.t - iv.starts), 0), iv.secs)), 0)
            FROM roadchief.work_interval AS iv
          ) ELSE 0 END
    FROM (
        SELECT (ts AT TIME ZONE 'Asia/Shanghai')::date AS d, (ts AT TIME ZONE 'Asia/Shanghai')::time AS t
    ) AS l
    JOIN roadchief.work_day AS wd
        ON wd.day = l.d
    CROSS JOIN (SELECT coalesce(sum(iv.secs), 0) AS day_secs FROM roadchief.work_interval AS iv) AS len
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
        WHEN amount = 0 AND unit IN ('work_hour', 'work_day') THEN start
        ELSE (wd.day + iv.starts + (goal.rest - iv.secs_before) * interval '1 second')
             AT TIME ZONE 'Asia/Shanghai'
    END
    FROM (SELECT NULLIF(coalesce(sum(iv.secs), 0), 0) AS day_secs FROM roadchief.work_interval AS iv) AS len
    LEFT JOIN LATERAL (
        SELECT k.n, k.target - k.n * len.day_secs AS rest
        FROM (
            SELECT s.target, ceil(s.target / len.day_secs)::integer - 1 AS n
            FROM (
                SELECT w.secs + CASE unit WHEN 'work_hour' THEN amount * 3600
                                          ELSE amount * len.day_secs END AS target
                FROM roadchief.working_seconds_at(start) AS w
                WHERE unit IN ('work_hour', 'work_day') AND amount > 0
            ) AS s
        ) AS k
    ) AS goal ON true
    LEFT JOIN roadchief.work_day AS wd
        ON wd.is_workday AND wd.workdays_before = goal.n
    LEFT JOIN LATERAL (
        SELECT i.starts, i.secs_before
        FROM roadchief.work_interval AS i
        WHERE i.secs_before < goal.rest
        ORDER BY i.starts DESC
        LIMIT 1
    ) AS iv ON true
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
    SELECT (sb.secs - sa.secs) / 3600
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
