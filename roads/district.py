"""The district as a whole: its extent and the points its areas' names hang on."""

from sqlalchemy import Connection, text

Extent = tuple[float, float, float, float]  # west, south, east, north (EPSG:4326)


def district_extent(conn: Connection) -> Extent | None:
    """The bounding box of the sub-districts; None while the district is empty."""
    row = conn.execute(text("""
        SELECT ST_XMin(x.e), ST_YMin(x.e), ST_XMax(x.e), ST_YMax(x.e)
        FROM (
            SELECT ST_Extent(sd.geom) AS e
            FROM public.sub_district AS sd
        ) AS x
    """)).one()
    return None if row[0] is None else tuple(row)


def area_labels(conn: Connection) -> list[dict]:
    """One point inside each sub-district and community (ST_PointOnSurface), with its name."""
    rows = conn.execute(text("""
        SELECT 'sub_district' AS kind, s.name, ST_X(s.p) AS lon, ST_Y(s.p) AS lat
        FROM (
            SELECT sd.name, ST_PointOnSurface(sd.geom) AS p
            FROM public.sub_district AS sd
        ) AS s
        UNION ALL
        SELECT 'community', c.name, ST_X(c.p), ST_Y(c.p)
        FROM (
            SELECT co.name, ST_PointOnSurface(co.geom) AS p
            FROM public.community AS co
        ) AS c
    """)).mappings().all()
    return [dict(row) for row in rows]
