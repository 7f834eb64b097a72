-- requires: public.inspection, public.demonstration_flag
-- Inspections of construction sites and resettlement points: the targets, their status at a time
-- and the demonstration flags earned by a run of clean inspections. One definition each; the API,
-- the tiles, the phone, the reports and the demo call them.

-- Every target with where it is: a site's point on its surface, a point itself; its community is
-- the one that point lies in (a site may straddle two; jurisdiction follows that point).
CREATE OR REPLACE VIEW roadchief.inspection_target AS
SELECT
    'site'::text AS target_kind,
    s.id AS target_id,
    s.name,
    s.status AS site_status,
    NULL::integer AS households,
    s.sub_district_id,
    c.id AS community_id,
    ST_PointOnSurface(s.geom) AS point,
    s.status <> '完工' AS active
FROM public.construction_site AS s
LEFT JOIN LATERAL (
    SELECT c.id
    FROM public.community AS c
    WHERE ST_Intersects(c.geom, ST_PointOnSurface(s.geom))
    ORDER BY c.id
    LIMIT 1
) AS c ON true
UNION ALL
SELECT
    'point',
    p.id,
    p.name,
    NULL,
    p.households,
    p.sub_district_id,
    c.id,
    p.geom,
    true
FROM public.resettlement_point AS p
LEFT JOIN LATERAL (
    SELECT c.id
    FROM public.community AS c
    WHERE ST_Intersects(c.geom, p.geom)
    ORDER BY c.id
    LIMIT 1
) AS c ON true;

-- The status of the targets of `kind` (NULL: both; `ids`: only those) as of `as_of`, from the
-- inspections made before it: the last inspection and its result, when the next is due (the
-- checklist's every_days after the last), overdue (due and not done; never inspected counts as
-- overdue), the demonstration flag held at as_of and since when. `status` is what the map colours:
-- overdue before failed before demo before clean; a finished site (完工) is not_due. It reads the
-- tables, not inspection_target, so that a tile does not look up communities.
CREATE OR REPLACE FUNCTION roadchief.inspection_status(as_of timestamptz DEFAULT now(), kind text DEFAULT NULL,
                                                       ids integer[] DEFAULT NULL)
RETURNS TABLE (
    target_kind text, target_id integer, last_inspection_id bigint, last_inspected_at timestamptz,
    last_clean boolean, due_at timestamptz, overdue boolean, demo boolean, demo_since timestamptz,
    status text
)
LANGUAGE sql STABLE AS $$
    WITH target AS (
        SELECT 'site'::text AS target_kind, s.id AS target_id, s.status <> '完工' AS active
        FROM public.construction_site AS s
        WHERE (kind IS NULL OR kind = 'site')
          AND (ids IS NULL OR s.id = ANY (ids))
        UNION ALL
        SELECT 'point', p.id, true
        FROM public.resettlement_point AS p
        WHERE (kind IS NULL OR kind = 'point')
          AND (ids IS NULL OR p.id = ANY (ids))
    )
    SELECT
        t.target_kind,
        t.target_id,
        last.id,
        last.inspected_at,
        last.clean,
        last.inspected_at + make_interval(days => cl.every_days),
        t.active AND (last.id IS NULL OR last.inspected_at + make_interval(days => cl.every_days) <= as_of),
        flag.since IS NOT NULL,
        flag.since,
        CASE
            WHEN NOT t.active THEN 'not_due'
            WHEN last.id IS NULL OR last.inspected_at + make_interval(days => cl.every_days) <= as_of
                THEN 'overdue'
            WHEN NOT last.clean THEN 'failed'
            WHEN flag.since IS NOT NULL THEN 'demo'
            ELSE 'clean'
        END
    FROM target AS t
    JOIN public.inspection_checklist AS cl
        ON cl.target_kind = t.target_kind
    LEFT JOIN LATERAL (
        SELECT i.id, i.inspected_at, i.clean
        FROM public.inspection AS i
        WHERE (t.target_kind = 'site' AND i.site_id = t.target_id
               OR t.target_kind = 'point' AND i.point_id = t.target_id)
          AND i.inspected_at < as_of
        ORDER BY i.inspected_at DESC, i.id DESC
        LIMIT 1
    ) AS last ON true
    LEFT JOIN LATERAL (
        SELECT f.since
        FROM public.demonstration_flag AS f
        WHERE f.target_kind = t.target_kind
          AND f.target_id = t.target_id
          AND f.since <= as_of
          AND (f.until IS NULL OR f.until > as_of)
        ORDER BY f.since DESC
        LIMIT 1
    ) AS flag ON true
$$;

-- Re-derive the flag history of the targets `ids` of `kind` from all their inspections, in the
-- order they were made: the K-th clean inspection in a row (K = the checklist's demo_after) earns
-- the flag from its time; a failed inspection loses it at once and restarts the run. A flag held
-- before any inspection was recorded (imported, earned_by NULL) is kept until the first failure.
-- Then is_green_demo / is_safety_demo follow the open period. Re-runnable: an inspection entered
-- late (made before the last one) takes its place in the run.
CREATE OR REPLACE FUNCTION roadchief.refresh_demonstration_flags(kind text, ids integer[])
RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    k integer := (SELECT cl.demo_after FROM public.inspection_checklist AS cl WHERE cl.target_kind = kind);
BEGIN
    CREATE TEMP TABLE IF NOT EXISTS pg_temp.inspection_runs (
        target_id integer, id bigint, inspected_at timestamptz, clean boolean, grp bigint, run bigint
    ) ON COMMIT DROP;
    TRUNCATE pg_temp.inspection_runs;
    INSERT INTO pg_temp.inspection_runs
    SELECT o.target_id, o.id, o.inspected_at, o.clean, o.grp,
           count(*) FILTER (WHERE o.clean) OVER (PARTITION BY o.target_id, o.grp
                                                 ORDER BY o.inspected_at, o.id)
    FROM (
        SELECT coalesce(i.site_id, i.point_id) AS target_id, i.id, i.inspected_at, i.clean,
               -- each failed inspection starts a group: the clean ones after it are its run
               sum(CASE WHEN i.clean THEN 0 ELSE 1 END)
                   OVER (PARTITION BY coalesce(i.site_id, i.point_id) ORDER BY i.inspected_at, i.id) AS grp
        FROM public.inspection AS i
        WHERE i.target_kind = kind
          AND coalesce(i.site_id, i.point_id) = ANY (ids)
    ) AS o;

    DELETE FROM public.demonstration_flag AS f
    WHERE f.target_kind = kind
      AND f.target_id = ANY (ids)
      AND f.earned_by IS NOT NULL;

    UPDATE public.demonstration_flag AS f
    SET until = lost.inspected_at, lost_by = lost.id
    FROM (SELECT t AS target_id FROM unnest(ids) AS t) AS target
    LEFT JOIN pg_temp.inspection_runs AS lost
        ON lost.target_id = target.target_id
       AND lost.grp = 1
       AND NOT lost.clean
    WHERE f.target_kind = kind
      AND f.target_id = target.target_id
      AND f.earned_by IS NULL;

    INSERT INTO public.demonstration_flag (target_kind, target_id, since, earned_by, until, lost_by)
    SELECT kind, e.target_id, e.inspected_at, e.id, lost.inspected_at, lost.id
    FROM pg_temp.inspection_runs AS e
    LEFT JOIN pg_temp.inspection_runs AS lost
        ON lost.target_id = e.target_id
       AND lost.grp = e.grp + 1
       AND NOT lost.clean
    WHERE e.clean
      AND e.run = k
      AND NOT (e.grp = 0 AND EXISTS (
          SELECT 1
          FROM public.demonstration_flag AS imported
          WHERE imported.target_kind = kind
            AND imported.target_id = e.target_id
            AND imported.earned_by IS NULL));

    IF kind = 'site' THEN
        UPDATE public.construction_site AS s
        SET is_green_demo = EXISTS (
            SELECT 1 FROM public.demonstration_flag AS f
            WHERE f.target_kind = 'site' AND f.target_id = s.id AND f.until IS NULL)
        WHERE s.id = ANY (ids);
    ELSE
        UPDATE public.resettlement_point AS p
        SET is_safety_demo = EXISTS (
            SELECT 1 FROM public.demonstration_flag AS f
            WHERE f.target_kind = 'point' AND f.target_id = p.id AND f.until IS NULL)
        WHERE p.id = ANY (ids);
    END IF;
END;
$$;
