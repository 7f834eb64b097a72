"""The 红黑榜 PDF: A4 portrait pages with the red and black lists, 停业整顿 and the street ranking."""

import io

from pypdf import PdfReader

from maps.red_black_list import pages, red_black_pdf, sections
from roads.shops.tallies import week_tallies
from tests.roads.shops.conftest import weeks_ago


def test_the_red_black_list_has_its_four_lists_on_a4_portrait_pages(conn):
    week = weeks_ago(1)
    data = red_black_pdf(conn, week)
    reader = PdfReader(io.BytesIO(data))
    box = reader.pages[0].mediabox
    assert (round(float(box.width) / 72 * 25.4), round(float(box.height) / 72 * 25.4)) == (210, 297)
    headings = [p[0] for p in pages(sections(conn, week))]
    assert len(reader.pages) == len(headings)
    assert {"红榜（红旗商户）", "黑榜（黑旗商户）", "停业整顿商户", "街道红旗率排名"} <= set(headings)
    totals = week_tallies(conn, week)["totals"]
    red_rows = sum(len(p[4]) for p in pages(sections(conn, week)) if p[0].startswith("红榜"))
    assert red_rows == totals["red"]
