import json

import pytest
from openpyxl import Workbook
from sqlalchemy import text
from typer.testing import CliRunner

from gis_service.cli import app
from roads.errors import InvalidInput
from roads.issues.importer import import_issues
from tests.roads.issues.conftest import count, lonlat

NEAR, FAR = lonlat(60, 0), lonlat(300, 300)


def write_csv(path, lines: list[str]):
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_csv_with_lon_lat_columns_is_imported_and_snapped(conn, streets, tmp_path):
    path = write_csv(
        tmp_path / "ledger.csv",
        [
            "经度,纬度,类别,描述,上报时间,上报人",
            f"{NEAR[0]},{NEAR[1]},T03.01,占道经营,2026-11-02 09:30,张三",
            f"{FAR[0]},{FAR[1]},T06.01,道路破损,2026-11-03,",
        ],
    )
    result = import_issues(conn, path, 50)
    assert (result.rows, result.inserted, result.snapped, result.unsnapped) == (2, 2, 1, 1)
    row = conn.execute(text("SELECT * FROM issue WHERE reporter = '张三'")).one()
    assert row.segment_id == streets.east and row.source == "import" and row.status == "reported"
    assert row.reported_at.isoformat() == "2026-11-02T01:30:00+00:00"  # Beijing time
    assert row.community_id is not None


def test_csv_with_wkt_xlsx_and_geojson_read_alike(conn, streets, tmp_path):
    wkt = write_csv(tmp_path / "wkt.csv", ["wkt,category", f'"POINT ({NEAR[0]} {NEAR[1]})",T06.02'])
    book = Workbook()
    book.active.append(["lon", "lat", "category", "description"])
    book.active.append([NEAR[0], NEAR[1], "T06.02", "积水"])
    book.save(tmp_path / "ledger.xlsx")
    geojson = tmp_path / "ledger.geojson"
    geojson.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "geometry": {"type": "Point", "coordinates": list(NEAR)},
                        "properties": {"category": "T06.02", "description": "积水"},
                    }
                ],
            }
        )
    )
    for path in (wkt, tmp_path / "ledger.xlsx", geojson):
        assert import_issues(conn, path, 50).snapped == 1
    assert (
        count(
            conn,
            "SELECT count(*) FROM issue WHERE category_code = 'T06.02' AND segment_id = :s",
            s=streets.east,
        )
        == 3
    )


def bad_file(tmp_path):
    return write_csv(
        tmp_path / "mixed.csv",
        [
            "lon,lat,category",
            f"{NEAR[0]},{NEAR[1]},T03.01",
            f"{NEAR[0]},{NEAR[1]},T99.01",
            "-87.65,41.75,T03.01",
            "abc,34.7,T03.01",
            f"{NEAR[0]},{NEAR[1]},",
        ],
    )


def test_any_bad_row_rejects_the_whole_file_with_a_report(conn, streets, tmp_path):
    with pytest.raises(InvalidInput) as caught:
        import_issues(conn, bad_file(tmp_path), 50)
    rejects = caught.value.extra["rejects"]
    assert [r["row"] for r in rejects] == [3, 4, 5, 6]
    assert (
        "unknown category" in rejects[0]["reason"]
        and "outside the district" in rejects[1]["reason"]
    )
    assert "not numbers" in rejects[2]["reason"] and "category is empty" in rejects[3]["reason"]
    assert count(conn, "SELECT count(*) FROM issue") == 0


def test_skip_bad_imports_the_good_rows_and_reports_the_others(conn, streets, tmp_path):
    result = import_issues(conn, bad_file(tmp_path), 50, skip_bad=True)
    assert result.inserted == 1 and len(result.rejects) == 4
    assert count(conn, "SELECT count(*) FROM issue") == 1


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("no_coordinates.csv", "category,description\nT03.01,x\n", "no coordinate columns"),
        ("broken.geojson", '{"type": "FeatureCollection", "features": [', "not valid GeoJSON"),
        ("fake.xlsx", "this is not a workbook", "not a readable XLSX"),
        ("ledger.shp", "", "unknown format"),
        ("empty.csv", "lon,lat,category\n", "holds no issues"),
    ],
)
def test_a_malformed_file_is_refused(conn, streets, tmp_path, name, content, message):
    path = tmp_path / name
    path.write_text(content)
    with pytest.raises(InvalidInput, match=message):
        import_issues(conn, path, 50)


def test_a_file_unreadable_halfway_is_refused_and_writes_nothing(conn, streets, tmp_path):
    """Rows stream into the database while the file is read; bad bytes far down still refuse it."""
    good = "".join(f"{NEAR[0]},{NEAR[1]},T03.01,row {n}\n" for n in range(30_000))
    path = tmp_path / "latin1.csv"
    path.write_bytes(b"lon,lat,category,description\n" + good.encode() + "占道".encode("gbk") + b"\n")
    with pytest.raises(InvalidInput, match="not UTF-8"):
        import_issues(conn, path, 50)
    assert count(conn, "SELECT count(*) FROM issue") == 0


def test_ids_follow_the_file_order(conn, streets, tmp_path):
    east_m = [300, -300, 0, 250, -40, 60, 500, -500]
    path = write_csv(
        tmp_path / "order.csv",
        ["lon,lat,category,description"]
        + [f"{lonlat(e, 10 * n)[0]},{lonlat(e, 10 * n)[1]},T03.01,row {n}" for n, e in enumerate(east_m)],
    )
    assert import_issues(conn, path, 50).inserted == len(east_m)
    described = conn.execute(text("SELECT description FROM issue ORDER BY id")).scalars().all()
    assert described == [f"row {n}" for n in range(len(east_m))]


def test_the_cli_reports_rejects_and_writes_nothing(engine, cluster, tmp_path):
    with engine.connect() as conn:
        before = count(conn, "SELECT count(*) FROM issue")
    report = tmp_path / "rejects.csv"
    result = CliRunner().invoke(
        app,
        ["issues", "import", str(bad_file(tmp_path)), "--report", str(report)],
        env={"DATABASE_URL": cluster.url()},
    )
    assert result.exit_code == 1
    assert "4 of 5 rows rejected" in result.output and "unknown category" in result.output
    assert report.read_text(encoding="utf-8").count("\n") == 5
    with engine.connect() as conn:
        assert count(conn, "SELECT count(*) FROM issue") == before


def test_the_cli_imports_and_resnaps(engine, cluster, tmp_path):
    path = write_csv(tmp_path / "one.csv", ["lon,lat,category", f"{NEAR[0]},{NEAR[1]},T03.01"])
    env = {"DATABASE_URL": cluster.url()}
    try:
        result = CliRunner().invoke(
            app, ["issues", "import", str(path), "--source", "cli-test"], env=env
        )
        assert result.exit_code == 0, result.output
        assert "1 of 1 rows imported" in result.output
        resnap = CliRunner().invoke(app, ["issues", "resnap"], env=env)
        assert resnap.exit_code == 0 and "0 issues changed segment" in resnap.output
    finally:
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM issue WHERE source = 'cli-test'"))


def test_the_http_import_answers_422_for_a_malformed_or_bad_file(client, conn, streets, tmp_path):
    malformed = client.post("/api/issues/import",
                            files={"file": ("ledger.geojson", b'{"type": "Feat', "application/geo+json")})
    assert malformed.status_code == 422 and "not valid GeoJSON" in malformed.json()["error"]
    content = bad_file(tmp_path).read_bytes()
    refused = client.post("/api/issues/import", files={"file": ("mixed.csv", content, "text/csv")})
    assert refused.status_code == 422 and len(refused.json()["rejects"]) == 4
    assert count(conn, "SELECT count(*) FROM issue") == 0
    skipped = client.post("/api/issues/import", data={"skip_bad": "true"},
                          files={"file": ("mixed.csv", content, "text/csv")})
    assert skipped.status_code == 200 and skipped.json()["inserted"] == 1
    assert count(conn, "SELECT count(*) FROM issue") == 1


def test_text_goes_in_as_written_and_a_nul_is_a_reject(conn, streets, tmp_path):
    """Tabs, line breaks, backslashes, commas, quotes and a value that reads like COPY's NULL are
    stored as the file holds them; a NUL (GeoJSON may carry one) is a row's reject, not a failure."""
    tricky = 'a\tb\nc\r\\d, "e" 占道'
    features = [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": list(NEAR)},
         "properties": {"category": "T03.01", "description": tricky, "reporter": "\\N",
                        "address": "经开第一大街\t1号"}},
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": list(NEAR)},
         "properties": {"category": "T03.01", "description": "nul\u0000here"}},
    ]
    path = tmp_path / "tricky.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}),
                    encoding="utf-8")
    result = import_issues(conn, path, 50, skip_bad=True)
    assert result.inserted == 1
    assert [(r.row, "NUL" in r.reason) for r in result.rejects] == [(2, True)]
    row = conn.execute(text("SELECT description, reporter, address FROM issue")).one()
    assert tuple(row) == (tricky.strip(), "\\N", "经开第一大街\t1号")
