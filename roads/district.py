"""The district as a whole: its name and settings (the one-row `district` table), its extent and
the points its areas' names hang on."""

from dataclasses import asdict, dataclass
from zoneinfo import ZoneInfo, available_timezones

from pyproj import CRS
from pyproj.exceptions import CRSError
from sqlalchemy import Connection, text

from roads.errors import InvalidInput

Extent = tuple[float, float, float, float]  # west, south, east, north (EPSG:4326)


@dataclass(frozen=True)
class District:
    """Who the data belongs to: shown in titles, exports and file names."""

    name: str = "本辖区"
    short_name: str = "本辖区"
    code: str | None = None
    timezone: str = "Asia/Shanghai"
    epsg: int = 4547

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def as_dict(self) -> dict:
        return asdict(self)


# Until `roadchief district set` (or the demo) writes the row, titles say 本辖区 ("this district").
UNNAMED = District()


def get_district(conn: Connection) -> District:
    """The district's row, or UNNAMED while none was set."""
    row = conn.execute(text(
        "SELECT name, short_name, code, timezone, epsg FROM public.district"
    )).mappings().one_or_none()
    return UNNAMED if row is None else District(**row)


def district_is_set(conn: Connection) -> bool:
    return conn.execute(text("SELECT EXISTS (SELECT 1 FROM public.district)")).scalar()


def set_district(conn: Connection, name: str | None = None, short_name: str | None = None,
                 code: str | None = None, timezone: str | None = None,
                 epsg: int | None = None) -> District:
    """Write the fields given over the current ones (the others stay); returns the result."""
    current = get_district(conn)
    merged = District(
        name=(name if name is not None else current.name).strip(),
        short_name=(short_name if short_name is not None else (name or current.short_name)).strip(),
        code=code if code is not None else current.code,
        timezone=timezone if timezone is not None else current.timezone,
        epsg=epsg if epsg is not None else current.epsg,
    )
    check_district(merged)
    conn.execute(text("""
        INSERT INTO public.district (id, name, short_name, code, timezone, epsg)
        VALUES (true, :name, :short_name, :code, :timezone, :epsg)
        ON CONFLICT (id) DO UPDATE
        SET name = excluded.name, short_name = excluded.short_name, code = excluded.code,
            timezone = excluded.timezone, epsg = excluded.epsg
    """), merged.as_dict())
    return merged


def check_district(district: District) -> None:
    if not district.name or not district.short_name:
        raise InvalidInput("the district needs a name and a short name", "辖区名称和简称不能为空")
    if district.timezone not in available_timezones():
        raise InvalidInput(
            f"unknown time zone {district.timezone!r} (e.g. Asia/Shanghai)",
            f"无法识别时区 {district.timezone!r}（例如 Asia/Shanghai）",
        )
    try:
        crs = CRS.from_epsg(district.epsg)
    except CRSError:
        crs = None
    if crs is None or not crs.is_projected:
        raise InvalidInput(
            f"EPSG:{district.epsg} is not a projected coordinate system in metres (e.g. 4547)",
            f"EPSG:{district.epsg} 不是以米为单位的投影坐标系（例如 4547）",
        )


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
