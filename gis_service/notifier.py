"""The outbox sender inside the service: one thread per process, started and stopped by the app's
lifespan. Every tick it posts the notifications that are due (roads.notify_sender) and, once a
minute, queues the cases that just became overdue. Several processes may run it side by side: rows
are claimed with SKIP LOCKED and each case's overdue message is unique in the table."""

import logging
import threading
import time

from sqlalchemy import Engine, text

from roads.notifications import enqueue_overdue
from roads.notify_sender import Policy, send_due

log = logging.getLogger("roadchief.notify")
OVERDUE_SCAN_S = 60.0


class Notifier:
    def __init__(self, engine: Engine, policy: Policy, interval_s: float):
        self.engine = engine
        self.policy = policy
        self.interval_s = interval_s
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self.run, name="roadchief-notifier", daemon=True)
        self.last_scan = 0.0

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.stopping.set()
        # A post in flight ends within the robot's timeout.
        self.thread.join(timeout=self.policy.timeout_s + 5)

    def run(self) -> None:
        while not self.stopping.wait(self.interval_s):
            try:
                self.tick()
            except Exception:  # a bad tick must not end the thread; the next one tries again
                log.exception("sending notifications failed")

    def tick(self) -> None:
        if time.monotonic() - self.last_scan >= OVERDUE_SCAN_S:
            with self.engine.begin() as conn:
                # Never wait on a case another request is changing: the next scan gets it.
                conn.execute(text("SET LOCAL lock_timeout = '1s'"))
                queued = enqueue_overdue(conn)
            self.last_scan = time.monotonic()
            if queued:
                log.info("queued %d overdue notifications", queued)
        report = send_due(self.engine, self.policy)
        if report.failed:
            log.warning("%d notifications failed for good (see GET /api/notifications)", report.failed)
