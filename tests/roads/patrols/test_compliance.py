"""Compliance numbers checked by hand across ISO week 2026-W47 (Mon 16 – Sun 22 November) with a
holiday on Wednesday 18th; our chief holds segments a and b at tier 3 (daily rule)."""

from datetime import date, datetime, timedelta

from sqlalchemy import text

from roads.issues.window import CHINA_TZ, parse_week
from roads.patrols.compliance import compliance, missing
from roads.patrols.recording import record_track
from roads.patrols.rules import list_rules, update_rules
from roads.work_calendar import set_day
from tests.roads.patrols.conftest import there_and_back


def at(day: int, hour: int = 8) -> datetime:
    return datetime(2026, 11, day, hour, tzinfo=CHINA_TZ)


def our_row(units, key, value):
    return next(u for u in units if u[key] == value)


def test_a_week_with_a_holiday(conn, setup):
    set_day(conn, setup.admin, date(2026, 11, 18), False, "测试假日")
    a = setup.a
    for day in (16, 17, 18, 19):  # Mon, Tue, the holiday, Thu: ~31 min, 2.6 km each
        record_track(conn, setup.chief_user, None, there_and_back(a, at(day)))
    record_track(conn, setup.chief_user, None, there_and_back(a, at(19, 15)))  # Thursday again
    record_track(conn, setup.chief_user, None, there_and_back(a, at(21), speed_mps=60 / 3.6))  # by car
    short = there_and_back(a, at(22))[:60]  # Sunday: 5 minutes, gave up
    record_track(conn, setup.chief_user, None, short)

    week = parse_week("2026-W47")
    chief = our_row(compliance(conn, week, "chief")["units"], "id", setup.chief_id)
    # 7 days less the holiday, for each of 2 segments; done: Mon, Tue, Thu on a only
    assert (chief["due"], chief["done"], chief["rate"]) == (12, 3, 0.25)
    assert (chief["segments_due"], chief["segments_not_patrolled"]) == (2, 1)
    segment_a = our_row(compliance(conn, week, "segment")["units"], "id", a.id)
    # a's tier-2 chief (daily) is due 6 times too, its tier-1 chief (weekly) once
    assert segment_a["due"] == 6 + 6 + 1 and segment_a["done"] >= 3


def test_weekly_and_half_month_rules_count_whole_periods(conn, setup):
    rules = {r["tier"]: r for r in list_rules(conn)}
    assert [(t, rules[t]["every_days"]) for t in range(4)] == [(0, 15), (1, 7), (2, 1), (3, 1)]
    update_rules(conn, setup.admin, [{**rules[3], "every_days": 7}])
    week = parse_week("2026-W47")
    record_track(conn, setup.chief_user, None, there_and_back(setup.a, at(20)))
    chief = our_row(compliance(conn, week, "chief")["units"], "id", setup.chief_id)
    assert (chief["due"], chief["done"]) == (2, 1)
    two_weeks = week.__class__(week.start, week.start + timedelta(days=15))
    # The demo's 总路长 and 副总路长 are general chiefs already: count ours on top of theirs.
    demo = {u["id"]: u for u in compliance(conn, two_weeks, "tier")["units"]}[0]
    conn.execute(text("UPDATE chief SET general_chief = true WHERE id = :c"), {"c": setup.chief_id})
    tiers = {u["id"]: u for u in compliance(conn, two_weeks, "tier")["units"]}
    assert (tiers[0]["due"] - demo["due"], tiers[0]["done"] - demo["done"]) == (1, 1)  # one half-month, patrolled


def test_missing_lists_chiefs_without_a_patrol_today(conn, setup):
    record_track(conn, setup.chief_user, None, there_and_back(setup.a, at(17)))
    ours = [m for m in missing(conn, date(2026, 11, 17)) if m["chief_id"] == setup.chief_id]
    assert [(m["segments_due"], m["segments_missing"], m["segment_ids"]) for m in ours] == [(2, 1, [setup.b.id])]
    set_day(conn, setup.admin, date(2026, 11, 18), False, "测试假日")
    assert not [m for m in missing(conn, date(2026, 11, 18)) if m["chief_id"] == setup.chief_id]
