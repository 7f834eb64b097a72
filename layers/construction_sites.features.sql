-- construction_sites as features: construction sites (施工工地) with their sub-district.
SELECT
    t.id,
    t.name,
    t.status,
    t.is_green_demo,
    sd.name AS sub_district,
    t.source_key,
    round(t.area_m2::numeric)::float AS area_m2,
    t.geom
FROM public.construction_site AS t
LEFT JOIN public.sub_district AS sd
    ON sd.id = t.sub_district_id
