-- communities as features: village and community (村/社区) boundaries with their sub-district.
SELECT
    c.id,
    c.code,
    c.name,
    c.kind,
    sd.name AS sub_district,
    round(c.area_m2::numeric)::float AS area_m2,
    c.geom
FROM public.community AS c
JOIN public.sub_district AS sd
    ON sd.id = c.sub_district_id
