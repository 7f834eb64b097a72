-- requires: public.work_calendar, public.patrol, public.patrol_rule
-- Patrols: a GPS track cleaned and measured, the chief's own segments it covered, and compliance
-- with the patrol rules. One definition each; the API, the CLI, the demo and the bench call them.

-- The cleaned track of each patrol in `ids`, as a LineStringM in EPSG:3857 (M = epoch seconds):
--  1. readings less accurate than 50 m are dropped;
--  2. a reading that jumps away from both neighbours faster than 30 m/s is a GPS spike, dropped;
--  3. stays are collapsed: consecutive readings within 10 m of the last kept one become one
--     (ST_RemoveRepeatedPoints; 3857 metres are 1/cos(latitude) ground metres, hence `k`).
CREATE OR REPLACE FUNCTION roadchief.patrol_tracks(ids bigint[])
RETURNS TABLE (patrol_id bigint, track_m geometry, k double precision)
LANGUAGE sql STABLE AS $$
    WITH raw AS (
        SELECT p.patrol_id, p.recorded_at, ST_SetSRID(ST_MakePoint(p.lon, p.lat), 4326) AS g
        FROM public.patrol_point AS p
        WHERE p.patrol_id = ANY (ids)
          AND (p.accuracy_m IS NULL OR p.accuracy_m <= 50)
    ),
    steps AS (
        SELECT r.patrol_id, r.recorded_at, r.g,
               ST_Distance(r.g::geography, lag(r.g) OVER w::geography, false)
                   / NULLIF(extract(epoch FROM r.recorded_at - lag(r.recorded_at) OVER w), 0) AS speed_in,
               ST_Distance(r.g::geography, lead(r.g) OVER w::geography, false)
                   / NULLIF(extract(epoch FROM lead(r.recorded_at) OVER w - r.recorded_at), 0) AS speed_out
        FROM raw AS r
        WINDOW w AS (PARTITION BY r.patrol_id ORDER BY r.recorded_at)
    ),
    lines AS (
        SELECT s.patrol_id,
               ST_Transform(ST_SetSRID(ST_MakeLine(
                   ST_MakePointM(ST_X(s.g), ST_Y(s.g), extract(epoch FROM s.recorded_at))
                   ORDER BY s.recorded_at), 4326), 3857) AS line,
               1 / cos(radians(avg(ST_Y(s.g)))) AS k
        FROM steps AS s
        WHERE NOT (COALESCE(s.speed_in > 30 AND s.speed_out > 30, false))
        GROUP BY s.patrol_id
    )
    SELECT l.patrol_id, ST_RemoveRepeatedPoints(l.line, 10 * l.k), l.k
    FROM lines AS l
$$;

-- Measure, flag and match the patrols in `ids` against their chief's segments; re-runnable.
-- too_fast: the median speed of the moving steps (>= 0.5 m/s, geodesic) is above 15 km/h: a foot
-- or bicycle patrol, not a car. too_short: shorter in time or distance than every rule allows.
-- patrol_segment keeps every own segment the track came within 30 m of, with the share of its
-- length within 30 m; whether that share counts is the rule's (patrol_compliance), so an edited
-- rule applies to past patrols without re-evaluating them.
CREATE OR REPLACE FUNCTION roadchief.evaluate_patrols(ids bigint[])
RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    evaluated integer;
BEGIN
    CREATE TEMP TABLE IF NOT EXISTS patrol_eval (patrol_id bigint, track_m geometry, k double precision)
        ON COMMIT DROP;
    TRUNCATE patrol_eval;
    INSERT INTO patrol_eval SELECT * FROM roadchief.patrol_tracks(ids);

    UPDATE public.patrol AS p
    SET geom = CASE WHEN ST_NPoints(e.track_m) >= 2
                     THEN ST_Force2D(ST_Transform(e.track_m, 4326)) END,
        distance_m = m.distance_m,
        duration_s = m.duration_s,
        median_speed_kmh = m.median_kmh,
        too_fast = COALESCE(m.median_kmh > 15, false),
        too_short = m.duration_s < (SELECT min(r.min_minutes) * 60 FROM public.patrol_rule AS r)
                    OR m.distance_m < (SELECT min(r.min_distance_m) FROM public.patrol_rule AS r),
        evaluated_at = clock_timestamp()
    FROM patrol_eval AS e
    CROSS JOIN LATERAL (
        SELECT COALESCE(sum(st.d), 0) AS distance_m,
               COALESCE(max(st.t) - min(st.t), 0) AS duration_s,
               percentile_cont(0.5) WITHIN GROUP (ORDER BY st.d / st.dt * 3.6)
                   FILTER (WHERE st.dt > 0 AND st.d / st.dt >= 0.5) AS median_kmh
        FROM (
            SELECT ST_M(q.geom) AS t,
                   ST_Distance(ST_Transform(q.geom, 4326)::geography,
                               ST_Transform(lag(q.geom) OVER (ORDER BY q.path), 4326)::geography) AS d,
                   ST_M(q.geom) - lag(ST_M(q.geom)) OVER (ORDER BY q.path) AS dt
            FROM ST_DumpPoints(e.track_m) AS q
        ) AS st
    ) AS m
    WHERE p.id = e.patrol_id;

    DELETE FROM public.patrol_segment AS ps WHERE ps.patrol_id = ANY (ids);
    -- Planar in EPSG:3857 with distances times k: exact to well under a metre across a district,
    -- and several times faster than geography for buffers and intersections.
    INSERT INTO public.patrol_segment (patrol_id, segment_id, covered_share)
    WITH zone AS MATERIALIZED (
        -- Simplified by 5 m: against a 30 m reach, GPS zigzag only costs overlay time.
        SELECT e.patrol_id, e.k, ST_Simplify(ST_Force2D(e.track_m), 5 * e.k) AS line
        FROM patrol_eval AS e
        WHERE ST_NPoints(e.track_m) >= 2
    ),
    candidate AS (
        SELECT DISTINCT ON (p.id, s.id) p.id AS patrol_id, s.id AS segment_id, z.k, z.line,
               ST_Transform(s.geom, 3857) AS segment
        FROM zone AS z
        JOIN public.patrol AS p ON p.id = z.patrol_id
        JOIN public.segment_assignment AS a
          ON a.chief_id = p.chief_id
         AND a.valid_from <= p.started_at AND (a.valid_to IS NULL OR a.valid_to > p.started_at)
        JOIN public.road_segment AS s ON s.id = a.segment_id
        WHERE s.geom && ST_Expand(p.geom, 31 * z.k / 111319.0, 31 / 110574.0)
          -- in degrees, a longitude degree's worth: never closer than 30 m when this fails
          AND ST_DWithin(s.geom, p.geom, 31 * z.k / 111319.0)
    )
    SELECT c.patrol_id, c.segment_id, c.share
    FROM (
        -- The share of points every 10 m along the segment (at most 40 points) that lie within
        -- 30 m of the track, clipped to the segment's surroundings. Buffering the track and
        -- intersecting is exact but 4 times slower on noisy 5-second tracks (GEOS buffers of
        -- zigzags); the samples are within 1 or 2 percent (measured on the demo and the bench).
        SELECT x.patrol_id, x.segment_id,
               (SELECT avg(ST_DWithin(d.geom, x.near, 30 * x.k)::integer)
                FROM ST_Dump(ST_LineInterpolatePoints(
                    x.segment, 1.0 / LEAST(40, GREATEST(1, ceil(ST_Length(x.segment) / x.k / 10))), true)
                ) AS d) AS share
        FROM (
            SELECT y.*, ST_ClipByBox2D(y.line, ST_Expand(ST_Envelope(y.segment), 31 * y.k)) AS near
            FROM candidate AS y
            WHERE ST_DWithin(y.segment, y.line, 30 * y.k)
        ) AS x
        OFFSET 0  -- computed once: inlined, the share would be computed again for the WHERE below
    ) AS c
    WHERE c.share > 0;

    SELECT count(*) INTO evaluated FROM patrol_eval;
    RETURN evaluated;
END;
$$;

-- Per tier, the whole periods of its rule in the window [from_ts, to_ts) that have begun by now():
-- a week asked for on its Wednesday has 3 daily periods due so far, today's included. The only
-- way patrol figures depend on the clock, so also what a kept answer is keyed by besides the
-- tables' change counters (roads/answer_cache.py).
CREATE OR REPLACE FUNCTION roadchief.patrol_periods(from_ts timestamptz, to_ts timestamptz)
RETURNS TABLE (tier smallint, periods integer)
LANGUAGE sql STABLE AS $$
    SELECT r.tier,
           LEAST(floor(extract(epoch FROM to_ts - from_ts) / 86400 / r.every_days),
                 GREATEST(0, ceil(extract(epoch FROM now() - from_ts) / 86400 / r.every_days)))::integer
    FROM public.patrol_rule AS r
$$;

-- Per assignment (chief, segment, tier) and per general chief (segment NULL, tier 0), over the
-- window [from_ts, to_ts): patrols due and done.
--  - The window is cut into whole periods of the tier's rule from from_ts (a daily rule over a
--    week: 7; a half-month rule over a week: none, so not assessed); periods not yet begun are
--    not due; a period is due when the
--    assignment holds at its start, and for a daily rule when its day is not a holiday.
--  - Done: the due periods in which the chief started a patrol that is not too fast, lasted and
--    went at least the rule's minutes and metres, and covered at least the rule's share of the
--    segment (for general chiefs: any such patrol).
CREATE OR REPLACE FUNCTION roadchief.patrol_compliance(from_ts timestamptz, to_ts timestamptz)
RETURNS TABLE (chief_id integer, segment_id integer, tier smallint, due integer, done integer)
LANGUAGE sql STABLE AS $$
    WITH rule AS MATERIALIZED (
        SELECT r.*, p.periods
        FROM public.patrol_rule AS r
        JOIN roadchief.patrol_periods(from_ts, to_ts) AS p ON p.tier = r.tier
    ),
    off_period AS MATERIALIZED (
        SELECT (h.day - (from_ts AT TIME ZONE 'Asia/Shanghai')::date) AS k
        FROM public.work_calendar AS h
        WHERE NOT h.is_workday
          AND h.day >= (from_ts AT TIME ZONE 'Asia/Shanghai')::date
          AND h.day < (to_ts AT TIME ZONE 'Asia/Shanghai')::date
    ),
    held AS (
        -- The due periods of each assignment: k from first_k to last_k.
        SELECT a.id, a.chief_id, a.segment_id, a.tier, r.every_days, r.min_share, r.min_minutes,
               r.min_distance_m, a.valid_from, a.valid_to,
               GREATEST(0, ceil(extract(epoch FROM a.valid_from - from_ts) / 86400 / r.every_days))::integer
                   AS first_k,
               CASE WHEN a.valid_to IS NULL THEN r.periods - 1
                    ELSE LEAST(r.periods - 1,
                               ceil(extract(epoch FROM a.valid_to - from_ts) / 86400 / r.every_days) - 1)
               END::integer AS last_k
        FROM public.segment_assignment AS a
        JOIN rule AS r ON r.tier = a.tier
        WHERE a.valid_from < to_ts AND (a.valid_to IS NULL OR a.valid_to > from_ts)
    ),
    counted AS (
        SELECT h.id, count(DISTINCT x.k)::integer AS done
        FROM held AS h
        JOIN public.patrol AS p
          ON p.chief_id = h.chief_id AND p.started_at >= from_ts AND p.started_at < to_ts
         AND NOT p.too_fast AND p.duration_s >= h.min_minutes * 60 AND p.distance_m >= h.min_distance_m
        JOIN public.patrol_segment AS ps
          ON ps.patrol_id = p.id AND ps.segment_id = h.segment_id AND ps.covered_share >= h.min_share
        CROSS JOIN LATERAL (
            SELECT floor(extract(epoch FROM p.started_at - from_ts) / 86400 / h.every_days)::integer AS k
        ) AS x
        WHERE x.k BETWEEN h.first_k AND h.last_k
          AND NOT (h.every_days = 1 AND x.k IN (SELECT o.k FROM off_period AS o))
          AND p.started_at >= h.valid_from AND (h.valid_to IS NULL OR p.started_at < h.valid_to)
        GROUP BY h.id
    ),
    segment_rows AS (
        SELECT h.chief_id, h.segment_id, h.tier,
               GREATEST(0, h.last_k - h.first_k + 1
                   - CASE WHEN h.every_days = 1
                          THEN (SELECT count(*) FROM off_period AS o WHERE o.k BETWEEN h.first_k AND h.last_k)
                          ELSE 0 END)::integer AS due,
               COALESCE(c.done, 0) AS done
        FROM held AS h
        LEFT JOIN counted AS c ON c.id = h.id
    ),
    general_rows AS (
        SELECT ch.id AS chief_id, NULL::integer AS segment_id, 0::smallint AS tier,
               GREATEST(r.periods, 0) AS due,
               (SELECT count(DISTINCT floor(extract(epoch FROM p.started_at - from_ts) / 86400 / r.every_days))
                FROM public.patrol AS p
                WHERE p.chief_id = ch.id AND p.started_at >= from_ts
                  AND p.started_at < from_ts + make_interval(days => r.periods * r.every_days)
                  AND NOT p.too_fast AND p.duration_s >= r.min_minutes * 60
                  AND p.distance_m >= r.min_distance_m)::integer AS done
        FROM public.chief AS ch
        JOIN rule AS r ON r.tier = 0
        WHERE ch.general_chief AND ch.active
    )
    SELECT s.chief_id, s.segment_id, s.tier, s.due, LEAST(s.done, s.due) FROM segment_rows AS s
    UNION ALL
    SELECT g.chief_id, g.segment_id, g.tier, g.due, LEAST(g.done, g.due) FROM general_rows AS g
$$;
