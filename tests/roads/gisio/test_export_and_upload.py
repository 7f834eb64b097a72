"""Exports (files and API) and the upload endpoint; a round trip keeps geometries and attributes."""

import io
import json
import zipfile

import geopandas as gpd
import pytest
from shapely.geometry import Polygon
from sqlalchemy import text

from layers.export import write_layer
from roads.gisio.importer import import_file
from roads.gisio.read import read_source
from tests.roads.gisio.helpers import lines_file, tiny_district

SITES = [  # name, status, green, polygon in the tiny district
    (
        "一号工地",
        "在建",
        True,
        Polygon([(100.001, 30.001), (100.003, 30.001), (100.003, 30.003), (100.001, 30.003)]),
    ),
    ("二号工地", "停工", False, Polygon([(100.012, 30.004), (100.016, 30.004), (100.014, 30.008)])),
]


def sites_file(path):
    frame = gpd.GeoDataFrame(
        {
            "名称": [s[0] for s in SITES],
            "状态": [s[1] for s in SITES],
            "绿色示范": ["是" if s[2] else "否" for s in SITES],
            "编号": ["S1", "S2"],
        },
        geometry=[s[3] for s in SITES],
        crs=4326,
    )
    frame.to_file(path, driver="GPKG")
    return path


@pytest.mark.parametrize("suffix", [".gpkg", ".geojson", ".shp.zip", ".csv"])
def test_import_then_export_round_trip(conn, tmp_path, suffix):
    tiny_district(conn)
    summary = import_file(conn, "construction_sites", sites_file(tmp_path / "sites.gpkg"))
    assert summary.created == 2
    out = tmp_path / f"out{suffix}"
    write_layer(conn, "construction_sites", out)
    crs = "EPSG:4326" if suffix == ".csv" else None
    back = read_source(out, "construction_sites", crs).frame
    back = back[back["sub_dist" if suffix == ".shp.zip" else "sub_district"] == "测试办事处"]
    back = back.sort_values("name").reset_index(drop=True)
    assert list(back["name"]) == ["一号工地", "二号工地"]
    assert list(back["status"]) == ["在建", "停工"]
    green = back["green_demo" if suffix == ".shp.zip" else "is_green_demo"].astype(str).str.lower()
    assert list(green.map({"1": True, "true": True, "0": False, "false": False})) == [True, False]
    for (_, _, _, polygon), geom in zip(SITES, back.geometry, strict=True):
        assert geom.symmetric_difference(polygon).area < 1e-12  # identical to the 7th decimal


def test_exported_segments_carry_coverage(conn, tmp_path):
    out = tmp_path / "segments.gpkg"
    count = write_layer(conn, "segments", out)
    frame = gpd.read_file(out)
    assert count == conn.execute(text("SELECT count(*) FROM road_segment")).scalar() == len(frame)
    assert {
        "road_name",
        "community_name",
        "tier1_chief_name",
        "tier3_party",
        "tiers_covered",
    } <= set(frame.columns)
    covered = conn.execute(
        text("SELECT count(*) FROM roadchief.segment_coverage WHERE tiers_covered = 3")
    ).scalar()
    assert (frame["tiers_covered"] == 3).sum() == covered


@pytest.mark.parametrize(
    "suffix,media",
    [
        (".gpkg", "application/geopackage+sqlite3"),
        (".geojson", "application/geo+json"),
        (".shp.zip", "application/zip"),
        (".csv", "text/csv"),
    ],
)
def test_export_api_serves_each_format(client, suffix, media):
    response = client.get(f"/api/exports/layers/communities{suffix}")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(media)
    assert f'filename="communities{suffix}"' in response.headers["content-disposition"]
    if suffix == ".geojson":
        assert len(response.json()["features"]) == 64
    if suffix == ".shp.zip":
        names = zipfile.ZipFile(io.BytesIO(response.content)).namelist()
        assert {"communities.shp", "communities.dbf", "communities.prj", "communities.cpg"} <= set(
            names
        )


def test_export_api_unknown_layer_or_format_is_404(client):
    assert client.get("/api/exports/layers/chiefs.gpkg").status_code == 404
    response = client.get("/api/exports/layers/segments.kml")
    assert response.status_code == 404 and "unknown export format" in response.json()["error"]


def test_upload_imports_and_reports(client, conn, tmp_path):
    tiny_district(conn)
    path = lines_file(tmp_path / "r.geojson", [("横路", [(100.001, 30.005), (100.015, 30.005)])])
    response = client.post("/api/imports/roads", files={"file": ("r.geojson", path.read_bytes())})
    assert response.status_code == 200, response.text
    assert response.json()["created"] == 2
    run = client.get(f"/api/imports/{response.json()['run_id']}").json()
    assert run["filename"] == "r.geojson" and run["created_count"] == 2
    assert run["summary"]["roads_created"] == 1
    assert client.get("/api/imports").json()[0]["id"] == run["id"]
    assert client.get("/api/imports/999999").status_code == 404
    again = client.post("/api/imports/roads", files={"file": ("r.geojson", path.read_bytes())})
    assert again.json()["unchanged"] == 2 and again.json()["created"] == 0


def test_upload_dry_run_writes_nothing(client, conn, tmp_path):
    tiny_district(conn)
    path = lines_file(tmp_path / "r.geojson", [("横路", [(100.001, 30.005), (100.015, 30.005)])])
    response = client.post(
        "/api/imports/roads",
        files={"file": ("r.geojson", path.read_bytes())},
        data={"dry_run": "true"},
    )
    assert response.json()["created"] == 2 and response.json()["dry_run"] is True
    assert conn.execute(text("SELECT count(*) FROM road WHERE name = '横路'")).scalar() == 0


def test_upload_bad_file_is_422_and_writes_nothing(client, conn):
    before = conn.execute(text("SELECT count(*) FROM road_segment")).scalar()
    response = client.post("/api/imports/roads", files={"file": ("x.geojson", b"not json at all")})
    assert response.status_code == 422
    assert "not a geodata file" in response.json()["error"]
    assert conn.execute(text("SELECT count(*) FROM road_segment")).scalar() == before


def test_upload_with_field_mapping_and_crs(client, conn, tmp_path):
    from roads.gisio.chinese_crs import wgs84_to_bd09

    lon, lat = map(float, wgs84_to_bd09(113.75, 34.70))
    body = f"点名,经度,纬度\n百度点,{lon},{lat}\n".encode()
    response = client.post(
        "/api/imports/resettlement_points",
        files={"file": ("p.csv", body)},
        data={"crs": "bd09", "field": ["name=点名"]},
    )
    assert response.status_code == 200, response.text
    assert response.json()["created"] == 1


def test_upload_over_the_size_limit_is_413(client, tmp_path):
    client.app.state.settings.upload_max_bytes = 1000
    response = client.post("/api/imports/roads", files={"file": ("big.geojson", b" " * 5000)})
    assert response.status_code == 413
    assert "limit of 1,000 bytes" in response.json()["error"]


def test_upload_to_an_unknown_layer_is_404(client):
    response = client.post("/api/imports/chiefs", files={"file": ("a.csv", b"a,b\n")})
    assert response.status_code == 404


def test_geojson_export_is_valid_json(client):
    body = client.get("/api/exports/layers/resettlement_points.geojson").content
    assert json.loads(body)["type"] == "FeatureCollection"


def test_exported_segments_reimport_as_the_same_roads_unchanged(conn, tmp_path):
    tiny_district(conn)
    first = import_file(
        conn,
        "roads",
        lines_file(
            tmp_path / "net.geojson",
            [
                ("横路", [(100.001, 30.005), (100.015, 30.005)]),
                ("纵路", [(100.005, 30.001), (100.005, 30.009)]),
            ],
        ),
    )
    write_layer(conn, "segments", tmp_path / "segments.gpkg")
    exported = gpd.read_file(tmp_path / "segments.gpkg")
    ours = exported[exported["sub_district_name"] == "测试办事处"]
    assert len(ours) == first.created == 5
    ours.to_file(tmp_path / "ours.gpkg", driver="GPKG")
    again = import_file(conn, "roads", tmp_path / "ours.gpkg")
    assert (again.created, again.updated, again.deleted, again.unchanged) == (0, 0, 0, 5)
    assert again.roads_created == 0
