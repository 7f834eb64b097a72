"""The weekly briefing's case-flow pages: the units ranked by 综合评价 with the rule, the open overdue
cases per unit and the week's 处罚明细, with the numbers of GET /api/rankings?by=unit."""

import io

from pypdf import PdfReader

from tests.gis_service.browser import SCREENSHOTS
from tests.helpers import quick_user

WEEK = {"week": "2026-W47"}


def briefing(client) -> PdfReader:
    response = client.get("/api/exports/briefing.pdf", params=WEEK)
    assert response.status_code == 200, response.text
    SCREENSHOTS.mkdir(exist_ok=True)
    (SCREENSHOTS / "briefing-2026-W47.pdf").write_bytes(response.content)  # to look at (pdftoppm)
    return PdfReader(io.BytesIO(response.content))


def test_the_briefing_ranks_the_units_with_the_rule_and_the_apis_numbers(client):
    pdf = briefing(client)
    ranking = client.get("/api/rankings", params={"by": "unit", **WEEK}).json()
    page = next(p.extract_text() for p in pdf.pages if "处置单位考核排名" in p.extract_text())
    assert "排名规则：按综合评价得分从高到低" in page and "权重：" in page
    best, worst = ranking["rows"][0], ranking["rows"][-1]
    assert page.index(best["name"]) < page.index(worst["name"])  # best first, as the API
    assert f"{best['score']:.1f}" in page


PENALTIES = [  # (kind, target, yuan, reason, date): two in the week, one the week after
    ("shop", "老王烩面馆", 500, "店外占道经营，屡教不改", "2026-11-18"),
    ("company", "郑州洁城环境服务有限公司", 2000, "保洁作业不到位，返工两次", "2026-11-20"),
    ("shop", "便民超市", 300, "乱堆乱放", "2026-11-24"),
]


def test_the_briefing_shows_overdue_cases_per_unit_and_the_weeks_penalties(client, conn):
    operator = quick_user(conn, "brief_operator", "operator", "受理员甲")
    for kind, target, yuan, reason, day in PENALTIES:
        response = client.post("/api/penalties", headers=operator, json={
            "target_kind": kind, "target_name": target, "amount_yuan": yuan, "reason": reason,
            "penalty_date": day})
        assert response.status_code == 201, response.text
    pdf = briefing(client)
    page = pdf.pages[-1].extract_text()
    rows = client.get("/api/rankings", params={"by": "unit", **WEEK}).json()["rows"]
    overdue = sum(r["open_overdue"] for r in rows)
    assert f"各处置单位超期未结案卷（共 {overdue} 件）" in page
    assert "处罚明细：2 起，罚款 2,500 元" in page
    assert "老王烩面馆" in page and "郑州洁城环境服务" in page and "便民超市" not in page
