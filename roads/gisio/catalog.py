"""The district's layers as exports and OGC API collections see them: one SELECT per layer.

Segments carry the coverage attributes of roadchief.segment_coverage (chief per tier, party
membership, tiers covered). Names and SQL are code constants; nothing here comes from a request.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Layer:
    name: str
    title: str
    geometry_type: str
    select: str  # columns incl. `id` and `geom`, FROM ..., no WHERE
    datetime_column: str | None = None


LAYERS: dict[str, Layer] = {
    layer.name: layer
    for layer in [
        Layer(
            "segments",
            "道路分段与路长覆盖",
            "LineString",
            """
        SELECT v.segment_id AS id, v.road_id, v.road_name, v.road_class, v.community_id,
               v.community_name, sd.name AS sub_district_name, round(v.length_m::numeric, 2)::float AS length_m,
               v.tier1_chief_name, v.tier1_party, v.tier2_chief_name, v.tier2_party,
               v.tier3_chief_name, v.tier3_party, v.tiers_covered, s.source_key, v.geom
        FROM roadchief.segment_coverage AS v
        JOIN public.road_segment AS s ON s.id = v.segment_id
        LEFT JOIN public.sub_district AS sd ON sd.id = v.sub_district_id""",
        ),
        Layer(
            "communities",
            "村/社区",
            "MultiPolygon",
            """
        SELECT c.id, c.code, c.name, c.kind, sd.name AS sub_district,
               round(c.area_m2::numeric)::float AS area_m2, c.geom
        FROM public.community AS c JOIN public.sub_district AS sd ON sd.id = c.sub_district_id""",
        ),
        Layer(
            "sub_districts",
            "办事处",
            "MultiPolygon",
            """
        SELECT sd.id, sd.code, sd.name, round(sd.area_m2::numeric)::float AS area_m2, sd.geom
        FROM public.sub_district AS sd""",
        ),
        Layer(
            "construction_sites",
            "施工工地",
            "MultiPolygon",
            """
        SELECT t.id, t.name, t.status, t.is_green_demo, sd.name AS sub_district, t.source_key,
               round(t.area_m2::numeric)::float AS area_m2, t.geom
        FROM public.construction_site AS t LEFT JOIN public.sub_district AS sd ON sd.id = t.sub_district_id""",
        ),
        Layer(
            "resettlement_points",
            "群众临时安置点",
            "Point",
            """
        SELECT t.id, t.name, t.households, t.is_safety_demo, sd.name AS sub_district, t.source_key, t.geom
        FROM public.resettlement_point AS t LEFT JOIN public.sub_district AS sd ON sd.id = t.sub_district_id""",
        ),
        Layer(
            "issues",
            "问题台账",
            "Point",
            """
        SELECT i.id, i.category_code, ic.name AS category_name, i.description, i.status,
               i.reported_at, i.updated_at, i.source, i.segment_id, i.geom
        FROM public.issue AS i JOIN public.issue_category AS ic ON ic.code = i.category_code""",
            datetime_column="reported_at",
        ),
    ]
}
