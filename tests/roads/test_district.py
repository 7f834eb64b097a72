"""The district as data: its row, where its name shows, and `roadchief district`."""

import io
from urllib.parse import unquote

import pytest
from pypdf import PdfReader
from sqlalchemy import text
from typer.testing import CliRunner

from gis_service.cli import app as cli_app
from roads.district import District, get_district, set_district
from roads.errors import InvalidInput

WEEK = {"week": "2026-W47"}




def test_the_demo_district_row(conn):
    assert get_district(conn) == District("郑州经开区", "经开区", "410171", "Asia/Shanghai", 4547)


@pytest.fixture
def renamed(conn):
    return set_district(conn, name="南京市玄武区", short_name="玄武区", code="320102")


def test_a_renamed_district_titles_the_heatmap_pdf_and_its_file_name(client, renamed):
    response = client.get("/api/exports/heatmap.pdf", params=WEEK)
    assert response.status_code == 200
    page_text = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    assert "玄武区 问题密度" in page_text and "经开区" not in page_text
    assert "filename*=UTF-8''玄武区问题密度-2026-W47.pdf" in unquote(response.headers["content-disposition"])


def test_a_renamed_district_titles_the_briefing_and_the_workbook(client, renamed):
    briefing = PdfReader(io.BytesIO(client.get("/api/exports/briefing.pdf", params=WEEK).content))
    assert briefing.metadata.title.startswith("玄武区 路长制周报")
    assert "玄武区 办事处排名" in briefing.pages[2].extract_text()
    workbook = client.get("/api/exports/rankings.xlsx", params=WEEK)
    assert "玄武区路长制区域排名" in unquote(workbook.headers["content-disposition"])


def test_the_web_map_tilejson_and_ogc_landing_name_the_district(client, renamed):
    config = client.get("/api/webmap/config").json()
    assert config["district"] == {"name": "南京市玄武区", "short_name": "玄武区", "code": "320102",
                                  "timezone": "Asia/Shanghai", "epsg": 4547}
    tilejson = client.get("/tiles/segments.json").json()
    assert tilejson["name"] == "segments" and "南京市玄武区" in tilejson["attribution"]
    assert client.get("/ogc").json()["title"].startswith("南京市玄武区")


@pytest.mark.parametrize("fields, english, chinese", [
    ({"timezone": "Mars/Olympus"}, "unknown time zone", "无法识别时区"),
    ({"epsg": 4326}, "not a projected coordinate system", "不是以米为单位的投影坐标系"),
    ({"epsg": 999999}, "not a projected coordinate system", "不是以米为单位的投影坐标系"),
    ({"name": " ", "short_name": " "}, "needs a name", "不能为空"),
])
def test_a_bad_district_setting_is_refused_in_both_languages(conn, fields, english, chinese):
    with pytest.raises(InvalidInput) as refused:
        set_district(conn, **fields)
    assert english in str(refused.value) and chinese in refused.value.message_zh
    assert get_district(conn).name == "郑州经开区"


def test_cli_district_set_and_show(engine, cluster, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", cluster.url())
    runner = CliRunner()
    try:
        result = runner.invoke(cli_app, ["district", "set", "--name", "上海市黄浦区", "--short-name",
                                         "黄浦区", "--code", "310101", "--epsg", "4549"])
        assert result.exit_code == 0, result.output
        shown = runner.invoke(cli_app, ["district", "show"]).output
        assert "名称 (name): 上海市黄浦区" in shown and "简称 (short_name): 黄浦区" in shown
        assert "时区 (timezone): Asia/Shanghai" in shown and "4549" in shown
        refused = runner.invoke(cli_app, ["district", "set", "--timezone", "Mars/Olympus"])
        assert refused.exit_code == 1 and "错误：无法识别时区" in refused.output
    finally:
        with engine.begin() as conn:
            set_district(conn, "郑州经开区", "经开区", "410171", "Asia/Shanghai", 4547)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT name FROM district")).scalar() == "郑州经开区"


def test_export_times_are_in_the_districts_time_zone(conn):
    from datetime import datetime, timedelta

    from maps.query import data_date

    shanghai = datetime.strptime(data_date(conn), "%Y-%m-%d %H:%M")
    set_district(conn, timezone="Asia/Kathmandu")  # UTC+05:45, 2 h 15 min behind Shanghai
    assert datetime.strptime(data_date(conn), "%Y-%m-%d %H:%M") == shanghai - timedelta(hours=2, minutes=15)



def test_the_api_reads_the_district_and_the_district_admin_sets_it(client, conn):
    from tests.helpers import role_headers

    headers = role_headers(conn)
    assert client.get("/api/district").json()["short_name"] == "经开区"
    body = {"name": "北京市海淀区", "short_name": "海淀区", "code": "110108", "epsg": 4548}
    assert client.put("/api/district", json=body, headers=headers["community"]).status_code == 403
    response = client.put("/api/district", json=body, headers=headers["admin"])
    assert response.status_code == 200 and response.json()["timezone"] == "Asia/Shanghai"
    assert client.get("/api/webmap/config").json()["district"]["name"] == "北京市海淀区"
    bad = client.put("/api/district", json={"timezone": "Mars/Olympus"}, headers=headers["admin"])
    assert bad.status_code == 422 and "无法识别时区" in bad.json()["message_zh"]


def test_importing_boundaries_into_an_unnamed_district_says_how_to_name_it(conn):
    from roads.gisio.importer import import_file
    from tests.roads.gisio.helpers import NANJING_BOUNDARIES

    conn.execute(text("DELETE FROM district"))
    assert get_district(conn).name == "本辖区"
    summary = import_file(conn, "sub_districts", NANJING_BOUNDARIES / "sub_districts.geojson")
    assert any("roadchief district set" in note for note in summary.notes)
