"""The in-process report scheduler: when a report is due, that two workers write it once, and that
a report missed while the service was down is written at the next start. These schedulers commit
(as in production) into the session's database; each test removes its rows."""

import threading
from datetime import date, datetime

import pytest
from sqlalchemy import text

from gis_service.report_scheduler import ReportScheduler, due_period
from roads.issues.window import CHINA_TZ


@pytest.mark.parametrize(("kind", "now", "start"), [
    ("daily", "2026-11-20T07:29", date(2026, 11, 18)),  # yesterday's is not due before 07:30
    ("daily", "2026-11-20T07:30", date(2026, 11, 19)),
    ("weekly", "2026-11-23T07:59", date(2026, 11, 9)),  # Monday before 08:00: the week before last
    ("weekly", "2026-11-23T08:00", date(2026, 11, 16)),
    ("weekly", "2026-11-26T12:00", date(2026, 11, 16)),
    ("dekad", "2026-11-21T08:00", date(2026, 11, 11)),
    ("dekad", "2026-12-01T07:00", date(2026, 11, 11)),
    ("dekad", "2026-12-01T08:00", date(2026, 11, 21)),
])
def test_a_report_is_due_the_day_after_its_period_at_its_time(kind, now, start):
    at = {"daily": "07:30", "weekly": "08:00", "dekad": "08:00"}[kind]
    moment = datetime.fromisoformat(now).replace(tzinfo=CHINA_TZ)
    assert due_period(kind, moment, at, CHINA_TZ).start == start


@pytest.fixture
def cleanup(engine):
    made = []
    yield made
    with engine.begin() as conn:
        for kind, start in made:
            conn.execute(text("DELETE FROM public.report WHERE kind = :k AND period_start = :s"),
                         {"k": kind, "s": start})


def reports_of(engine, kind: str, start: date) -> list:
    with engine.connect() as conn:
        return conn.execute(text("SELECT written_by FROM public.report WHERE kind = :k AND period_start = :s"),
                            {"k": kind, "s": start}).all()


def test_two_workers_write_a_due_report_once(engine, tmp_path, cleanup):
    now = datetime(2025, 6, 16, 9, 0, tzinfo=CHINA_TZ)  # the week of 2025-06-09 is due
    cleanup.append(("weekly", date(2025, 6, 9)))
    workers = [ReportScheduler(engine, tmp_path, None, {"weekly": "08:00"}, 3600) for _ in range(2)]
    together = threading.Barrier(2)
    written: list[list[dict]] = []

    def work(scheduler):
        together.wait()
        written.append(scheduler.tick(now))

    threads = [threading.Thread(target=work, args=(w,)) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sorted(len(rows) for rows in written) == [0, 1]
    assert reports_of(engine, "weekly", date(2025, 6, 9)) == [("scheduler",)]
    assert (tmp_path / "weekly" / "weekly-2025-W24.pdf").is_file()
    assert workers[0].tick(now) == [] and workers[1].tick(now) == []  # and never again


def test_a_report_missed_while_the_service_was_down_is_written_at_start(engine, tmp_path, cleanup):
    missed = due_period("daily", datetime.now(CHINA_TZ), "07:30", CHINA_TZ)
    cleanup.append(("daily", missed.start))
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM public.report WHERE kind = 'daily' AND period_start = :s"),
                     {"s": missed.start})
    scheduler = ReportScheduler(engine, tmp_path, None, {"daily": "07:30"}, 3600)
    scheduler.start()
    try:
        assert scheduler.ticked.wait(120)
    finally:
        scheduler.stop()
    assert reports_of(engine, "daily", missed.start) == [("scheduler",)]
    assert (tmp_path / "daily" / f"daily-{missed.slug()}.xlsx").is_file()
