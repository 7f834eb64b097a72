"""Staged features -> sub-districts, communities, construction sites, resettlement points and shops.

Upserts by a stable key: the code of a sub-district or community (its name when the file has no
code), the source id of a site, point or shop (a shop's licence number next; else a hash of its name and
geometry). A row whose
values all equal the file's is unchanged. Nothing absent from the file is deleted.
"""

from sqlalchemy import Connection, text

from roads.gisio.summary import ImportSummary

TRUE_WORDS = "('1', 'true', 't', 'yes', 'y', '是', '√', 'x')"

KEYS = {
    "sub_districts": "coalesce(f.code, f.name)",
    "communities": "coalesce(f.code, f.name)",
    "construction_sites": "coalesce(f.source_id, md5(f.name || ST_AsEWKT(f.geom)))",
    "resettlement_points": "coalesce(f.source_id, md5(f.name || ST_AsEWKT(f.geom)))",
    "shops": "coalesce(f.source_id, f.licence_no, md5(f.name || ST_AsEWKT(f.geom)))",
}

DUPLICATES = """
SELECT f.feature_no, k.key, k.first_no
FROM import_feature AS f
CROSS JOIN LATERAL (SELECT {key} AS key) AS k0
CROSS JOIN LATERAL (
    SELECT k0.key, min(g.feature_no) AS first_no FROM import_feature AS g
    WHERE g.ok AND {key_g} = k0.key
) AS k
WHERE f.ok AND f.feature_no <> k.first_no
"""

CHECKS = {
    "communities": [
        (
            "kind not 社区, 村 or 村改居",
            "f.kind IS NOT NULL AND f.kind NOT IN ('社区', '村', '村改居')",
        ),
        (
            "in no sub-district (name one in the sub_district column, or import sub_districts first)",
            "pg_temp.roadchief_import_sub_district(f.sub_district, f.geom) IS NULL",
        ),
    ],
    "construction_sites": [
        (
            "status not 在建, 停工 or 完工",
            "f.status IS NOT NULL AND f.status NOT IN ('在建', '停工', '完工')",
        ),
    ],
    "resettlement_points": [
        (
            "households not a whole number >= 0",
            "f.households IS NOT NULL AND f.households !~ '^[0-9]+(\\.0*)?$'",
        ),
        ("a MultiPoint of several points", "ST_NumGeometries(f.geom) > 1"),
    ],
    "shops": [
        ("a MultiPoint of several points", "ST_NumGeometries(f.geom) > 1"),
    ],
}

SUB_DISTRICT_OF = """
CREATE OR REPLACE FUNCTION pg_temp.roadchief_import_sub_district(label text, g geometry)
RETURNS integer LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN label IS NOT NULL THEN
        (SELECT s.id FROM public.sub_district AS s
         WHERE label IN (s.name, s.code, s.name || '办事处', regexp_replace(s.name, '办事处$', ''))
         ORDER BY s.id LIMIT 1)
    ELSE
        (SELECT s.id FROM public.sub_district AS s WHERE ST_Intersects(s.geom, ST_PointOnSurface(g))
         ORDER BY s.id LIMIT 1)
    END
$$;
"""

UPSERTS = {
    "sub_districts": """
INSERT INTO public.sub_district AS t (code, name, geom)
SELECT {key}, f.name, ST_Multi(f.geom) FROM import_feature AS f WHERE f.ok ORDER BY f.feature_no
ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, geom = EXCLUDED.geom
WHERE (t.name, t.geom) IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.geom)
RETURNING (xmax = 0) AS created
""",
    "communities": """
INSERT INTO public.community AS t (code, name, kind, sub_district_id, geom)
SELECT {key}, f.name, coalesce(f.kind, '社区'),
       pg_temp.roadchief_import_sub_district(f.sub_district, f.geom), ST_Multi(f.geom)
FROM import_feature AS f WHERE f.ok ORDER BY f.feature_no
ON CONFLICT (code) DO UPDATE
SET name = EXCLUDED.name, kind = EXCLUDED.kind, sub_district_id = EXCLUDED.sub_district_id,
    geom = EXCLUDED.geom
WHERE (t.name, t.kind, t.sub_district_id, t.geom)
      IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.kind, EXCLUDED.sub_district_id, EXCLUDED.geom)
RETURNING (xmax = 0) AS created
""",
    "construction_sites": """
INSERT INTO public.construction_site AS t (name, status, is_green_demo, sub_district_id, geom, source_key)
SELECT f.name, coalesce(f.status, '在建'), coalesce(lower(f.is_green_demo) IN """
    + TRUE_WORDS
    + """, false),
       pg_temp.roadchief_import_sub_district(NULL, f.geom), ST_Multi(f.geom), {key}
FROM import_feature AS f WHERE f.ok ORDER BY f.feature_no
ON CONFLICT (source_key) DO UPDATE
SET name = EXCLUDED.name, status = EXCLUDED.status, is_green_demo = EXCLUDED.is_green_demo,
    sub_district_id = EXCLUDED.sub_district_id, geom = EXCLUDED.geom
WHERE (t.name, t.status, t.is_green_demo, t.sub_district_id, t.geom)
      IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.status, EXCLUDED.is_green_demo,
                        EXCLUDED.sub_district_id, EXCLUDED.geom)
RETURNING (xmax = 0) AS created
""",
    "resettlement_points": """
INSERT INTO public.resettlement_point AS t (name, households, is_safety_demo, sub_district_id, geom, source_key)
SELECT f.name, CAST(CAST(f.households AS numeric) AS integer),
       coalesce(lower(f.is_safety_demo) IN """
    + TRUE_WORDS
    + """, false),
       pg_temp.roadchief_import_sub_district(NULL, f.geom), ST_GeometryN(f.geom, 1), {key}
FROM import_feature AS f WHERE f.ok ORDER BY f.feature_no
ON CONFLICT (source_key) DO UPDATE
SET name = EXCLUDED.name, households = EXCLUDED.households, is_safety_demo = EXCLUDED.is_safety_demo,
    sub_district_id = EXCLUDED.sub_district_id, geom = EXCLUDED.geom
WHERE (t.name, t.households, t.is_safety_demo, t.sub_district_id, t.geom)
      IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.households, EXCLUDED.is_safety_demo,
                        EXCLUDED.sub_district_id, EXCLUDED.geom)
RETURNING (xmax = 0) AS created
""",
    # The shop's point snapped to the segment in front of it as issues are (snapping.sql), and the
    # community its point lies in.
    "shops": """
INSERT INTO public.shop AS t (name, licence_no, shop_type, geom, segment_id, snap_distance_m,
                              community_id, source_key)
SELECT f.name, f.licence_no, f.shop_type, p.geom, n.segment_id, n.distance_m,
       (SELECT c.id FROM public.community AS c WHERE ST_Intersects(c.geom, p.geom) ORDER BY c.id LIMIT 1),
       {key}
FROM import_feature AS f
CROSS JOIN LATERAL (SELECT ST_GeometryN(f.geom, 1) AS geom) AS p
LEFT JOIN LATERAL roadchief.nearest_segments(p.geom, :snap_m) AS n ON true
WHERE f.ok ORDER BY f.feature_no
ON CONFLICT (source_key) DO UPDATE
SET name = EXCLUDED.name, licence_no = EXCLUDED.licence_no, shop_type = EXCLUDED.shop_type,
    geom = EXCLUDED.geom, segment_id = EXCLUDED.segment_id,
    snap_distance_m = EXCLUDED.snap_distance_m, community_id = EXCLUDED.community_id
WHERE (t.name, t.licence_no, t.shop_type, t.geom)
      IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.licence_no, EXCLUDED.shop_type, EXCLUDED.geom)
RETURNING (xmax = 0) AS created
""",
}


def write_places(conn: Connection, layer: str, summary: ImportSummary,
                 snap_distance_m: float = 50.0) -> None:
    conn.execute(text(SUB_DISTRICT_OF))
    key = KEYS[layer]
    for reason, condition in CHECKS.get(layer, []):
        refuse(conn, condition, reason, summary)
    duplicates = conn.execute(text(DUPLICATES.format(key=key, key_g=key.replace("f.", "g."))))
    for row in duplicates.all():
        conn.execute(
            text("UPDATE import_feature SET ok = false WHERE feature_no = :n"),
            {"n": row.feature_no},
        )
        summary.reject(
            row.feature_no, f"duplicate key {row.key!r} (first in feature #{row.first_no})"
        )
    results = conn.execute(text(UPSERTS[layer].format(key=key)), {"snap_m": snap_distance_m}).scalars().all()
    ok = conn.execute(text("SELECT count(*) FROM import_feature WHERE ok")).scalar()
    summary.created = sum(1 for created in results if created)
    summary.updated = len(results) - summary.created
    summary.unchanged = ok - len(results)


def refuse(conn: Connection, condition: str, reason: str, summary: ImportSummary) -> None:
    """Mark the staged features matching `condition` (a code constant) as rejected for `reason`."""
    rows = conn.execute(
        text(
            f"UPDATE import_feature AS f SET ok = false WHERE f.ok AND ({condition}) "
            "RETURNING f.feature_no"
        )
    )
    for feature_no in sorted(r.feature_no for r in rows):
        summary.reject(feature_no, reason)
