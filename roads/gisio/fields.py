"""Which column of a file holds each of our fields: defaults for common names, or the user's mapping."""

import json
from pathlib import Path

from roads.gisio.errors import BadFile

# The layers an import can write, with the geometry each takes.
LAYER_FAMILY = {
    "roads": "line",
    "communities": "polygon",
    "sub_districts": "polygon",
    "construction_sites": "polygon",
    "resettlement_points": "point",
    "shops": "point",
}

# Our field -> the column names tried in order (compared case-insensitively).
DEFAULT_NAMES: dict[str, list[str]] = {
    "name": ["name", "名称", "道路名称", "路名", "name:zh", "mc", "label", "road_name"],
    "road_class": ["road_class", "class", "fclass", "highway", "道路等级", "等级", "dldj"],
    "code": ["code", "编码", "代码", "编号", "bm", "dm"],
    "kind": ["kind", "类型", "性质"],
    "sub_district": ["sub_district", "办事处", "街道", "所属办事处", "所属街道"],
    "status": ["status", "状态"],
    "is_green_demo": ["is_green_demo", "green_demo", "绿色示范", "绿色示范工地"],
    "households": ["households", "户数", "安置户数"],
    "is_safety_demo": ["is_safety_demo", "safety_demo", "安全示范", "安全生产示范点"],
    "source_id": ["source_id", "id", "fid", "osm_id", "objectid", "gid", "uuid"],
    "licence_no": ["licence_no", "license_no", "licence", "license", "许可证号", "营业执照号", "证照编号",
                   "统一社会信用代码"],
    "shop_type": ["shop_type", "type", "业态", "商户类型", "经营类型"],
}

LAYER_FIELDS: dict[str, list[str]] = {
    "roads": ["name", "road_class", "source_id"],
    "communities": ["code", "name", "kind", "sub_district"],
    "sub_districts": ["code", "name"],
    "construction_sites": ["source_id", "name", "status", "is_green_demo"],
    "resettlement_points": ["source_id", "name", "households", "is_safety_demo"],
    "shops": ["source_id", "name", "licence_no", "shop_type"],
}
REQUIRED = {
    "roads": ["name"],
    "communities": ["name"],
    "sub_districts": ["name"],
    "construction_sites": ["name"],
    "resettlement_points": ["name"],
    "shops": ["name"],
}


def parse_mapping(options: list[str] | None, mapping_file: Path | None = None) -> dict[str, str]:
    """`--field name=名称` options and/or a mapping file (JSON object, or `field=column` lines)."""
    mapping: dict[str, str] = {}
    if mapping_file is not None:
        text = Path(mapping_file).read_text(encoding="utf-8")
        try:
            loaded = json.loads(text)
        except json.JSONDecodeError:
            loaded = dict(
                _split(line)
                for line in text.splitlines()
                if line.strip() and not line.startswith("#")
            )
        if not isinstance(loaded, dict):
            raise BadFile("the mapping file must be a JSON object or lines of field=column",
                          "字段对应文件须为 JSON 对象，或每行一条“字段=列名”")
        mapping.update({str(k): str(v) for k, v in loaded.items()})
    for option in options or []:
        key, value = _split(option)
        mapping[key] = value
    return mapping


def _split(option: str) -> tuple[str, str]:
    key, sep, value = option.partition("=")
    if not sep or not key.strip() or not value.strip():
        raise BadFile(f"a field mapping is written field=column, not {option!r}",
                      f"字段对应须写成“字段=列名”，而不是 {option!r}")
    return key.strip(), value.strip()


def resolve_columns(layer: str, columns: list[str], mapping: dict[str, str]) -> dict[str, str]:
    """Our field -> the file's column, for the fields of `layer` that the file has."""
    unknown = set(mapping) - set(LAYER_FIELDS[layer])
    if unknown:
        raise BadFile(
            f"unknown field(s) for {layer}: {', '.join(sorted(unknown))}; "
            f"known: {', '.join(LAYER_FIELDS[layer])}",
            f"{layer} 没有这些字段：{'、'.join(sorted(unknown))}；可用字段：{'、'.join(LAYER_FIELDS[layer])}"
        )
    by_lower = {c.lower(): c for c in columns}
    resolved = {}
    for field in LAYER_FIELDS[layer]:
        if field in mapping:
            if mapping[field] not in columns:
                raise BadFile(
                    f"the file has no column {mapping[field]!r} (mapped to {field}); "
                    f"its columns: {', '.join(columns)}",
                    f"文件中没有 {mapping[field]!r} 列（对应字段 {field}）；文件的列：{'、'.join(columns)}"
                )
            resolved[field] = mapping[field]
            continue
        found = next(
            (by_lower[n.lower()] for n in DEFAULT_NAMES[field] if n.lower() in by_lower), None
        )
        if found is not None:
            resolved[field] = found
    missing = [f for f in REQUIRED[layer] if f not in resolved]
    if missing:
        raise BadFile(
            f"no column for {', '.join(missing)}: name one with --field "
            f"{missing[0]}=COLUMN; the file's columns: {', '.join(columns) or '(none)'}",
            f"找不到 {'、'.join(missing)} 对应的列：请用 --field {missing[0]}=列名 指定；"
            f"文件的列：{'、'.join(columns) or '（无）'}"
        )
    return resolved


# OpenStreetMap highway values (also Geofabrik's fclass) -> our road classes; None = not a road
# that chiefs patrol (footways, steps, tracks ...).
OSM_CLASSES = {
    "motorway": "主干道",
    "trunk": "主干道",
    "primary": "主干道",
    "motorway_link": "主干道",
    "trunk_link": "主干道",
    "primary_link": "主干道",
    "secondary": "次干道",
    "secondary_link": "次干道",
    "tertiary": "支路",
    "tertiary_link": "支路",
    "unclassified": "支路",
    "road": "支路",
    "residential": "街巷",
    "living_street": "街巷",
    "service": "街巷",
    "pedestrian": "街巷",
}
OTHER_CLASSES = {
    "主干道": "主干道",
    "主干路": "主干道",
    "快速路": "主干道",
    "arterial": "主干道",
    "main": "主干道",
    "次干道": "次干道",
    "次干路": "次干道",
    "collector": "次干道",
    "支路": "支路",
    "branch": "支路",
    "minor": "支路",
    "街巷": "街巷",
    "巷道": "街巷",
    "小巷": "街巷",
    "街坊路": "街巷",
    "lane": "街巷",
    "alley": "街巷",
}


def road_class(value) -> tuple[str | None, str | None]:
    """(our class, None) or (None, the reason the line is not imported)."""
    if value is None or (isinstance(value, float) and value != value) or str(value).strip() == "":
        return "支路", None
    key = str(value).strip()
    found = OTHER_CLASSES.get(key) or OSM_CLASSES.get(key.lower()) or OTHER_CLASSES.get(key.lower())
    if found:
        return found, None
    return None, f"not a road that chiefs patrol (class {key!r})"
