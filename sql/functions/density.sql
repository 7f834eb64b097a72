-- Issue density per road segment for a time window [from_ts, to_ts), optional categories (a major
-- task code such as 'T03' matches all its sub-items), statuses and sources: the snapped issues of
-- roadchief.counted_issues. The one definition of density that the API, the density tiles and
-- the exports read, so they agree to the issue.
-- per_km divides by the segment's length but never by less than 50 m, so a 2-metre stub with one
-- issue does not out-rank a whole street (the choice is written in the README).
-- Each row also carries the segment's road and community (segment_id's, read in the same scan),
-- so that a reader filtering by area or naming the road needs no second pass over the segments.
-- Before sources (migration 0007 and earlier databases): replaced, not overloaded.
DROP FUNCTION IF EXISTS roadchief.segment_density(timestamptz, timestamptz, text[], text[]);
-- Before road_id and community_id: dropped, since CREATE OR REPLACE cannot change the columns
-- (nothing depends on it: a LANGUAGE sql body records no dependencies).
DO $$
BEGIN
    IF EXISTS (
        SELECT 1
        FROM pg_catalog.pg_proc AS p
        WHERE p.oid = to_regprocedure(
                  'roadchief.segment_density(timestamptz, timestamptz, text[], text[], text[])')
          AND NOT 'community_id' = ANY (p.proargnames)
    ) THEN
        DROP FUNCTION roadchief.segment_density(timestamptz, timestamptz, text[], text[], text[]);
    END IF;
END
$$;

CREATE OR REPLACE FUNCTION roadchief.segment_density(
    from_ts timestamptz,
    to_ts timestamptz,
    categories text[] DEFAULT NULL,
    statuses text[] DEFAULT NULL,
    sources text[] DEFAULT NULL
)
RETURNS TABLE (
    segment_id integer,
    issue_count bigint,
    length_m double precision,
    per_km double precision,
    per_km_30d double precision,
    road_id integer,
    community_id integer
)
LANGUAGE sql STABLE AS $$
    WITH counted AS (
        SELECT i.segment_id, count(*) AS n
        FROM roadchief.counted_issues(from_ts, to_ts, categories, statuses, sources => sources) AS i
        GROUP BY i.segment_id
    )
    SELECT
        s.id,
        coalesce(c.n, 0),
        s.length_m,
        coalesce(c.n, 0) / (GREATEST(s.length_m, 50.0) / 1000.0),
        coalesce(c.n, 0) / (GREATEST(s.length_m, 50.0) / 1000.0)
            * 30.0 / GREATEST(extract(epoch FROM to_ts - from_ts) / 86400.0, 1.0 / 24),
        s.road_id,
        s.community_id
    FROM public.road_segment AS s
    LEFT JOIN counted AS c ON c.segment_id = s.id
$$;
