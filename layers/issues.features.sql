-- issues as features: the issue ledger (问题台账), one point per issue with its category's name.
SELECT
    i.id,
    i.category_code,
    ic.name AS category_name,
    i.description,
    i.status,
    i.reported_at,
    i.updated_at,
    i.source,
    i.segment_id,
    i.geom
FROM public.issue AS i
JOIN public.issue_category AS ic
    ON ic.code = i.category_code
