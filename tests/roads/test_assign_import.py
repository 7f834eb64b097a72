import io

from openpyxl import Workbook
from sqlalchemy import text
from typer.testing import CliRunner

from gis_service.cli import app
from tests.helpers import current_holder, eligible_chief, segment_in


def sheet_rows(conn):
    """Two good rows (a segment at tier 3, a road in one community at tier 3) and two bad ones."""
    seg = segment_in(conn, tier=3, held=True)
    new = eligible_chief(conn, seg.segment_id, 3, exclude=current_holder(conn, seg.segment_id, 3))
    chief = conn.execute(text("SELECT name, phone FROM chief WHERE id = :c"), {"c": new}).one()
    road, community = conn.execute(text("""
        SELECT r.name, c.name FROM road_segment s JOIN road r ON r.id = s.road_id
        JOIN community c ON c.id = s.community_id WHERE s.community_id = :c LIMIT 1"""),
        {"c": seg.community_id}).one()
    good = [["segment_id", "road", "community", "tier", "chief_name", "chief_phone"],
            [str(seg.segment_id), "", "", "3", chief.name, chief.phone],
            ["", road, community, "三级", chief.name, chief.phone]]
    bad = [["", "不存在路", "", "3", chief.name, chief.phone],
           [str(seg.segment_id), "", "", "3", "无此人", "13000000000"]]
    return seg, new, good, bad


def as_csv(rows) -> bytes:
    return "\n".join(",".join(r) for r in rows).encode()


def upload(client, headers, data, name="sheet.csv", dry_run=True):
    return client.post("/api/assignments/import", headers=headers, data={"dry_run": str(dry_run).lower()},
                       files={"file": (name, data)})


def test_dry_run_lists_changes_and_unmatched_rows_and_writes_nothing(client, conn, headers):
    seg, new, good, bad = sheet_rows(conn)
    before = current_holder(conn, seg.segment_id, 3)
    response = upload(client, headers["admin"], as_csv(good + bad))
    body = response.json()
    assert response.status_code == 200 and body["dry_run"] is True
    assert {u["row"] for u in body["unmatched"]} == {4, 5}
    assert any("不存在路" in u["reason"] for u in body["unmatched"])
    assert any(c["segment_id"] == seg.segment_id and c["action"] == "reassign" for c in body["changes"])
    assert current_holder(conn, seg.segment_id, 3) == before


def test_unmatched_rows_say_why_in_chinese_too(client, conn, headers):
    _seg, _new, good, bad = sheet_rows(conn)
    body = upload(client, headers["admin"], as_csv(good + bad)).json()
    reasons = {u["row"]: u["reason_zh"] for u in body["unmatched"]}
    assert reasons == {4: "未找到名为 不存在路 的道路", 5: "未找到名为 无此人 的路长（电话 13000000000）"}
    refused = upload(client, headers["admin"], as_csv(good + bad), dry_run=False).json()
    assert refused["message_zh"] == "有 2 行无法匹配，未做任何修改"


def test_apply_with_an_unmatched_row_changes_nothing(client, conn, headers):
    seg, new, good, bad = sheet_rows(conn)
    before = current_holder(conn, seg.segment_id, 3)
    response = upload(client, headers["admin"], as_csv(good + bad), dry_run=False)
    assert response.status_code == 422 and len(response.json()["unmatched"]) == 2
    assert current_holder(conn, seg.segment_id, 3) == before


def test_apply_an_xlsx_sheet(client, conn, headers):
    seg, new, good, _ = sheet_rows(conn)
    book = Workbook()
    for row in good:
        book.active.append(row)
    data = io.BytesIO()
    book.save(data)
    response = upload(client, headers["admin"], data.getvalue(), name="路长.xlsx", dry_run=False)
    assert response.status_code == 200, response.text
    assert response.json()["applied"] >= 1 and current_holder(conn, seg.segment_id, 3) == new
    audit = conn.execute(text("SELECT source FROM assignment_audit WHERE segment_id = :s"),
                         {"s": seg.segment_id}).scalars().all()
    assert audit == ["import"]


def test_import_needs_a_writer_and_a_known_format(client, conn, headers):
    _, _, good, _ = sheet_rows(conn)
    assert upload(client, headers["viewer"], as_csv(good)).status_code == 403
    assert upload(client, {}, as_csv(good)).status_code == 401
    assert upload(client, headers["admin"], b"x", name="sheet.pdf").status_code == 422
    assert upload(client, headers["admin"], b"a,b\n1,2").status_code == 422


def test_cli_dry_run_prints_the_changes(conn, cluster, monkeypatch, tmp_path):
    _, _, good, bad = sheet_rows(conn)
    sheet = tmp_path / "sheet.csv"
    sheet.write_bytes(as_csv(good + bad))
    monkeypatch.setenv("DATABASE_URL", cluster.url())
    result = CliRunner().invoke(app, ["assign", "import", str(sheet)])
    assert result.exit_code == 0, result.output
    assert "dry run" in result.output and "2 unmatched" in result.output


def test_a_dry_run_names_the_road_and_its_community_and_says_why_in_both_languages(client, conn, headers):
    """A row for a segment of another community: refused naming 经南四路（…社区）, not a bare id."""
    seg = conn.execute(text("""
        SELECT s.id, r.name AS road, c.name AS community, s.community_id FROM road_segment s
        JOIN road r ON r.id = s.road_id JOIN community c ON c.id = s.community_id
        WHERE r.name = '经南四路' ORDER BY s.id LIMIT 1""")).one()
    stranger = conn.execute(text("""
        SELECT name, phone FROM chief WHERE community_id <> :c AND active ORDER BY id LIMIT 1"""),
        {"c": seg.community_id}).one()
    own = conn.execute(text("SELECT name, phone FROM chief WHERE community_id = :c AND active ORDER BY id LIMIT 1"),
                       {"c": seg.community_id}).one()
    rows = [["路段", "层级", "路长", "电话"], [str(seg.id), "三级", stranger.name, stranger.phone],
            [str(seg.id), "三级", own.name, own.phone]]
    body = upload(client, headers["admin"], as_csv(rows)).json()
    refused = body["unmatched"][0]
    place = f"{seg.road}（{seg.community}）"
    assert place in refused["reason_zh"] and "三级路长须属于路段所在社区" in refused["reason_zh"]
    assert seg.road in refused["reason"] and "community" in refused["reason"]
    assert f"路段 {seg.id}" not in refused["reason_zh"]
    change = body["changes"][0]
    assert (change["road_name"], change["community_name"], change["place"]) == (seg.road, seg.community, place)


def test_a_row_outside_the_users_area_names_the_road(client, conn, headers):
    seg = conn.execute(text("""
        SELECT s.id, r.name AS road, c.name AS community, s.community_id FROM road_segment s
        JOIN road r ON r.id = s.road_id JOIN community c ON c.id = s.community_id
        WHERE s.community_id <> (SELECT min(id) FROM community WHERE sub_district_id =
                                 (SELECT min(sub_district_id) FROM community))
        ORDER BY s.id LIMIT 1""")).one()
    own = conn.execute(text("SELECT name, phone FROM chief WHERE community_id = :c AND active ORDER BY id LIMIT 1"),
                       {"c": seg.community_id}).one()
    rows = [["路段", "层级", "路长", "电话"], [str(seg.id), "三级", own.name, own.phone]]
    refused = upload(client, headers["community"], as_csv(rows)).json()["unmatched"][0]
    assert refused["reason_zh"] == f"{seg.road}（{seg.community}）不在您的管辖范围内"
    assert "outside the jurisdiction" in refused["reason"] and seg.road in refused["reason"]
