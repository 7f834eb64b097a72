-- resettlement_points as features: temporary resettlement points (群众临时安置点).
SELECT
    t.id,
    t.name,
    t.households,
    t.is_safety_demo,
    sd.name AS sub_district,
    t.source_key,
    t.geom
FROM public.resettlement_point AS t
LEFT JOIN public.sub_district AS sd
    ON sd.id = t.sub_district_id
