-- resettlement_points as features: temporary resettlement points (群众临时安置点) and their
-- inspection status now (roadchief.inspection_status).
SELECT
    t.id,
    t.name,
    t.households,
    t.is_safety_demo,
    sd.name AS sub_district,
    t.source_key,
    st.status AS inspection_status,
    st.last_inspected_at,
    st.overdue,
    t.geom
FROM public.resettlement_point AS t
LEFT JOIN public.sub_district AS sd
    ON sd.id = t.sub_district_id
LEFT JOIN roadchief.inspection_status(now(), 'point') AS st
    ON st.target_id = t.id
