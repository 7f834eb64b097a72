-- sub_districts as features: the sub-district offices' (办事处) boundaries.
SELECT
    sd.id,
    sd.code,
    sd.name,
    round(sd.area_m2::numeric)::float AS area_m2,
    sd.geom
FROM public.sub_district AS sd
