-- construction_sites as features: construction sites (施工工地) with their sub-district and their
-- inspection status now (roadchief.inspection_status).
SELECT
    t.id,
    t.name,
    t.status,
    t.is_green_demo,
    sd.name AS sub_district,
    t.source_key,
    round(t.area_m2::numeric)::float AS area_m2,
    st.status AS inspection_status,
    st.last_inspected_at,
    st.overdue,
    t.geom
FROM public.construction_site AS t
LEFT JOIN public.sub_district AS sd
    ON sd.id = t.sub_district_id
LEFT JOIN roadchief.inspection_status(now(), 'site') AS st
    ON st.target_id = t.id
