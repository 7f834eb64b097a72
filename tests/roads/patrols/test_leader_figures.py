"""Patrol rates in the leader's numbers (/api/coverage, /api/rankings, the rankings workbook, the
briefing) are those of the compliance API, over the demo district's patrols of 2026-W47."""

import io

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from roads.patrols.rates import this_week

WEEK = {"week": "2026-W47"}


def compliance_units(client, level: str) -> dict:
    body = client.get("/api/patrols/compliance", params={"level": level, **WEEK}).json()
    return {u["id"]: u for u in body["units"]}


def test_coverage_gives_each_unit_the_patrol_figures_of_compliance(client):
    expected = compliance_units(client, "sub_district")
    units = client.get("/api/coverage", params={"level": "sub_district", **WEEK}).json()["units"]
    assert len(units) == 6 and len(expected) == 6
    for unit in units:
        want = expected[unit["id"]]
        assert (unit["patrol"]["due"], unit["patrol"]["done"], unit["patrol"]["rate"]) == \
               (want["due"], want["done"], want["rate"])
        assert unit["patrol"]["segments_not_patrolled"] == want["segments_not_patrolled"]
    rates = {unit["patrol"]["rate"] for unit in units}
    assert len(rates) > 1 and all(0 < r < 1 for r in rates)  # diligent and lax sub-districts differ


def test_one_community_and_the_ranking_of_coverage(client):
    expected = compliance_units(client, "community")
    community_id = sorted(expected)[0]
    body = client.get("/api/coverage", params={"level": "community", "id": community_id, **WEEK}).json()
    assert body["units"][0]["patrol"]["rate"] == expected[community_id]["rate"]
    assert body["patrol_window"]["label"].startswith("2026年11月第3周")
    ranked = {r["id"]: r["patrol"]["rate"] for r in body["ranking"]}
    assert ranked[community_id] == expected[community_id]["rate"]


def test_coverage_reads_this_week_by_default(client):
    body = client.get("/api/coverage").json()
    assert body["patrol_window"]["label"] == this_week().label()
    assert client.get("/api/coverage", params={"week": "2026-W60"}).status_code == 422


def test_rankings_and_the_district_total_carry_the_patrol_rate(client):
    expected = compliance_units(client, "community")
    body = client.get("/api/rankings", params={"level": "community", **WEEK}).json()
    for row in body["rows"]:
        assert row["patrol_rate"] == pytest.approx(expected[row["area_id"]]["rate"], abs=1e-4)
    segments = compliance_units(client, "segment").values()
    due, done = sum(u["due"] for u in segments), sum(u["done"] for u in segments)
    assert body["total"]["patrol_rate"] == pytest.approx(done / due, abs=1e-4)


def test_the_workbook_has_the_patrol_rate_column(client):
    expected = compliance_units(client, "sub_district")
    book = load_workbook(io.BytesIO(client.get("/api/exports/rankings.xlsx", params=WEEK).content))
    sheet = book["办事处排名"]
    headers = [cell.value for cell in sheet[1]]
    column = headers.index("巡查率")
    names = {u["name"]: u["rate"] for u in expected.values()}
    rows = list(sheet.iter_rows(min_row=2, values_only=True))[:-1]  # the last is the district's total
    assert len(rows) == 6
    for row in rows:
        assert row[column] == pytest.approx(names[row[headers.index("名称")]], abs=1e-4)
        assert sheet.cell(row=2, column=column + 1).number_format == "0.0%"
    assert any("巡查率" == (r[0].value or "") for r in book["说明"].iter_rows())


def test_the_briefing_has_a_patrol_section(client):
    pdf = PdfReader(io.BytesIO(client.get("/api/exports/briefing.pdf", params=WEEK).content))
    text = pdf.pages[2].extract_text()
    assert "路长巡查" in text and "巡查率最低的路长" in text and "未巡查" in text
    assert "各办事处巡查率" in text
