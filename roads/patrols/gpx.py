"""Reading a GPX file (GPS Exchange Format 1.0/1.1) from another app into timed points."""

import math
import xml.etree.ElementTree as ET
from datetime import UTC, datetime

from roads.errors import InvalidInput
from roads.patrols.recording import Point


class BadGpx(InvalidInput):
    """The file is not a GPX track we can use; nothing was written."""


def local_name(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def parse_gpx(data: bytes) -> list[Point]:
    """The track points (trkpt, else rtept) that carry a time; refused when none do."""
    if b"<!DOCTYPE" in data[:4096] or b"<!ENTITY" in data:
        # No document type is needed in GPX; refusing one keeps entity expansion out.
        raise BadGpx("GPX files with a DOCTYPE or entities are not accepted",
                     "GPX 文件不能包含 DOCTYPE 或实体声明，未导入")
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise BadGpx(f"the file is not valid GPX (XML error: {exc})",
                     "文件不是有效的 GPX 轨迹（XML 格式错误），未导入") from exc
    if local_name(root.tag) != "gpx":
        raise BadGpx("the file is XML but not GPX (no <gpx> root element)",
                     "文件不是 GPX 轨迹（缺少 <gpx> 根元素），未导入")
    elements = [e for e in root.iter() if local_name(e.tag) == "trkpt"] or \
               [e for e in root.iter() if local_name(e.tag) == "rtept"]
    if not elements:
        raise BadGpx("the GPX file holds no track points", "GPX 文件中没有轨迹点，未导入")
    points = [point for point in map(read_point, elements) if point is not None]
    if len(points) < 2:
        raise BadGpx("the GPX track points carry no timestamps (<time>); a patrol needs them",
                     "GPX 轨迹点缺少时间（<time>），无法作为巡查记录，未导入")
    return points


def read_point(element: ET.Element) -> Point | None:
    # GPX times are UTC when they carry no offset (the format says so).
    children = {local_name(c.tag): (c.text or "").strip() for c in element}
    if not children.get("time"):
        return None
    try:
        lon, lat = float(element.attrib["lon"]), float(element.attrib["lat"])
        moment = datetime.fromisoformat(children["time"].replace("Z", "+00:00"))
        # GPX has no accuracy in metres; horizontal dilution times ~5 m is the usual estimate.
        accuracy = float(children["hdop"]) * 5 if children.get("hdop") else None
    except (KeyError, ValueError) as exc:
        raise BadGpx("a GPX track point has a bad lat, lon or time",
                     "GPX 轨迹点的经纬度或时间格式有误，未导入") from exc
    if not (math.isfinite(lon) and math.isfinite(lat)):
        raise BadGpx("a GPX track point has a bad lat or lon", "GPX 轨迹点的经纬度有误，未导入")
    return Point(moment if moment.tzinfo else moment.replace(tzinfo=UTC), lon, lat, accuracy)
