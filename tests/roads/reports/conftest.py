"""A hand-made week of cases, far from the demo's own (June 2025), and the week before it.

All T03.01 占道经营 (4 hours to close), reported at 09:00 Beijing time:

    this week (2025-06-09 … 06-15)      a closed after 1 h (on time)   b closed after 3 days (late)
                                        c dispatched (open, overdue)    d reported only (overdue)
                                        e 不予立案 (rejected)
    the week before (06-02 … 06-08)     4 closed after 1 h, 2 closed after 3 days, 2 dispatched

So this week: 新增 5, 立案 3, 结案 2, 结案率 2/3, 按期结案率 1/3, 超期未结 2; the week before:
8, 8, 6, 75%, 50%, 2.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import text

from roads.issues.window import CHINA_TZ
from roads.reports.periods import Period, containing

WEEK = containing("weekly", date(2025, 6, 11))
# (day offset in the week, status, hours from report to the last step)
THIS_WEEK = [(0, "closed", 1), (0, "closed", 72), (1, "dispatched", 1), (2, "reported", 0), (3, "rejected", 1)]
WEEK_BEFORE = [(d, "closed", 1) for d in range(4)] + [(4, "closed", 72), (5, "closed", 72),
                                                      (6, "dispatched", 1), (6, "dispatched", 1)]


@dataclass
class HandMade:
    week: Period
    ids: list[int]


def add_case(conn, monday: date, offset: int, status: str, hours: float, description: str) -> int:
    reported = datetime.combine(monday + timedelta(days=offset), datetime.min.time(), CHINA_TZ) + timedelta(hours=9)
    return conn.execute(text("""
        INSERT INTO public.issue (geom, category_code, description, status, reported_at, updated_at, source,
                                  reject_reason)
        VALUES (ST_SetSRID(ST_MakePoint(113.75, 34.72), 4326), 'T03.01', :d, :s, :r, :u, 'patrol',
                CASE WHEN :s = 'rejected' THEN 'invalid' END)
        RETURNING id
    """), {"d": description, "s": status, "r": reported, "u": reported + timedelta(hours=hours)}).scalar_one()


@pytest.fixture
def hand_made(conn) -> HandMade:
    before = WEEK.previous()
    count = conn.execute(text("SELECT count(*) FROM public.issue WHERE reported_at >= :a AND reported_at < :b"),
                         {"a": datetime.combine(before.start, datetime.min.time(), CHINA_TZ),
                          "b": datetime.combine(WEEK.end, datetime.min.time(), CHINA_TZ)}).scalar()
    assert count == 0, "the demo has cases in the hand-made weeks"
    ids = [add_case(conn, WEEK.start, *case, f"本周案卷{n}") for n, case in enumerate(THIS_WEEK)]
    ids += [add_case(conn, before.start, *case, f"上周案卷{n}") for n, case in enumerate(WEEK_BEFORE)]
    return HandMade(WEEK, ids)
