"""Report periods on the district's calendar: a day, an ISO week, a dekad, and the one before."""

from datetime import date

import pytest

from roads.errors import InvalidInput
from roads.reports.periods import containing, last_complete


@pytest.mark.parametrize(("kind", "day", "start", "end"), [
    ("daily", date(2026, 11, 19), date(2026, 11, 19), date(2026, 11, 20)),
    ("weekly", date(2026, 11, 19), date(2026, 11, 16), date(2026, 11, 23)),
    ("weekly", date(2027, 1, 1), date(2026, 12, 28), date(2027, 1, 4)),
    ("dekad", date(2026, 11, 10), date(2026, 11, 1), date(2026, 11, 11)),
    ("dekad", date(2026, 11, 11), date(2026, 11, 11), date(2026, 11, 21)),
    ("dekad", date(2026, 11, 30), date(2026, 11, 21), date(2026, 12, 1)),
    ("dekad", date(2026, 12, 31), date(2026, 12, 21), date(2027, 1, 1)),
    ("dekad", date(2028, 2, 29), date(2028, 2, 21), date(2028, 3, 1)),
])
def test_the_period_containing_a_day(kind, day, start, end):
    period = containing(kind, day)
    assert (period.start, period.end) == (start, end)


def test_each_period_knows_the_one_before():
    assert containing("dekad", date(2026, 12, 3)).previous().start == date(2026, 11, 21)
    assert containing("dekad", date(2026, 11, 25)).previous().start == date(2026, 11, 11)
    assert containing("weekly", date(2026, 11, 16)).previous().start == date(2026, 11, 9)
    assert containing("daily", date(2026, 3, 1)).previous().start == date(2026, 2, 28)


def test_the_last_complete_period_is_the_one_before_today():
    assert last_complete("daily", date(2026, 11, 20)).start == date(2026, 11, 19)
    assert last_complete("weekly", date(2026, 11, 23)).start == date(2026, 11, 16)  # a Monday
    assert last_complete("dekad", date(2026, 11, 21)).start == date(2026, 11, 11)


def test_labels_are_what_a_bureau_writes():
    assert containing("daily", date(2026, 11, 19)).label() == "2026年11月19日"
    assert containing("weekly", date(2026, 11, 19)).label() == "2026年11月第3周（11月16日—11月22日）"
    assert containing("dekad", date(2026, 11, 19)).label() == "2026年11月中旬（11月11日—11月20日）"
    assert containing("dekad", date(2026, 11, 29)).slug() == "2026-11-3"


def test_an_unknown_kind_is_refused_in_chinese():
    with pytest.raises(InvalidInput) as caught:
        containing("monthly", date(2026, 11, 19))
    assert "旬报" in caught.value.message_zh
