"""Import a file into one layer of the district: read, map fields, stage, validate, write.

The caller owns the transaction: the CLI and the API run the whole import in one, so a refused
file (roads.gisio.errors.BadFile) leaves nothing behind.
"""

from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
from sqlalchemy import Connection, text
from sqlalchemy.exc import IntegrityError

from roads.archive import DEFAULT_MAX_UNPACKED_BYTES
from roads.district import district_is_set, get_district
from roads.gisio import fields, stage
from roads.gisio.errors import BadFile
from roads.gisio.fields import LAYER_FAMILY
from roads.gisio.read import read_source
from roads.gisio.road_chains import chain_roads, name_unnamed
from roads.gisio.summary import ImportSummary
from roads.gisio.write_places import refuse, write_places
from roads.gisio.write_roads import write_roads

LAYERS = list(LAYER_FAMILY)
UNNAMED = ("keep", "drop")  # unnamed road lines: kept under a generated name, or refused
Progress = Callable[[str, int, int], None]
STEPS = 5


def import_file(
    conn: Connection,
    layer: str,
    path: Path,
    crs: str | None = None,
    mapping: dict[str, str] | None = None,
    min_segment_m: float = 5.0,
    snap_distance_m: float = 50.0,
    progress: Progress = lambda step, done, total: None,
    source_layer: str | None = None,
    unnamed: str = "keep",
    max_unpacked_bytes: int = DEFAULT_MAX_UNPACKED_BYTES,
) -> ImportSummary:
    """Import `path` into `layer`; raises BadFile when the file as a whole cannot be imported."""
    if layer not in LAYER_FAMILY:
        raise BadFile(f"unknown layer {layer!r}; one of {', '.join(LAYERS)}",
                      f"没有名为 {layer} 的图层可供导入；可选：{'、'.join(LAYERS)}")
    if unnamed not in UNNAMED:
        raise BadFile(f"unnamed must be keep or drop, not {unnamed!r}",
                      f"无名道路的处理方式只能是 keep（保留）或 drop（舍弃），不能是 {unnamed}")
    progress("reading", 0, STEPS)
    # PostGIS functions carry high cost estimates, so PostgreSQL JIT-compiles the per-road queries
    # at ~0.7 s each for nothing: off for this transaction.
    conn.execute(text("SET LOCAL jit = off"))
    source = read_source(Path(path), layer, crs, source_layer, max_unpacked_bytes)
    summary = ImportSummary(
        layer=layer,
        source_format=source.source_format,
        source_crs=source.source_crs,
        read=len(source.frame),
        notes=source.notes,
    )
    progress("mapping fields", 1, STEPS)
    frame = map_fields(source.frame, layer, mapping or {}, summary)
    progress("validating", 2, STEPS)
    stage.stage(conn, frame, summary)
    if layer != "roads" or unnamed == "drop":
        refuse(conn, "f.name IS NULL", "no name", summary)
    stage.repair(conn, LAYER_FAMILY[layer], summary)
    if layer in ("roads", "construction_sites", "resettlement_points", "shops"):
        if conn.execute(text("SELECT NOT EXISTS (SELECT 1 FROM public.community)")).scalar():
            raise BadFile(
                f"the district has no communities yet: import sub_districts and "
                f"communities before {layer}",
                f"辖区内还没有社区：请先导入办事处和社区，再导入 {layer}"
            )
        stage.drop_outside(conn, summary)
    if layer == "roads":
        if unnamed == "keep":
            name_unnamed(conn, summary)
        chain_roads(conn, summary, get_district(conn).epsg)
    progress("writing", 3, STEPS)
    try:
        if layer == "roads":
            write_roads(conn, summary, min_segment_m, snap_distance_m)
        else:
            write_places(conn, layer, summary, snap_distance_m)
    except IntegrityError as exc:  # e.g. a sub-district name already used under another code
        constraint = getattr(getattr(exc.orig, "diag", None), "constraint_name", None)
        detail = getattr(getattr(exc.orig, "diag", None), "message_detail", None)
        raise BadFile(
            f"the file conflicts with the data already there ({constraint}: {detail})",
            f"文件内容与已有数据冲突（{constraint}：{detail}），未导入"
        ) from exc
    if layer == "sub_districts" and not district_is_set(conn):
        summary.notes.append(
            "the district has no name yet (titles and exports say 本辖区): set it with "
            "`roadchief district set --name ... --short-name ...` or PUT /api/district"
        )
    progress("done", STEPS, STEPS)
    summary.rejected.sort(key=lambda r: r["feature"])
    return summary


def map_fields(
    frame: gpd.GeoDataFrame, layer: str, mapping: dict[str, str], summary: ImportSummary
) -> gpd.GeoDataFrame:
    """Our fields from the file's columns; road classes translated, non-roads rejected."""
    columns = [c for c in frame.columns if c != frame.geometry.name]
    resolved = fields.resolve_columns(layer, columns, mapping)
    out = gpd.GeoDataFrame(
        {"feature_no": range(1, len(frame) + 1)}, geometry=frame.geometry.values, crs=frame.crs
    )
    for ours, theirs in resolved.items():
        out[ours] = frame[theirs].to_numpy()
    summary.notes.append("fields: " + ", ".join(f"{o}={t}" for o, t in resolved.items()))
    if layer == "roads":
        classes = [fields.road_class(v) for v in out.get("road_class", [None] * len(out))]
        out["road_class"] = [c for c, _ in classes]
        for feature_no, (_, reason) in zip(out["feature_no"], classes, strict=True):
            if reason:
                summary.reject(int(feature_no), reason)
        out = out[[reason is None for _, reason in classes]]
    return out
