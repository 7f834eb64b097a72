-- requires: public.unit, public.unit_area, public.unit_category
-- Dispatch suggestions: the active units (处置单位) that handle a category in a community (NULL:
-- outside every community: only whole-district units match), most specific first. A unit's areas
-- are communities or sub-districts (public.unit_area); a unit without any area handles the whole
-- district. Its categories are sub-items or major tasks
-- (public.unit_category); a task covers all its sub-items.
--   Order: the area match (community 1, sub-district 2, whole district 3), then the category match
--   (sub-item 1, task 2), then the unit's name. A unit that matches in several ways is listed once,
--   with its most specific match.
CREATE OR REPLACE FUNCTION roadchief.suggest_units_for(category text, community integer)
RETURNS TABLE (
    unit_id integer,
    unit_name text,
    kind text,
    area_level text,
    area_name text,
    category_code text,
    category_name text,
    rank bigint
)
LANGUAGE sql STABLE AS $$
    WITH place AS (
        SELECT cat.code AS category_code, cat.parent_code AS task_code,
               suggest_units_for.community AS community_id, c.sub_district_id
        FROM public.issue_category AS cat
        LEFT JOIN public.community AS c
            ON c.id = suggest_units_for.community
        WHERE cat.code = suggest_units_for.category
    ),
    area_match AS (
        SELECT ua.unit_id,
               CASE WHEN ua.community_id IS NOT NULL THEN 1 ELSE 2 END AS area_rank,
               coalesce(cm.name, sd.name) AS area_name
        FROM public.unit_area AS ua
        CROSS JOIN place AS p
        LEFT JOIN public.community AS cm
            ON cm.id = ua.community_id
        LEFT JOIN public.sub_district AS sd
            ON sd.id = ua.sub_district_id
        WHERE ua.community_id = p.community_id
           OR ua.sub_district_id = p.sub_district_id
        UNION ALL
        SELECT u.id, 3, '全区'
        FROM public.unit AS u
        WHERE NOT EXISTS (SELECT 1 FROM public.unit_area AS ua WHERE ua.unit_id = u.id)
    ),
    category_match AS (
        SELECT uc.unit_id,
               CASE WHEN uc.category_code = p.category_code THEN 1 ELSE 2 END AS category_rank,
               uc.category_code
        FROM public.unit_category AS uc
        CROSS JOIN place AS p
        WHERE uc.category_code IN (p.category_code, p.task_code)
    ),
    best AS (
        SELECT DISTINCT ON (u.id)
            u.id, u.name, u.kind, a.area_rank, a.area_name, m.category_rank, m.category_code
        FROM public.unit AS u
        JOIN area_match AS a
            ON a.unit_id = u.id
        JOIN category_match AS m
            ON m.unit_id = u.id
        WHERE u.active
        ORDER BY u.id, a.area_rank, m.category_rank
    )
    SELECT
        b.id,
        b.name,
        b.kind,
        (ARRAY['community', 'sub_district', 'district'])[b.area_rank],
        b.area_name,
        b.category_code,
        ic.name,
        row_number() OVER (ORDER BY b.area_rank, b.category_rank, b.name)
    FROM best AS b
    JOIN public.issue_category AS ic
        ON ic.code = b.category_code
    ORDER BY 8
$$;

-- The suggestions for one issue: those for its category and community (the one rule above;
-- complete_issue_records asks it once per pair for issues written in bulk).
CREATE OR REPLACE FUNCTION roadchief.suggest_units(issue_id bigint)
RETURNS TABLE (
    unit_id integer,
    unit_name text,
    kind text,
    area_level text,
    area_name text,
    category_code text,
    category_name text,
    rank bigint
)
LANGUAGE sql STABLE AS $$
    SELECT s.*
    FROM public.issue AS i
    CROSS JOIN LATERAL roadchief.suggest_units_for(i.category_code, i.community_id) AS s
    WHERE i.id = suggest_units.issue_id
    ORDER BY s.rank
$$;
