"""The rankings workbook, the offline HTML map, the briefing PDF, the CLI and the time windows."""

import io
import json
import re
from datetime import datetime, timedelta, timezone

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from typer.testing import CliRunner

from gis_service.cli import app as cli_app
from roads.areas import area_from_spec
from roads.errors import InvalidInput, NotFound
from roads.issues.window import parse_week, parse_window

WINDOW = {"from": "2026-10-22", "to": "2026-11-20"}


def test_rankings_workbook_numbers_equal_the_api(client):
    response = client.get("/api/exports/rankings.xlsx", params=WINDOW)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert 'filename="rankings-20261022-20261120.xlsx"' in response.headers["content-disposition"]
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["社区排名", "办事处排名", "单位考核排名", "办事处考核排名", "社区考核排名",
                               "处罚明细", "说明"]
    for sheet_name, level in (("社区排名", "community"), ("办事处排名", "sub_district")):
        sheet = book[sheet_name]
        assert sheet.freeze_panes == "A2"
        headers = [cell.value for cell in sheet[1]]
        assert headers[:3] == ["排名", "编码", "名称"] and "按期结案率" in headers
        api = client.get("/api/rankings", params={**WINDOW, "level": level}).json()
        api_rows = api["rows"] + [api["total"]]  # the district's total line closes the sheet
        assert sheet.max_row == len(api_rows) + 1
        from maps.rankings import columns_for

        keys = [column.key for column in columns_for(level)]
        assert sheet.cell(row=sheet.max_row, column=keys.index("area_name") + 1).value == "全区合计"
        assert sheet.cell(row=sheet.max_row, column=1).font.bold
        for api_row, cells in zip(
            api_rows, sheet.iter_rows(min_row=2, values_only=True), strict=True
        ):
            for key, value in zip(keys, cells, strict=True):
                if isinstance(api_row[key], float):
                    assert isinstance(value, int | float) and value == pytest.approx(
                        api_row[key], rel=1e-12
                    )
                else:
                    assert value == api_row[key], key
    share = book["办事处排名"].cell(
        row=2, column=6
    )  # 一级路长覆盖率: a number shown as a percentage
    assert isinstance(share.value, float) and share.number_format == "0.0%"


def test_html_map_opens_offline(client):
    response = client.get("/api/exports/heatmap.html", params={**WINDOW, "sub_district_id": 1})
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    page = response.text
    # Leaflet and Leaflet.heat are inlined; outside them nothing points at the internet.
    assert 'id="vendor-leaflet"' in page and "L.heatLayer" in page
    outside = re.sub(r'<(script|style) id="vendor-[^"]*">.*?</\1>', "", page, flags=re.S)
    assert not re.findall(r"https?://(?!127\.0\.0\.1)", outside)
    # Inside them too, nothing is fetched: no script/stylesheet/image/CSS url() from elsewhere
    # (Leaflet's own "Leaflet" attribution is a plain link, not a load) and no tile layer.
    loads = (
        re.findall(r"<(?:script|img)[^>]*\ssrc\s*=\s*[\"']?([^\"' >]+)", page)
        + re.findall(r"<link[^>]*\shref\s*=\s*[\"']?([^\"' >]+)", page)
        + re.findall(r"url\(\s*[\"']?([^\"')]+)", page)
        + re.findall(r"@import\s+[\"']([^\"']+)", page)
    )
    assert all(ref.startswith(("data:", "#")) or "127.0.0.1" in ref for ref in loads), loads
    assert "L.tileLayer(" not in outside
    assert "L.control.layers" in page and '"issue_count"' in page
    assert json.dumps("道路里程（公里）")[1:-1] in page  # community tooltips carry counts too
    assert json.dumps("问题热力")[1:-1] in page and json.dumps("问题数（件）")[1:-1] in page
    heat = re.search(r"L\.heatLayer\(\s*(\[\[.*?\]\])", page, flags=re.S)
    count = int(re.search(r"问题 (\d+) 件", page).group(1))
    assert count > 0 and heat.group(1).count("[") - 1 == count


def test_html_map_of_an_empty_window_says_no_issues(client):
    page = client.get(
        "/api/exports/heatmap.html", params={"from": "2025-01-01", "to": "2025-01-02"}
    ).text
    assert "无问题" in page


def test_briefing_has_heatmap_coverage_and_ranking_pages(client):
    response = client.get("/api/exports/briefing.pdf", params={"week": "2026-W47"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert 'filename="briefing-district-2026-W47.pdf"' in response.headers["content-disposition"]
    pdf = PdfReader(io.BytesIO(response.content))
    # heatmap, coverage, 6 sub-districts on one page, 64 communities on three, then the case flow:
    # the units' ranking on one page, overdue cases and penalties on one
    assert len(pdf.pages) == 1 + 1 + 1 + 3 + 2
    assert "2026年11月第3周" in pdf.metadata.title
    # each ranking closes with the district's total line: on the sub-district page and the last
    assert [n for n, page in enumerate(pdf.pages) if "全区合计" in page.extract_text()] == [2, 5]


def test_briefing_of_a_bad_week_is_422(client):
    response = client.get("/api/exports/briefing.pdf", params={"week": "2026-W60"})
    assert response.status_code == 422 and "week" in response.json()["error"]


def test_cli_exports_rankings_and_refuses_an_unknown_community(cluster, tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", cluster.url())
    runner = CliRunner()
    out = tmp_path / "rankings.xlsx"
    result = runner.invoke(cli_app, ["export", "rankings", "--week", "2026-W47", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert load_workbook(out)["办事处排名"].max_row == 8  # header, six sub-districts, the total
    result = runner.invoke(
        cli_app, ["export", "heatmap", "--community", "99999", "--out", str(tmp_path / "x.png")]
    )
    assert result.exit_code == 1 and "no community with id 99999" in result.output
    page = tmp_path / "minghu.html"
    result = runner.invoke(
        cli_app,
        ["export", "heatmap", "--area", "明湖办事处", "--week", "2026-W47", "--out", str(page)],
    )
    assert result.exit_code == 0, result.output
    assert "经开区 明湖办事处 问题密度" in page.read_text()


def test_areas_are_found_by_id_or_name(conn):
    assert area_from_spec(conn, "district").kind == "district"
    assert area_from_spec(conn, "sub-district:1") == area_from_spec(conn, "明湖办事处")
    assert area_from_spec(conn, "明湖").sub_district_id == 1
    village = area_from_spec(conn, "大王庄村")
    assert village.kind == "community" and village == area_from_spec(
        conn, f"community:{village.community_id}"
    )
    with pytest.raises(NotFound):
        area_from_spec(conn, "月球村")


CN = timezone(timedelta(hours=8))


def test_windows_read_dates_as_whole_beijing_days():
    window = parse_window("2026-11-16", "2026-11-22")
    assert window.start == datetime(2026, 11, 16, tzinfo=CN)
    assert window.end == datetime(2026, 11, 23, tzinfo=CN)
    assert parse_window("2026-11-16T08:00Z", "2026-11-16T09:00+00:00").days == pytest.approx(1 / 24)
    week = parse_week("2026-W47")
    assert (week.start, week.end) == (window.start, window.end)
    assert week.label() == "2026年11月第3周（11月16日—11月22日）"
    assert week.slug() == "2026-W47"
    with pytest.raises(InvalidInput):
        parse_week("2026-47")
    with pytest.raises(InvalidInput):
        parse_window("2026-11-23", "2026-11-22")
