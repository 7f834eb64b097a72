-- requires: public.shop, public.shop_flag, public.shop_suspension, public.flag_rule
-- Shops and their flag for one ISO week (`week`: its Monday), with the street (the road of the
-- segment in front of the shop), the community and whether the shop is under 停业整顿 that week.
-- A shop not judged that week reads flag 'none' with judged false.
-- One definition for the flags API, the tallies, the 红黑榜 and the shops tiles.
CREATE OR REPLACE FUNCTION roadchief.shop_week(week date)
RETURNS TABLE (
    shop_id integer, name text, licence_no text, shop_type text, geom geometry,
    segment_id integer, road_id integer, road_name text,
    community_id integer, community_name text, sub_district_id integer, sub_district_name text,
    flag text, order_score smallint, hygiene_score smallint, facade_score smallint,
    inspector text, judged boolean, suspended boolean, suspended_since date
)
LANGUAGE sql STABLE AS $$
    SELECT sh.id, sh.name, sh.licence_no, sh.shop_type, sh.geom,
           sh.segment_id, r.id, r.name,
           sh.community_id, c.name, c.sub_district_id, sd.name,
           coalesce(f.flag, 'none'), f.order_score, f.hygiene_score, f.facade_score,
           f.inspector, f.id IS NOT NULL, su.since_week IS NOT NULL, su.since_week
    FROM public.shop AS sh
    LEFT JOIN public.road_segment AS s ON s.id = sh.segment_id
    LEFT JOIN public.road AS r ON r.id = s.road_id
    LEFT JOIN public.community AS c ON c.id = sh.community_id
    LEFT JOIN public.sub_district AS sd ON sd.id = c.sub_district_id
    LEFT JOIN public.shop_flag AS f ON f.shop_id = sh.id AND f.week = shop_week.week
    LEFT JOIN LATERAL (
        SELECT x.since_week FROM public.shop_suspension AS x
        WHERE x.shop_id = sh.id AND x.since_week <= shop_week.week
          AND (x.until_week IS NULL OR x.until_week > shop_week.week)
        ORDER BY x.since_week DESC
        LIMIT 1
    ) AS su ON true
$$;

-- The consecutive black flags that put a shop in this community under 停业整顿: the community's
-- own rule, else its sub-district's, else the district default.
CREATE OR REPLACE FUNCTION roadchief.consecutive_black_for(community integer)
RETURNS smallint
LANGUAGE sql STABLE AS $$
    SELECT fr.consecutive_black
    FROM public.flag_rule AS fr
    LEFT JOIN public.community AS c ON c.id = consecutive_black_for.community
    WHERE fr.community_id = c.id
       OR (fr.community_id IS NULL AND fr.sub_district_id = c.sub_district_id)
       OR (fr.community_id IS NULL AND fr.sub_district_id IS NULL)
    ORDER BY (fr.community_id IS NOT NULL) DESC, (fr.sub_district_id IS NOT NULL) DESC
    LIMIT 1
$$;
