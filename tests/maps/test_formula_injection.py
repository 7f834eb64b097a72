"""A name that a spreadsheet would run as a formula reaches the exports as plain text."""

import csv
import io

from openpyxl import load_workbook
from sqlalchemy import text

from roads.cells import safe_cell

EVIL = '=HYPERLINK("http://evil.example/steal","点击查看")'


def rename_a_community(conn) -> int:
    community_id = conn.execute(text("SELECT min(id) FROM community")).scalar_one()
    conn.execute(text("UPDATE community SET name = :n WHERE id = :c"), {"n": EVIL, "c": community_id})
    return community_id


def test_the_rankings_workbook_shows_the_name_as_text(client, conn):
    rename_a_community(conn)
    response = client.get("/api/exports/rankings.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content))["社区排名"]
    cells = [cell for row in sheet.iter_rows(min_row=2) for cell in row if "HYPERLINK" in str(cell.value)]
    assert len(cells) == 1
    assert cells[0].data_type == "s"
    assert cells[0].value == "'" + EVIL
    # Numbers stay numbers.
    assert isinstance(sheet.cell(row=2, column=1).value, int)


def test_the_segments_csv_shows_the_name_as_text(client, conn):
    rename_a_community(conn)
    response = client.get("/api/exports/layers/segments.csv")
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    names = {row["community_name"] for row in rows}
    assert "'" + EVIL in names
    assert EVIL not in names


def test_only_text_that_starts_a_formula_is_changed():
    assert [safe_cell(v) for v in ("=1+2", "+86 138", "-x", "@SUM(A1)", "\t=1", "\r=1")] == [
        "'=1+2", "'+86 138", "'-x", "'@SUM(A1)", "'\t=1", "'\r=1"]
    assert [safe_cell(v) for v in (-3, -2.5, "中山路", "a=b", None)] == [-3, -2.5, "中山路", "a=b", None]


def test_the_issues_csv_shows_a_description_as_text(client, conn):
    issue_id = conn.execute(text("SELECT min(id) FROM issue")).scalar_one()
    conn.execute(text("UPDATE issue SET description = :d WHERE id = :i"), {"d": "@SUM(1+1)*cmd", "i": issue_id})
    response = client.get("/api/exports/layers/issues.csv")
    assert response.status_code == 200
    rows = {row["id"]: row for row in csv.DictReader(io.StringIO(response.content.decode("utf-8-sig")))}
    assert rows[str(issue_id)]["description"] == "'@SUM(1+1)*cmd"
