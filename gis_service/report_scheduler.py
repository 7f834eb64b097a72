"""The reports that write themselves, inside the service: one thread per process, started and
stopped by the app's lifespan (like gis_service/notifier.py). At start and then every
report_check_s it writes, for each kind, the latest period whose time has come, unless its report
exists: so a run missed while the service was down is written at the next start (the latest
period only). Several processes may run it side by side: maps.period_report.write_report takes the
period's advisory lock without waiting, and (kind, period_start) is unique."""

import logging
import threading
from datetime import datetime, time, tzinfo
from pathlib import Path

from sqlalchemy import Engine

from maps.period_report import write_report
from roads.district import get_district
from roads.reports.periods import Period, last_complete

log = logging.getLogger("roadchief.reports")


def due_period(kind: str, now: datetime, at: str, zone: tzinfo) -> Period:
    """The latest period of `kind` whose report was due by `now`: a period's report is due on the
    day after its last day (the next Monday, the next 1st, 11th or 21st) at `at` ("07:30")."""
    local = now.astimezone(zone)
    period = last_complete(kind, local.date())
    hour, minute = (int(part) for part in at.split(":"))
    if local < datetime.combine(period.end, time(hour, minute), tzinfo=zone):
        period = period.previous()
    return period


class ReportScheduler:
    def __init__(self, engine: Engine, folder: Path, photo_dir: Path | None, times: dict[str, str],
                 interval_s: float):
        self.engine = engine
        self.folder = folder
        self.photo_dir = photo_dir
        self.times = times
        self.interval_s = interval_s
        self.stopping = threading.Event()
        self.ticked = threading.Event()  # set after each check (for those who wait on the first)
        self.thread = threading.Thread(target=self.run, name="roadchief-reports", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.stopping.set()
        self.thread.join(timeout=60)  # a report being drawn ends within seconds

    def run(self) -> None:
        while not self.stopping.is_set():
            try:
                self.tick()
            except Exception:  # a bad tick must not end the thread; the next one tries again
                log.exception("writing the scheduled reports failed")
            self.ticked.set()
            self.stopping.wait(self.interval_s)

    def tick(self, now: datetime | None = None) -> list[dict]:
        """Write what is due and missing, for each kind in `times`; returns the rows written."""
        written = []
        for kind in self.times:
            if self.stopping.is_set():
                break
            with self.engine.begin() as conn:
                zone = get_district(conn).zone
                period = due_period(kind, now or datetime.now(zone), self.times[kind], zone)
                row, wrote = write_report(conn, period, self.folder, "scheduler", self.photo_dir)
            if wrote:
                log.info("wrote the %s report of %s", kind, period.start)
                written.append(row)
        return written


def start_report_scheduler(engine: Engine, settings) -> ReportScheduler | None:
    """This process's report writer (none when report_check_s is 0)."""
    if settings.report_check_s <= 0:
        return None
    scheduler = ReportScheduler(engine, settings.report_dir, settings.photo_dir, settings.report_times(),
                                settings.report_check_s)
    scheduler.start()
    return scheduler
