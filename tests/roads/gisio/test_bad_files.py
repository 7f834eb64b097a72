"""Files that cannot be imported are refused whole, with a message naming the problem, writing nothing."""

import json

import geopandas as gpd
import pytest
from shapely.geometry import LineString, Point

from roads.gisio.errors import BadFile
from roads.gisio.importer import import_file
from tests.roads.gisio.helpers import table_counts, tiny_district


def write(path, content: str | bytes):
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return path


def mixed(path):
    features = [
        {
            "type": "Feature",
            "properties": {"name": "甲"},
            "geometry": {"type": "Point", "coordinates": [100.005, 30.005]},
        },
        {
            "type": "Feature",
            "properties": {"name": "乙"},
            "geometry": {
                "type": "LineString",
                "coordinates": [[100.001, 30.005], [100.009, 30.005]],
            },
        },
    ]
    return write(
        path / "mixed.geojson", json.dumps({"type": "FeatureCollection", "features": features})
    )


def shapefile_without_prj(path):
    import warnings

    with warnings.catch_warnings():  # pyogrio warns that the file will have no CRS: the point here
        warnings.simplefilter("ignore", UserWarning)
        gpd.GeoDataFrame(
            {"name": ["横路"]},
            geometry=[LineString([(100.001, 30.005), (100.009, 30.005)])],
            crs=None,
        ).to_file(path / "roads.shp")
    import zipfile

    archive = path / "roads.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for ext in ("shp", "shx", "dbf"):
            z.write(path / f"roads.{ext}", f"roads.{ext}")
    return archive


CASES = {
    "not geodata": (
        lambda p: write(p / "notes.geojson", "这不是地理数据 at all"),
        "not a geodata file",
    ),
    "a picture": (
        lambda p: write(p / "photo.gpkg", b"\x89PNG\r\n\x1a\n" + bytes(200)),
        "not a geodata file",
    ),
    "empty file": (lambda p: write(p / "empty.geojson", ""), "the file is empty"),
    "no features": (
        lambda p: write(p / "none.geojson", '{"type": "FeatureCollection", "features": []}'),
        "holds no features",
    ),
    "csv without crs": (
        lambda p: write(
            p / "roads.csv", 'name,wkt\n横路,"LINESTRING(100.001 30.005,100.009 30.005)"\n'
        ),
        "does not say its coordinate system",
    ),
    "shapefile without .prj": (shapefile_without_prj, "does not say its coordinate system"),
    "mixed geometry types": (mixed, "mixed geometry types (1 Point, 1 LineString)"),
    "points as roads": (
        lambda p: (
            gpd.GeoDataFrame({"name": ["甲"]}, geometry=[Point(100.005, 30.005)], crs=4326).to_file(
                p / "pts.gpkg"
            )
            or p / "pts.gpkg"
        ),
        "roads takes lines",
    ),
    "csv without geometry": (
        lambda p: write(p / "t.csv", "name,remark\n横路,无\n"),
        "needs a WKT column",
    ),
    "wrong --crs": (
        lambda p: write(
            p / "r.csv", 'name,wkt\n横路,"LINESTRING(500000 3300000,500100 3300000)"\n'
        ),
        "coordinates out of range",
    ),
}


@pytest.mark.parametrize("case", CASES)
def test_bad_file_is_refused_and_nothing_written(conn, tmp_path, case):
    tiny_district(conn)
    make, message = CASES[case]
    path = make(tmp_path)
    before = table_counts(conn)
    crs = "EPSG:4326" if case == "wrong --crs" else None
    with pytest.raises(BadFile) as refused:
        import_file(conn, "roads", path, crs=crs)
    assert message in str(refused.value)
    assert table_counts(conn) == before


def test_a_missing_name_column_asks_for_a_mapping(conn, tmp_path):
    tiny_district(conn)
    path = write(
        tmp_path / "r.geojson",
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"路名称": "横路"},
                        "geometry": {
                            "type": "LineString",
                            "coordinates": [[100.001, 30.005], [100.009, 30.005]],
                        },
                    }
                ],
            }
        ),
    )
    with pytest.raises(BadFile, match="no column for name: name one with --field name=COLUMN"):
        import_file(conn, "roads", path)
    summary = import_file(conn, "roads", path, mapping={"name": "路名称"})
    assert summary.created == 1


def test_roads_before_boundaries_are_refused(conn, tmp_path):
    from sqlalchemy import text

    conn.execute(text("TRUNCATE community, sub_district, road, road_segment CASCADE"))
    path = write(
        tmp_path / "r.geojson",
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"name": "横路"},
                        "geometry": {
                            "type": "LineString",
                            "coordinates": [[100.001, 30.005], [100.009, 30.005]],
                        },
                    }
                ],
            }
        ),
    )
    with pytest.raises(BadFile, match="import sub_districts and communities before roads"):
        import_file(conn, "roads", path)


def test_bad_features_are_rejected_with_reasons_and_the_rest_imported(conn, tmp_path):
    tiny_district(conn)
    features = [
        {
            "properties": {"name": "横路", "class": "primary"},
            "coords": [[100.001, 30.005], [100.009, 30.005]],
        },
        {
            "properties": {"name": None, "class": "primary"},
            "coords": [[100.001, 30.006], [100.009, 30.006]],
        },
        {
            "properties": {"name": "步道", "class": "footway"},
            "coords": [[100.001, 30.007], [100.009, 30.007]],
        },
        {
            "properties": {"name": "点路", "class": "支路"},
            "coords": [[100.002, 30.002], [100.002, 30.002]],
        },
    ]
    path = write(
        tmp_path / "r.geojson",
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": f["properties"],
                        "geometry": {"type": "LineString", "coordinates": f["coords"]},
                    }
                    for f in features
                ],
            }
        ),
    )
    summary = import_file(conn, "roads", path)
    assert summary.read == 4 and summary.created == 1
    reasons = {r["feature"]: r["reason"] for r in summary.rejected}
    assert reasons[2] == "no name"
    assert reasons[3] == "not a road that chiefs patrol (class 'footway')"
    assert reasons[4].startswith("invalid geometry that cannot be repaired safely (Too few points")


def test_a_self_touching_community_is_repaired_and_reported(conn, tmp_path):
    tiny_district(conn)
    bowtie = [[100.0, 30.0], [100.01, 30.01], [100.01, 30.0], [100.0, 30.01], [100.0, 30.0]]
    path = write(
        tmp_path / "c.geojson",
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"名称": "蝴蝶社区", "编码": "BOW", "办事处": "测试办事处"},
                        "geometry": {"type": "Polygon", "coordinates": [bowtie]},
                    }
                ],
            }
        ),
    )
    summary = import_file(conn, "communities", path)
    assert summary.created == 1
    assert (
        summary.repaired[0]["feature"] == 1 and "Self-intersection" in summary.repaired[0]["reason"]
    )
