"""Features into a temporary staging table, then checked there: repaired where safe, else refused."""

import geopandas as gpd
import shapely
from sqlalchemy import Connection, text

from roads.bulk import copy_rows
from roads.gisio.summary import ImportSummary

STAGE_COLUMNS = [
    "feature_no",
    "name",
    "road_class",
    "code",
    "kind",
    "sub_district",
    "status",
    "is_green_demo",
    "households",
    "is_safety_demo",
    "source_id",
    "licence_no",
    "shop_type",
    "geom",
]
EXTRACT_TYPE = {"point": 1, "line": 2, "polygon": 3}

CREATE_STAGE = """
DROP TABLE IF EXISTS import_feature;
CREATE TEMP TABLE import_feature (
    feature_no integer PRIMARY KEY, name text, road_class text, code text, kind text,
    sub_district text, status text, is_green_demo text, households text, is_safety_demo text,
    source_id text, licence_no text, shop_type text, geom geometry NOT NULL, ok boolean NOT NULL DEFAULT true
) ON COMMIT DROP;
"""

# Invalid geometries: ST_MakeValid is kept when it is safe, that is when it keeps the geometry's
# dimension and nothing large is thrown away (its bounding box and, for lines, its length stay
# within 1%); otherwise the feature is refused.
REPAIR = """
WITH bad AS (
    SELECT f.feature_no, ST_IsValidReason(f.geom) AS reason, f.geom,
           ST_CollectionExtract(ST_MakeValid(f.geom), :extract) AS fixed
    FROM import_feature AS f
    WHERE f.ok AND NOT ST_IsValid(f.geom)
), judged AS (
    SELECT b.*,
           NOT ST_IsEmpty(b.fixed)
           AND ST_Area(Box2D(b.fixed)) >= 0.99 * ST_Area(Box2D(b.geom))
           AND ST_Length(b.fixed) >= 0.99 * ST_Length(b.geom) AS safe
    FROM bad AS b
)
UPDATE import_feature AS f
SET geom = CASE WHEN j.safe THEN j.fixed ELSE f.geom END,
    ok = j.safe
FROM judged AS j
WHERE f.feature_no = j.feature_no
RETURNING f.feature_no, j.reason, j.safe
"""

OUTSIDE = """
UPDATE import_feature AS f
SET ok = false
WHERE f.ok
  AND NOT EXISTS (SELECT 1 FROM public.community AS c WHERE ST_Intersects(c.geom, f.geom))
RETURNING f.feature_no
"""

PARTLY_OUTSIDE = """
SELECT count(*)
FROM import_feature AS f
WHERE f.ok
  AND NOT ST_CoveredBy(f.geom, (SELECT ST_Union(c.geom) FROM public.community AS c))
"""


def stage(conn: Connection, frame: gpd.GeoDataFrame, summary: ImportSummary) -> int:
    """Write the usable rows of `frame` (columns: feature_no, our fields, geometry) to import_feature."""
    conn.execute(text(CREATE_STAGE))
    geoms = frame.geometry.values
    usable = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    for feature_no in frame.loc[~usable, "feature_no"]:
        summary.reject(int(feature_no), "no geometry")
    kept = frame[usable]
    hexes = shapely.to_wkb(
        shapely.set_srid(shapely.force_2d(kept.geometry.values), 4326), hex=True, include_srid=True
    )
    columns = STAGE_COLUMNS[:-1]
    rows = (
        [_cell(row.get(c)) for c in columns] + [g]
        for row, g in zip(kept.to_dict("records"), hexes, strict=True)
    )
    return copy_rows(conn, "import_feature", STAGE_COLUMNS, rows)


def _cell(value):
    if value is None or (isinstance(value, float) and value != value):
        return None
    text_value = str(value).strip()
    return text_value or None


def repair(conn: Connection, family: str, summary: ImportSummary) -> None:
    for row in conn.execute(text(REPAIR), {"extract": EXTRACT_TYPE[family]}):
        if row.safe:
            summary.repaired.append({"feature": row.feature_no, "reason": row.reason})
        else:
            summary.reject(
                row.feature_no, f"invalid geometry that cannot be repaired safely ({row.reason})"
            )


def drop_outside(conn: Connection, summary: ImportSummary) -> None:
    """Features that touch no community are reported and not written."""
    outside = sorted(r.feature_no for r in conn.execute(text(OUTSIDE)))
    summary.outside.extend(outside)
    partly = conn.execute(text(PARTLY_OUTSIDE)).scalar()
    if partly:
        summary.notes.append(
            f"{partly} features lie partly outside the district; only their parts inside were kept"
        )
