"""Boundaries, sites and points: keys, updates, field mapping files, Chinese CSV encodings."""

import json

from sqlalchemy import text

from roads.gisio.fields import parse_mapping
from roads.gisio.importer import import_file
from tests.roads.gisio.helpers import NANJING_BOUNDARIES, load_nanjing, tiny_district


def test_boundaries_reimport_unchanged_then_update_by_code(conn, tmp_path):
    load_nanjing(conn)
    again = import_file(conn, "communities", NANJING_BOUNDARIES / "communities.geojson")
    assert (again.created, again.updated, again.unchanged) == (0, 0, 6)
    data = json.loads((NANJING_BOUNDARIES / "communities.geojson").read_text(encoding="utf-8"))
    data["features"][0]["properties"]["名称"] = "五台山新社区"
    changed = tmp_path / "communities.geojson"
    changed.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    summary = import_file(conn, "communities", changed)
    assert (summary.created, summary.updated, summary.unchanged) == (0, 1, 5)
    name, sub_district = conn.execute(
        text(
            "SELECT c.name, s.name FROM community c JOIN sub_district s ON s.id = c.sub_district_id "
            "WHERE c.code = 'NJ-HQL-01'"
        )
    ).one()
    assert (name, sub_district) == ("五台山新社区", "华侨路街道")


def test_a_community_in_no_sub_district_is_rejected(conn, tmp_path):
    path = tmp_path / "c.geojson"
    path.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"name": "飞地社区", "code": "FAR"},
                        "geometry": {
                            "type": "Polygon",
                            "coordinates": [[[0, 0], [0.01, 0], [0.01, 0.01], [0, 0]]],
                        },
                    }
                ],
            }
        )
    )
    summary = import_file(conn, "communities", path)
    assert summary.created == 0
    assert summary.rejected[0]["reason"].startswith("in no sub-district")


def test_points_from_a_gbk_csv_with_a_mapping_file(conn, tmp_path):
    tiny_district(conn)
    csv = tmp_path / "安置点.csv"
    csv.write_bytes(
        "编号,点位名称,安置户数,安全示范,经度,纬度\nP1,西村安置点,120,是,100.005,30.005\n"
        "P2,东村安置点,abc,否,100.015,30.005\n".encode("gb18030")
    )
    mapping = tmp_path / "map.txt"
    mapping.write_text(
        "# our field = their column\nname=点位名称\nsource_id=编号\n", encoding="utf-8"
    )
    summary = import_file(
        conn, "resettlement_points", csv, crs="EPSG:4326", mapping=parse_mapping(None, mapping)
    )
    assert summary.created == 1
    assert summary.rejected == [{"feature": 2, "reason": "households not a whole number >= 0"}]
    row = conn.execute(
        text(
            "SELECT name, households, is_safety_demo, source_key FROM resettlement_point "
            "WHERE source_key = 'P1'"
        )
    ).one()
    assert tuple(row) == ("西村安置点", 120, True, "P1")


def test_a_geopackage_with_several_layers_needs_a_choice(conn, tmp_path):
    import geopandas as gpd
    import pytest
    from shapely.geometry import Point

    from roads.gisio.errors import BadFile

    tiny_district(conn)
    path = tmp_path / "survey.gpkg"
    for name, lon in (("points_a", 100.005), ("points_b", 100.015)):
        gpd.GeoDataFrame({"name": [name]}, geometry=[Point(lon, 30.005)], crs=4326).to_file(
            path, layer=name, driver="GPKG"
        )
    with pytest.raises(BadFile, match=r"holds 2 layers \(points_a, points_b\); choose one"):
        import_file(conn, "resettlement_points", path)
    summary = import_file(conn, "resettlement_points", path, source_layer="points_b")
    assert summary.created == 1
    with pytest.raises(BadFile, match="no layer 'points_c'"):
        import_file(conn, "resettlement_points", path, source_layer="points_c")


def test_a_name_clash_with_existing_data_is_refused(conn, tmp_path):
    import pytest

    from roads.gisio.errors import BadFile

    path = tmp_path / "sd.geojson"
    path.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"name": "明湖办事处", "code": "OTHER"},
                        "geometry": {
                            "type": "Polygon",
                            "coordinates": [[[0, 0], [0.01, 0], [0.01, 0.01], [0, 0]]],
                        },
                    }
                ],
            },
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    with pytest.raises(
        BadFile, match=r"conflicts with the data already there \(uq_sub_district_name"
    ):
        import_file(conn, "sub_districts", path)
