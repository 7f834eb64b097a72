"""The layer catalogue: every map layer defined here, once, for every service that shows it.

A LayerDef says which services it takes part in: vector tiles (`tiles`, SQL in
layers/<name>.sql) and features (`features`, a SELECT in layers/<name>.features.sql), which
OGC API Features (layers/ogc.py) and the file exports (layers/export.py) serve. The tile
router, /tiles, the OGC collections and the exports loop over TILE_LAYERS and FEATURE_LAYERS;
adding a layer is adding a LayerDef and its SQL file(s).
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property
from hashlib import sha1
from pathlib import Path

from sqlalchemy import Connection

from roads.issues.filter import PERIOD_NAMES, filter_from_query
from roads.issues.window import CHINA_TZ
from roads.shops.weeks import parse_week, this_monday

LAYERS_DIR = Path(__file__).resolve().parent

# Query parameters as they arrive (each name with all its values) -> validated SQL parameters.
ParamParser = Callable[[Connection, Mapping[str, list[str]]], dict]


def no_params(conn: Connection, query: Mapping[str, list[str]]) -> dict:
    return {}


def issue_filter_params(conn: Connection, query: Mapping[str, list[str]]) -> dict:
    """The issue filter's window, categories, statuses and sources (roads.issues.filter): without
    from/to/week the last 30 days, ending at the next full minute, so that an issue reported a
    moment ago is already counted and a tile's cache key holds for a minute."""
    given = {name: values for name, values in query.items() if name in PERIOD_NAMES}
    params = filter_from_query(conn, given, now=next_minute()).params()
    return {name: params[name] for name in ("from_ts", "to_ts", "categories", "statuses", "sources")}


def issue_point_params(conn: Connection, query: Mapping[str, list[str]]) -> dict:
    """The same parameters for the issue points, but without a window every issue: the issue
    layer alone draws the whole ledger; a style pairing it with density passes density's window."""
    given = {name: values for name, values in query.items() if name in PERIOD_NAMES}
    params = filter_from_query(conn, given, default_days=None).params()
    return {name: params[name] for name in ("from_ts", "to_ts", "categories", "statuses", "sources")}


def next_minute() -> datetime:
    now = datetime.now(CHINA_TZ)
    return now.replace(second=0, microsecond=0) + timedelta(minutes=1)


def patrol_day_params(conn: Connection, query: Mapping[str, list[str]]) -> dict:
    """Today's and this week's (Monday's) midnight, Beijing time, as of the next full minute."""
    day = next_minute().replace(hour=0, minute=0)
    return {"day_start": day, "week_start": day - timedelta(days=day.weekday())}


def shop_week_params(conn: Connection, query: Mapping[str, list[str]]) -> dict:
    """The flags' week (`week=2026-W47` or a day of it; default this week) as its Monday."""
    given = query.get("week") or []
    return {"week": parse_week(given[0]) if given and given[0] else this_monday()}
def as_of_params(conn: Connection, query: Mapping[str, list[str]]) -> dict:
    """The next full minute: an inspection's status (overdue) changes with time, not only with writes."""
    return {"as_of": next_minute()}


# Sites and points carry their inspection status (roadchief.inspection_status).
INSPECTION_FIELDS = {"inspection_status": "String", "last_inspected_at": "String", "overdue": "Boolean"}
INSPECTION_TABLES = ("inspection", "inspection_checklist", "demonstration_flag")


@dataclass(frozen=True)
class LayerDef:
    """One layer: its name (MVT layer, OGC collection id, export file name), the services it
    takes part in, and for tiles its attributes, zoom range and how it thins out."""

    name: str
    title: str
    geometry: str  # "line", "polygon" or "point"
    # Tile attribute -> TileJSON type (Number, String, Boolean).
    fields: dict[str, str] = field(default_factory=dict)
    tables: tuple[str, ...] = ()  # what the tile SQL reads; their change counters key the cache
    tiles: bool = True  # served as vector tiles from layers/<name>.sql
    features: bool = False  # served by OGC API Features and file exports: <name>.features.sql
    features_title: str | None = None  # the OGC collection's title, when not `title`
    datetime_column: str | None = None  # a column of the features that OGC `datetime` filters
    minzoom: int = 0
    maxzoom: int = 22
    simplify_px: float = 1.0  # Douglas-Peucker tolerance in tile pixels (of 4096)
    constants: dict[str, object] = field(default_factory=dict)  # extra fixed SQL parameters
    planner: dict[str, str] = field(default_factory=dict)  # settings for this layer's query only
    parse_params: ParamParser = no_params
    param_names: tuple[str, ...] = ()  # the query parameters parse_params reads

    @cached_property
    def sql(self) -> str:
        """The tile query: one MVT for :z/:x/:y."""
        return (LAYERS_DIR / f"{self.name}.sql").read_text()

    @cached_property
    def features_sql(self) -> str:
        """The features: a SELECT with `id` and `geom`, no WHERE nor ORDER BY (readers add them)."""
        return (LAYERS_DIR / f"{self.name}.features.sql").read_text().strip()

    @property
    def collection_title(self) -> str:
        return self.features_title or self.title

    @cached_property
    def fingerprint(self) -> str:
        """Changes whenever the SQL or the definition changes, so ETags from old code expire."""
        return sha1((self.sql + repr(sorted(self.fields.items()))
                     + repr(self.constants) + str(self.simplify_px)
                     + repr(self.planner)).encode()).hexdigest()[:12]


COVERAGE_FIELDS = {
    "segment_id": "Number", "road_name": "String", "road_class": "String",
    "community_name": "String", "sub_district_id": "Number", "length_m": "Number",
    **{f"tier{t}_{suffix}": kind for t in (1, 2, 3)
       for suffix, kind in (("chief_id", "Number"), ("chief_name", "String"),
                            ("party", "Boolean"))},
    "tiers_covered": "Number",
}
# Line layers draw every segment at every zoom; below this zoom a feature carries only what its
# colour needs (ids, class, coverage), not names or lengths, so that a tile holding a whole
# district stays small. At 14 a tile is about 2.4 km wide, where names and details are read.
# Over this many features (only a city-sized network at low zoom: the demo's largest tile holds
# about 5,500) a line tile merges its lines by colour and drops their ids, so that it stays under
# 500 KB: about 21 bytes a segment with its id and attributes, far less merged (about 6 a piece,
# the pieces run on through crossings: roadchief.merged_tile_lines); the merged lines are
# simplified again by 4 of the tile's 4096 units (half a pixel of a 512-pixel tile), which a city's
# z10 tile hardly feels: its pieces are mostly two points already.
LINE_DETAIL = {"detail_from": 14, "merge_over": 8000, "merged_tolerance": 4}
# Road names from the zoom where a tile is about 2.4 km wide: below it few names fit their road.
ROAD_LABELS_FROM = 14
# A tile holds at most a few thousand segments: looking each one's chiefs up through the indexes
# beats hashing the whole assignment and road tables, which the default costs (tuned for disks)
# pick. Measured on the demo district at scale 20: 1.6-1.9x faster tiles.
SMALL_SET_PLANNER = {"random_page_cost": "1.1", "enable_hashjoin": "off"}

LAYERS: dict[str, LayerDef] = {layer.name: layer for layer in [
    LayerDef(
        name="segments", title="路段与三级路长", geometry="line", fields=COVERAGE_FIELDS,
        tables=("road_segment", "road", "community", "segment_assignment", "chief"),
        features=True, features_title="道路分段与路长覆盖",
        constants=LINE_DETAIL, planner=SMALL_SET_PLANNER,
    ),
    LayerDef(
        name="density", title="问题密度", geometry="line",
        fields={"segment_id": "Number", "road_name": "String", "road_class": "String",
                "length_m": "Number", "issue_count": "Number", "per_km": "Number",
                "per_km_30d": "Number"},
        tables=("road_segment", "road", "issue"),
        constants=LINE_DETAIL, parse_params=issue_filter_params, param_names=PERIOD_NAMES,
    ),
    LayerDef(
        name="patrols", title="路段巡查（今日/本周/未巡查）", geometry="line",
        fields={"segment_id": "Number", "road_name": "String", "road_class": "String",
                "last_patrol_at": "String", "status": "String"},
        tables=("road_segment", "road", "patrol", "patrol_segment", "patrol_rule"),
        constants=LINE_DETAIL, parse_params=patrol_day_params,
    ),
    LayerDef(
        name="dust", title="以克论净（路段积尘达标/超标）", geometry="line",
        fields={"segment_id": "Number", "road_name": "String", "road_class": "String",
                "latest_g_m2": "Number", "limit_g_m2": "Number", "week_mean_g_m2": "Number",
                "status": "String", "week_status": "String"},
        tables=("road_segment", "road", "dust_sample"),
        constants=LINE_DETAIL,
    ),
    LayerDef(
        name="communities", title="村/社区", geometry="polygon",
        fields={"id": "Number", "code": "String", "name": "String", "kind": "String",
                "sub_district_id": "Number", "sub_district_name": "String"},
        tables=("community", "sub_district"), features=True,
    ),
    LayerDef(
        name="sub_districts", title="办事处", geometry="polygon",
        fields={"id": "Number", "code": "String", "name": "String"},
        tables=("sub_district",), features=True,
    ),
    LayerDef(
        name="labels", title="办事处与村/社区名称", geometry="point",
        fields={"id": "Number", "name": "String", "level": "String", "kind": "String"},
        tables=("sub_district", "community"),
    ),
    LayerDef(
        name="road_labels", title="道路名称", geometry="line", minzoom=ROAD_LABELS_FROM,
        fields={"road_id": "Number", "road_name": "String", "road_class": "String"},
        tables=("road_segment", "road"),
    ),
    LayerDef(
        name="construction_sites", title="施工工地", geometry="polygon", minzoom=10,
        fields={"id": "Number", "name": "String", "status": "String", "is_green_demo": "Boolean",
                **INSPECTION_FIELDS},
        tables=("construction_site", *INSPECTION_TABLES), features=True, parse_params=as_of_params,
    ),
    LayerDef(
        name="resettlement_points", title="群众临时安置点", geometry="point", minzoom=10,
        fields={"id": "Number", "name": "String", "households": "Number",
                "is_safety_demo": "Boolean", **INSPECTION_FIELDS},
        tables=("resettlement_point", *INSPECTION_TABLES), features=True, parse_params=as_of_params,
    ),
    LayerDef(
        name="shops", title="沿街商户红黑旗", geometry="point", minzoom=12,
        fields={"id": "Number", "name": "String", "flag": "String", "suspended": "Boolean",
                "road_name": "String", "community_name": "String"},
        tables=("shop", "shop_flag", "shop_suspension", "road_segment", "road", "community"),
        features=True, parse_params=shop_week_params, param_names=("week",),
    ),
    LayerDef(
        name="issues", title="问题台账", geometry="point",
        fields={"id": "Number", "category_code": "String", "status": "String",
                "reported_at": "String", "count": "Number"},
        tables=("issue",), features=True, datetime_column="reported_at",
        parse_params=issue_point_params, param_names=PERIOD_NAMES,
        # Below this zoom, issues are drawn as clusters (a point with `count`) on a 64x64 grid.
        constants={"points_from": 15, "grid": 64},
    ),
]}
TILE_LAYERS: dict[str, LayerDef] = {name: layer for name, layer in LAYERS.items() if layer.tiles}
FEATURE_LAYERS: dict[str, LayerDef] = {
    name: layer for name, layer in LAYERS.items() if layer.features}
