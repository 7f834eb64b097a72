"""Coordinate systems against published reference coordinates.

GCJ-02: the test vectors of eviltransform (googollee/eviltransform, go/transform_test.go, also in its
C#, Haskell, Ruby and MATLAB ports): WGS84 -> GCJ-02 for Shanghai, Shenzhen and Beijing.
BD-09: the README/test values of coordtransform (wandergis/coordtransform, index.test.js):
gcj02tobd09(116.404, 39.915) = [116.41036949371029, 39.92133699351021] and
wgs84togcj02(116.404, 39.915) = [116.41024449916938, 39.91640428150164].
Web Mercator: the half-circumference 20037508.342789244 m (EPSG:3857 at 180°E).
Gauss-Krüger: on the central meridian (114°E for EPSG:4547) the false easting 500000 m is exact.
"""

import json

import geopandas as gpd
import numpy as np
import pytest
from pyproj import Transformer
from shapely.geometry import Point
from sqlalchemy import text

from roads.gisio import chinese_crs as cc
from roads.gisio.importer import import_file

EVILTRANSFORM = [  # (wgs lat, wgs lng, gcj lat, gcj lng)
    (31.1774276, 121.5272106, 31.17530398364597, 121.531541859215),  # Shanghai
    (22.543847, 113.912316, 22.540796131694766, 113.9171764808363),  # Shenzhen
    (39.911954, 116.377817, 39.91334545536069, 116.38404722455657),  # Beijing
]
METRES_PER_DEG = 111_320.0


@pytest.mark.parametrize("wgs_lat,wgs_lng,gcj_lat,gcj_lng", EVILTRANSFORM)
def test_gcj02_matches_the_published_vectors_both_ways(wgs_lat, wgs_lng, gcj_lat, gcj_lng):
    lng, lat = cc.wgs84_to_gcj02(wgs_lng, wgs_lat)
    assert (float(lng), float(lat)) == pytest.approx((gcj_lng, gcj_lat), abs=1e-9)
    back_lng, back_lat = cc.gcj02_to_wgs84(gcj_lng, gcj_lat)
    error_m = (
        np.hypot((back_lng - wgs_lng) * np.cos(np.radians(wgs_lat)), back_lat - wgs_lat)
        * METRES_PER_DEG
    )
    assert error_m < 0.01  # a centimetre; the usual one-step inverse is off by up to ~2 m


def test_bd09_matches_the_published_vectors():
    assert tuple(map(float, cc.gcj02_to_bd09(116.404, 39.915))) == pytest.approx(
        (116.41036949371029, 39.92133699351021), abs=1e-9
    )
    assert tuple(map(float, cc.wgs84_to_gcj02(116.404, 39.915))) == pytest.approx(
        (116.41024449916938, 39.91640428150164), abs=1e-9
    )
    # BD-09 -> WGS84 is the exact inverse of the published forward chain.
    lng, lat = cc.bd09_to_wgs84(*cc.wgs84_to_bd09(116.404, 39.915))
    assert (float(lng), float(lat)) == pytest.approx((116.404, 39.915), abs=1e-9)


def test_outside_china_gcj02_is_wgs84():
    assert tuple(map(float, cc.gcj02_to_wgs84(2.35, 48.85))) == (2.35, 48.85)


def picked_points_file(path, lonlat_pairs):
    """A CSV as a web map picker writes it: name, lng, lat."""
    rows = "\n".join(f"{i},{lng},{lat}" for i, (lng, lat) in enumerate(lonlat_pairs))
    path.write_text("名称,lng,lat\n" + rows + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("crs", ["gcj02", "bd09"])
def test_importing_offset_coordinates_lands_on_the_wgs84_point(conn, tmp_path, crs):
    wgs = (113.75, 34.70)  # inside the demo district
    offset = cc.wgs84_to_gcj02(*wgs) if crs == "gcj02" else cc.wgs84_to_bd09(*wgs)
    path = picked_points_file(tmp_path / "points.csv", [tuple(map(float, offset))])
    summary = import_file(conn, "resettlement_points", path, crs=crs)
    assert summary.created == 1 and summary.source_crs in ("GCJ-02", "BD-09")
    distance = conn.execute(
        text(
            "SELECT ST_Distance(geom::geography, ST_Point(:x, :y, 4326)::geography) FROM resettlement_point "
            "WHERE name = '0'"
        ),
        {"x": wgs[0], "y": wgs[1]},
    ).scalar()
    assert distance < 0.01


@pytest.mark.parametrize("epsg", [4490, 4547, 3857])
def test_projected_and_cgcs2000_files_land_where_they_should(conn, tmp_path, epsg):
    wgs = (113.75, 34.70)
    x, y = Transformer.from_crs(4326, epsg, always_xy=True).transform(*wgs)
    gpd.GeoDataFrame({"name": ["测点"]}, geometry=[Point(x, y)], crs=epsg).to_file(
        tmp_path / "p.gpkg"
    )
    summary = import_file(conn, "resettlement_points", tmp_path / "p.gpkg")
    assert summary.source_crs == f"EPSG:{epsg}"
    distance = conn.execute(
        text(
            "SELECT ST_Distance(geom::geography, ST_Point(:x, :y, 4326)::geography) FROM resettlement_point "
            "WHERE name = '测点'"
        ),
        {"x": wgs[0], "y": wgs[1]},
    ).scalar()
    assert distance < 0.01


def test_gauss_kruger_and_web_mercator_reference_values():
    to_4547 = Transformer.from_crs(4326, 4547, always_xy=True)
    assert to_4547.transform(114.0, 34.7)[0] == pytest.approx(500_000.0, abs=1e-6)
    assert Transformer.from_crs(4326, 3857, always_xy=True).transform(180.0, 0.0)[
        0
    ] == pytest.approx(20037508.342789244, abs=1e-6)


def test_crs_option_overrides_a_geojson_that_claims_wgs84(conn, tmp_path):
    """Amap coordinates pasted into GeoJSON: --crs gcj02 moves them back onto the road."""
    gcj = tuple(map(float, cc.wgs84_to_gcj02(113.75, 34.70)))
    path = tmp_path / "p.geojson"
    path.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"name": "高德点"},
                        "geometry": {"type": "Point", "coordinates": gcj},
                    }
                ],
            },
            ensure_ascii=False,
        )
    )
    import_file(conn, "resettlement_points", path, crs="gcj02")
    lon, lat = conn.execute(
        text("SELECT ST_X(geom), ST_Y(geom) FROM resettlement_point WHERE name = '高德点'")
    ).one()
    assert (lon, lat) == pytest.approx((113.75, 34.70), abs=1e-9)


def test_an_unknown_crs_is_refused(conn, tmp_path):
    from roads.gisio.errors import BadFile

    path = picked_points_file(tmp_path / "points.csv", [(113.75, 34.70)])
    with pytest.raises(BadFile, match="unknown coordinate system 'mars'"):
        import_file(conn, "resettlement_points", path, crs="mars")


def test_a_surveyors_zipped_shapefile_in_gauss_kruger_becomes_segments(conn, tmp_path):
    """CGCS2000 / 3-degree Gauss-Krüger CM 114E (EPSG:4547), as a surveyor delivers it."""
    import zipfile

    from shapely.geometry import LineString

    to_gk = Transformer.from_crs(4326, 4547, always_xy=True)
    ends = [(113.700, 34.6905), (113.760, 34.6905)]
    line = LineString([to_gk.transform(*p) for p in ends])
    # GBK text and no .cpg, as Chinese desktop GIS often writes it.
    gpd.GeoDataFrame(
        {"道路名称": ["测绘路"], "道路等级": ["次干路"]}, geometry=[line], crs=4547
    ).to_file(tmp_path / "roads.shp", encoding="GBK")
    (tmp_path / "roads.cpg").unlink(missing_ok=True)
    archive = tmp_path / "survey.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for part in tmp_path.glob("roads.*"):
            z.write(part, part.name)
    summary = import_file(conn, "roads", archive)
    assert summary.source_format == "Shapefile (zipped)" and summary.source_crs == "EPSG:4547"
    assert summary.created >= 2  # cut by the demo's avenues and community boundaries
    length, west, east, road_class = conn.execute(
        text("""
        SELECT sum(s.length_m), min(ST_XMin(s.geom)), max(ST_XMax(s.geom)), min(r.road_class)
        FROM road_segment s JOIN road r ON r.id = s.road_id WHERE r.name = '测绘路'
    """)
    ).one()
    expected = conn.execute(
        text(
            "SELECT ST_Length(ST_MakeLine(ST_Point(113.70, 34.6905), ST_Point(113.76, 34.6905))::geography)"
        )
    ).scalar()
    assert road_class == "次干道"
    assert abs(west - 113.700) * 111_320 < 0.5 and abs(east - 113.760) * 111_320 < 0.5
    assert length == pytest.approx(expected, abs=expected * 0.001)
