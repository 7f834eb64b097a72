"""GET/POST /api/reports and the downloads, on the hand-made weeks (tests/roads/reports/conftest.py)."""

import io
from pathlib import Path

import pytest
from openpyxl import load_workbook

from gis_service.settings import Settings
from tests.helpers import make_user
from tests.roads.reports.conftest import hand_made  # noqa: F401  (the fixture)


@pytest.fixture
def settings(cluster, tmp_path) -> Settings:
    return Settings(database_url=cluster.url(), data_dir=tmp_path / "unused", tile_versions="query",
                    report_dir=tmp_path / "reports", photo_dir=tmp_path / "photos")


def test_a_leader_writes_the_weekly_report_and_anyone_downloads_it(client, conn, hand_made, settings):  # noqa: F811
    leader = make_user(conn, "t_report_leader", "leader")
    response = client.post("/api/reports", headers=leader, json={"kind": "weekly", "date": "2025-06-11"})
    assert response.status_code == 201, response.text
    row = response.json()
    assert (row["period_start"], row["period_end"], row["written_by"]) == ("2025-06-09", "2025-06-16",
                                                                            "t_report_leader")
    assert row["period_label"] == "2025年6月第2周（6月9日—6月15日）"
    assert (Path(settings.report_dir) / row["pdf_path"]).is_file()

    listed = client.get("/api/reports", params={"kind": "weekly", "from": "2025-06-01", "to": "2025-07-01"}).json()
    assert [r["id"] for r in listed["reports"]] == [row["id"]]
    assert client.get("/api/reports", params={"kind": "daily", "from": "2025-06-01", "to": "2025-07-01"}
                      ).json()["reports"] == []

    pdf = client.get(row["pdf_url"])
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert "%E5%91%A8%E6%8A%A5" in pdf.headers["content-disposition"]  # 周报 in the file name
    book = load_workbook(io.BytesIO(client.get(row["xlsx_url"]).content))
    assert book["摘要"]["A4"].value.startswith("本周新增问题 5 件，较上周减少 3 件（−37.5%）")


def test_writing_again_replaces_the_row_of_the_period(client, conn, hand_made, headers):  # noqa: F811
    first = client.post("/api/reports", headers=headers["admin"], json={"kind": "dekad", "date": "2025-06-12"})
    again = client.post("/api/reports", headers=headers["admin"], json={"kind": "dekad", "date": "2025-06-20"})
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    assert again.json()["period_label"] == "2025年6月中旬（6月11日—6月20日）"


@pytest.mark.parametrize(("who", "body", "status", "words"), [
    (None, {"kind": "weekly", "date": "2025-06-11"}, 401, "请先登录"),
    ("viewer", {"kind": "weekly", "date": "2025-06-11"}, 403, "区级管理员或领导"),
    ("admin", {"kind": "weekly", "date": "2999-01-01"}, 422, "尚未结束"),
    ("admin", {"kind": "monthly"}, 422, None),
    ("admin", {"kind": "daily", "date": "2025-02-30"}, 422, None),
])
def test_bad_requests_write_nothing(client, headers, who, body, status, words):
    before = len(client.get("/api/reports").json()["reports"])
    response = client.post("/api/reports", headers=headers[who] if who else {}, json=body)
    assert response.status_code == status, response.text
    if words:
        assert words in response.text
    assert len(client.get("/api/reports").json()["reports"]) == before


def test_unknown_reports_and_formats_are_404(client):
    assert client.get("/api/reports/999999999/pdf").status_code == 404
    assert client.get("/api/reports/1/docx").status_code == 404
    assert client.get("/api/reports", params={"kind": "monthly"}).status_code == 422
