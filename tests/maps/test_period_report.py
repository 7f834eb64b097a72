"""The weekly report as PDF and workbook on the hand-made weeks (tests/roads/reports/conftest.py):
its pages, the photos before and after of a key case, the numbers and escaped text of the workbook."""

import io
import subprocess
from pathlib import Path

import numpy as np
from openpyxl import load_workbook
from PIL import Image
from sqlalchemy import text

from maps.period_report import pdf_bytes, xlsx_bytes
from roads.reports.compose import compose
from roads.reports.figures import Figure
from roads.reports.providers import PROVIDERS
from tests.roads.reports.conftest import hand_made  # noqa: F401  (the fixture)

RED, GREEN = (220, 20, 20), (20, 170, 60)


def add_photo(conn, folder: Path, issue_id: int, stage: str, colour) -> None:
    relative = f"{issue_id}/{stage}.png"
    (folder / str(issue_id)).mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (400, 300), colour).save(folder / relative)
    conn.execute(text("""
        INSERT INTO public.issue_photo (issue_id, file_name, content_type, size_bytes, stored_path, stage)
        VALUES (:i, :n, 'image/png', 1, :p, :s)
    """), {"i": issue_id, "n": f"{stage}.png", "p": relative, "s": stage})


def pages_png(pdf: bytes, folder: Path) -> list[np.ndarray]:
    (folder / "report.pdf").write_bytes(pdf)
    subprocess.run(["pdftoppm", "-png", "-r", "60", str(folder / "report.pdf"), str(folder / "page")], check=True)
    return [np.asarray(Image.open(path).convert("RGB")) for path in sorted(folder.glob("page-*.png"))]


def share_of(page: np.ndarray, colour) -> float:
    close = np.abs(page.astype(int) - np.array(colour)).sum(axis=2) < 60
    return close.mean()


def test_the_weekly_report_shows_a_key_case_before_and_after(conn, hand_made, tmp_path):  # noqa: F811
    photos = tmp_path / "photos"
    late_closed = hand_made.ids[1]  # b: closed three days after its report
    add_photo(conn, photos, late_closed, "before", RED)
    add_photo(conn, photos, late_closed, "after", GREEN)
    report = compose(conn, hand_made.week, photos)
    assert report.key_cases[0].id == late_closed  # photos before and after come first
    pdf, pages = pdf_bytes(conn, report)
    images = pages_png(pdf, tmp_path)
    # summary; the figure table of all the instruments on a page of its own; heatmap; areas; key cases
    assert pages == len(images) == 5
    assert share_of(images[-1], RED) > 0.01 and share_of(images[-1], GREEN) > 0.01
    assert all(share_of(page, RED) == 0 for page in images[:1])


def test_many_figures_continue_on_pages_of_their_own(conn, hand_made, tmp_path):  # noqa: F811
    def many(conn, start, end):
        return [Figure(f"extra_{n}", f"附加指标{n}", n, "项") for n in range(30)]

    report = compose(conn, hand_made.week, providers=[*PROVIDERS, many])
    pdf, pages = pdf_bytes(conn, report)
    (tmp_path / "many.pdf").write_bytes(pdf)
    words = subprocess.run(["pdftotext", str(tmp_path / "many.pdf"), "-"], check=True, capture_output=True,
                           text=True).stdout
    assert pages > 4 and "主要指标（续）" in words
    assert all(f"附加指标{n}（项）" in words for n in range(30))


def test_the_workbook_holds_the_numbers_and_plain_text(conn, hand_made):  # noqa: F811
    conn.execute(text("UPDATE public.issue SET description = '=HYPERLINK(\"http://x\")' WHERE id = :i"),
                 {"i": hand_made.ids[2]})
    book = load_workbook(io.BytesIO(xlsx_bytes(compose(conn, hand_made.week))))
    assert book.sheetnames == ["摘要", "指标", "区域", "重点案卷", "说明"]
    figures = {row[0]: row[3:6] for row in book["指标"].iter_rows(min_row=2, values_only=True)}
    assert figures["issues_reported"] == (5, 8, -3)
    assert figures["issues_on_time_rate"] == (33.3, 50.0, -16.7)
    descriptions = [row[8] for row in book["重点案卷"].iter_rows(min_row=2, values_only=True)]
    assert "'=HYPERLINK(\"http://x\")" in descriptions
    assert book["摘要"]["A4"].value.startswith("本周新增问题 5 件")
