-- shops as features: the shops along the streets, the road and community in front of them, and
-- whether they are under 停业整顿 now (an open shop_suspension).
SELECT
    s.id,
    s.name,
    s.licence_no,
    s.shop_type,
    r.name AS road_name,
    c.name AS community_name,
    s.segment_id,
    (sp.id IS NOT NULL) AS suspended,
    sp.since_week AS suspended_since,
    s.source_key,
    s.geom
FROM public.shop AS s
LEFT JOIN public.road_segment AS rs
    ON rs.id = s.segment_id
LEFT JOIN public.road AS r
    ON r.id = rs.road_id
LEFT JOIN public.community AS c
    ON c.id = s.community_id
LEFT JOIN public.shop_suspension AS sp
    ON sp.shop_id = s.id AND sp.until_week IS NULL
