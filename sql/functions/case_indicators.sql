-- requires: public.evaluation_weight, public.penalty, public.issue.unit_id
-- The case flow's indicators (数字城管 考核指标) per unit, sub-district or community, for the cases
-- reported in [from_ts, to_ts) (roadchief.counted_issues: categories, sources; every case in the
-- community its point lies in). Level 'district': one row (key_id 0) of every case, also those
-- outside all communities (the periodic reports' totals). The one definition read by GET /api/rankings?by=..., the rankings
-- workbook and the briefing.
--   A unit's cases are those dispatched to it now (issue.unit_id); an area's, those in it.
--   reported 上报数: every case. filed 立案数: past 上报 and not rejected (on hold counts).
--   dispatched 派遣数: ever dispatched. closed 结案数: status closed.
--   closed_on_time 按期结案数: closed no later than the handling deadline (moved by an approved
--   extension); a category without a deadline is never late.
--   closed_rate 结案率 = closed / filed; on_time_rate 按期结案率 = closed_on_time / filed;
--   rework_rate 返工率 = cases sent back at least once (返工) / dispatched;
--   extension_rate 延期率 = cases with an approved extension / dispatched; a share over zero is NULL.
--   open_overdue 超期未结数: the clock runs (not closed, rejected or on hold) and the deadline had
--   passed at the window's end (or now, if earlier). on_hold 挂账数 is counted apart.
--   mean_handling_work_hours 平均处置用时: working hours from the first dispatch to the last
--   feedback (反馈), over the cases fed back and not sent back since.
--   satisfaction 满意度: the mean of (evaluation − 1) / 4 over evaluated cases (满意 5 → 1,
--   基本满意 3 → 0.5, 不满意 1 → 0).
--   penalties, penalty_yuan 处罚: penalties dated in the window, of the unit (penalty.unit_id) or
--   linked to a case in the area.
--   score 综合评价得分 = Σ weight × measure over public.evaluation_weight: the rates (0–1) and
--   satisfaction times their weights (defaults 按期结案率 40, 结案率 30, 返工率 −15, 延期率 −5,
--   满意度 10; a NULL rate adds 0), plus the penalty weight (default −2) per penalty; NULL when
--   nothing was filed. Best possible with the defaults: 80.
--   Ranked best-first: score (highest first, NULL last), then on_time_rate, then fewer open
--   overdue cases, then the code or name.
CREATE OR REPLACE FUNCTION roadchief.case_indicators(
    level text,
    from_ts timestamptz,
    to_ts timestamptz,
    categories text[] DEFAULT NULL,
    sources text[] DEFAULT NULL
)
RETURNS TABLE (
    rank bigint,
    key_id integer,
    code text,
    name text,
    kind text,
    reported bigint,
    filed bigint,
    dispatched bigint,
    closed bigint,
    closed_on_time bigint,
    reworked bigint,
    extended bigint,
    open_overdue bigint,
    on_hold bigint,
    rejected bigint,
    closed_rate double precision,
    on_time_rate double precision,
    rework_rate double precision,
    extension_rate double precision,
    satisfaction double precision,
    mean_handling_work_hours double precision,
    penalties bigint,
    penalty_yuan numeric,
    score double precision
)
LANGUAGE plpgsql STABLE AS $$
#variable_conflict use_column
BEGIN
    IF level IS NULL OR level NOT IN ('unit', 'community', 'sub_district', 'district') THEN
        RAISE EXCEPTION USING ERRCODE = '22023',
            MESSAGE = 'level must be unit, community, sub_district or district, not '
                      || coalesce(level, 'NULL');
    END IF;
    RETURN QUERY
    WITH weights AS (
        SELECT
            coalesce(max(w.weight) FILTER (WHERE w.measure = 'on_time_rate'), 0)::float8 AS on_time,
            coalesce(max(w.weight) FILTER (WHERE w.measure = 'closed_rate'), 0)::float8 AS closed,
            coalesce(max(w.weight) FILTER (WHERE w.measure = 'rework_rate'), 0)::float8 AS rework,
            coalesce(max(w.weight) FILTER (WHERE w.measure = 'extension_rate'), 0)::float8 AS extension,
            coalesce(max(w.weight) FILTER (WHERE w.measure = 'satisfaction'), 0)::float8 AS satisfaction,
            coalesce(max(w.weight) FILTER (WHERE w.measure = 'penalty'), 0)::float8 AS penalty
        FROM public.evaluation_weight AS w
    ),
    cases AS (
        SELECT
            CASE level
                WHEN 'unit' THEN i.unit_id
                WHEN 'community' THEN i.community_id
                WHEN 'district' THEN 0
                ELSE cm.sub_district_id
            END AS key,
            i.status,
            i.status NOT IN ('reported', 'rejected') AS is_filed,
            EXISTS (SELECT 1 FROM public.issue_event AS e
                    WHERE e.issue_id = i.id AND e.action IN ('dispatch', 'file_and_dispatch'))
                AS was_dispatched,
            i.status = 'closed' AND (d.due_at IS NULL OR i.updated_at <= d.due_at) AS on_time,
            EXISTS (SELECT 1 FROM public.issue_event AS e
                    WHERE e.issue_id = i.id AND e.action = 'rework') AS was_reworked,
            EXISTS (SELECT 1 FROM public.issue_event AS e
                    WHERE e.issue_id = i.id AND e.action = 'approve_extension') AS was_extended,
            roadchief.clock_runs(i.status) AND LEAST(now(), to_ts) > d.due_at AS is_overdue,
            CASE WHEN i.status IN ('handled', 'verified', 'closed') THEN
                roadchief.working_time_between(
                    (SELECT min(e.at) FROM public.issue_event AS e
                     WHERE e.issue_id = i.id AND e.action IN ('dispatch', 'file_and_dispatch')),
                    (SELECT max(e.at) FROM public.issue_event AS e
                     WHERE e.issue_id = i.id AND e.action = 'feedback'))
            END AS handling_hours,
            (i.evaluation_score - 1) / 4.0 AS satisfaction
        FROM roadchief.counted_issues(from_ts, to_ts, categories, area_of => 'issue',
                                      sources => sources) AS i
        LEFT JOIN public.community AS cm
            ON cm.id = i.community_id
        LEFT JOIN LATERAL roadchief.handling_deadline(i.reported_at, i.category_code, i.due_override) AS d
            ON true
    ),
    totals AS (
        SELECT
            c.key,
            count(*) AS n_reported,
            count(*) FILTER (WHERE c.is_filed) AS n_filed,
            count(*) FILTER (WHERE c.was_dispatched) AS n_dispatched,
            count(*) FILTER (WHERE c.status = 'closed') AS n_closed,
            count(*) FILTER (WHERE c.on_time) AS n_on_time,
            count(*) FILTER (WHERE c.was_reworked) AS n_reworked,
            count(*) FILTER (WHERE c.was_extended) AS n_extended,
            count(*) FILTER (WHERE c.is_overdue) AS n_overdue,
            count(*) FILTER (WHERE c.status = 'on_hold') AS n_on_hold,
            count(*) FILTER (WHERE c.status = 'rejected') AS n_rejected,
            avg(c.handling_hours)::float8 AS mean_hours,
            avg(c.satisfaction)::float8 AS mean_satisfaction
        FROM cases AS c
        WHERE c.key IS NOT NULL
        GROUP BY c.key
    ),
    fines AS (
        SELECT
            CASE level
                WHEN 'unit' THEN p.unit_id
                WHEN 'community' THEN i.community_id
                WHEN 'district' THEN 0
                ELSE cm.sub_district_id
            END AS key,
            count(*) AS n_penalties,
            sum(p.amount_yuan) AS yuan
        FROM public.penalty AS p
        LEFT JOIN public.issue AS i
            ON i.id = p.issue_id
        LEFT JOIN public.community AS cm
            ON cm.id = i.community_id
        WHERE (p.penalty_date::timestamp AT TIME ZONE 'Asia/Shanghai') >= from_ts
          AND (p.penalty_date::timestamp AT TIME ZONE 'Asia/Shanghai') < to_ts
        GROUP BY 1
    ),
    keys AS (
        SELECT u.id, NULL::text AS code, u.name, u.kind
        FROM public.unit AS u
        WHERE level = 'unit'
        UNION ALL
        SELECT c.id, c.code, c.name, c.kind
        FROM public.community AS c
        WHERE level = 'community'
        UNION ALL
        SELECT sd.id, sd.code, sd.name, NULL
        FROM public.sub_district AS sd
        WHERE level = 'sub_district'
        UNION ALL
        SELECT 0, NULL, 'district', NULL
        WHERE level = 'district'
    ),
    measured AS (
        SELECT
            k.id, k.code, k.name, k.kind,
            coalesce(t.n_reported, 0) AS n_reported,
            coalesce(t.n_filed, 0) AS n_filed,
            coalesce(t.n_dispatched, 0) AS n_dispatched,
            coalesce(t.n_closed, 0) AS n_closed,
            coalesce(t.n_on_time, 0) AS n_on_time,
            coalesce(t.n_reworked, 0) AS n_reworked,
            coalesce(t.n_extended, 0) AS n_extended,
            coalesce(t.n_overdue, 0) AS n_overdue,
            coalesce(t.n_on_hold, 0) AS n_on_hold,
            coalesce(t.n_rejected, 0) AS n_rejected,
            t.n_closed::float8 / NULLIF(t.n_filed, 0) AS closed_rate,
            t.n_on_time::float8 / NULLIF(t.n_filed, 0) AS on_time_rate,
            t.n_reworked::float8 / NULLIF(t.n_dispatched, 0) AS rework_rate,
            t.n_extended::float8 / NULLIF(t.n_dispatched, 0) AS extension_rate,
            t.mean_satisfaction AS satisfaction,
            t.mean_hours,
            coalesce(f.n_penalties, 0) AS n_penalties,
            coalesce(f.yuan, 0) AS yuan
        FROM keys AS k
        LEFT JOIN totals AS t
            ON t.key = k.id
        LEFT JOIN fines AS f
            ON f.key = k.id
    ),
    scored AS (
        SELECT
            m.*,
            CASE WHEN m.n_filed > 0 THEN
                w.on_time * coalesce(m.on_time_rate, 0)
                + w.closed * coalesce(m.closed_rate, 0)
                + w.rework * coalesce(m.rework_rate, 0)
                + w.extension * coalesce(m.extension_rate, 0)
                + w.satisfaction * coalesce(m.satisfaction, 0)
                + w.penalty * m.n_penalties
            END AS score
        FROM measured AS m
        CROSS JOIN weights AS w
    )
    SELECT
        row_number() OVER (ORDER BY s.score DESC NULLS LAST, s.on_time_rate DESC NULLS LAST,
                                    s.n_overdue, s.code, s.name),
        s.id, s.code, s.name, s.kind,
        s.n_reported, s.n_filed, s.n_dispatched, s.n_closed, s.n_on_time, s.n_reworked,
        s.n_extended, s.n_overdue, s.n_on_hold, s.n_rejected,
        s.closed_rate, s.on_time_rate, s.rework_rate, s.extension_rate, s.satisfaction,
        s.mean_hours, s.n_penalties, s.yuan, s.score
    FROM scored AS s
    ORDER BY 1;
END
$$;
