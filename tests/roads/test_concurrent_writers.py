"""Many writers at once on a real uvicorn: only 200 and 409, a consistent history, a live health check.

The server owns its engine, built from the settings as in production (pool, lock_timeout), against
the test cluster; every change made here is undone afterwards."""

import random
import threading
import time

import httpx
import pytest
from sqlalchemy import text

from tests.gis_service.browser import serve
from tests.gis_service.browser import undo_writes as committed_writer

WRITER = "concurrency_http"
PASSWORD = "concurrency-http-password"
WRITERS = 50


def undo_writes(engine):
    """The committed writer of these races (tests.gis_service.browser.undo_writes)."""
    return committed_writer(engine, WRITER, PASSWORD, display_name="")


@pytest.fixture
def api(settings, engine):
    """(base URL, auth headers) of a real server on 127.0.0.1 with its own engine."""
    with undo_writes(engine) as headers, serve(settings, engine=None) as url:
        yield url, headers


def all_at_once(calls) -> list:
    """Run each call in its own thread, released together; their results in the same order."""
    results = [None] * len(calls)
    start = threading.Barrier(len(calls))

    def run(i):
        start.wait()
        results[i] = calls[i]()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def http_client(url) -> httpx.Client:
    # Made before the writers are released: building one costs the test process (and so the
    # server in it) tens of milliseconds of CPU, which would otherwise count as the server's time.
    return httpx.Client(base_url=url, timeout=30)


def put_chief(url, headers, segment_id, tier, chief_id):
    client = http_client(url)

    def call():
        with client:
            response = client.put(f"/api/segments/{segment_id}/chiefs/{tier}", json={"chief_id": chief_id},
                                  headers=headers)
        return response.status_code, response.json()
    return call


def contested_segment(engine, writers: int):
    """A segment held at tier 1, its holder, and `writers` other active chiefs (tier 1 takes anyone)."""
    with engine.connect() as conn:
        segment_id, holder = conn.execute(text("""
            SELECT segment_id, chief_id FROM segment_assignment
            WHERE tier = 1 AND valid_to IS NULL ORDER BY segment_id LIMIT 1""")).one()
        chiefs = conn.execute(text("SELECT id FROM chief WHERE active AND id <> :h ORDER BY id LIMIT :n"),
                              {"h": holder, "n": writers}).scalars().all()
    assert len(chiefs) == writers
    return segment_id, holder, chiefs


def periods(engine, segment_id, tier):
    with engine.connect() as conn:
        return conn.execute(text("""
            SELECT chief_id, valid_from, valid_to FROM segment_assignment
            WHERE segment_id = :s AND tier = :t ORDER BY valid_from, id"""), {"s": segment_id, "t": tier}).all()


def assert_history_follows_the_200s(engine, segment_id, tier, holder, results):
    ok = [body for status, body in results if status == 200 and body["action"] != "unchanged"]
    # Each winner replaced whoever held the segment just before it: follow that chain from the start.
    by_old = {body["old_chief_id"]: body["new_chief_id"] for body in ok}
    assert len(by_old) == len(ok)
    chain = [holder]
    while chain[-1] in by_old:
        chain.append(by_old.pop(chain[-1]))
    assert not by_old, "every 200 follows the one before it"
    rows = periods(engine, segment_id, tier)
    start = [r.chief_id for r in rows].index(holder, len(rows) - len(chain))
    recent = rows[start:]
    assert [r.chief_id for r in recent] == chain
    assert [r.valid_to is None for r in recent] == [False] * (len(chain) - 1) + [True]
    for closed, following in zip(recent, recent[1:], strict=False):
        assert closed.valid_to == following.valid_from
    assert all(r.valid_to is None or r.valid_to >= r.valid_from for r in rows)


def test_fifty_writers_on_one_segment_get_200_or_409_and_a_consistent_history(api, engine):
    url, headers = api
    segment_id, holder, chiefs = contested_segment(engine, WRITERS)
    results = all_at_once([put_chief(url, headers, segment_id, 1, chief) for chief in chiefs])

    statuses = [status for status, _ in results]
    assert set(statuses) <= {200, 409}, statuses
    assert statuses.count(200) >= 1
    for status, body in results:
        if status == 409:
            assert "holder" in body and body["error"]
    current = [r for r in periods(engine, segment_id, 1) if r.valid_to is None]
    assert len(current) == 1
    assert_history_follows_the_200s(engine, segment_id, 1, holder, results)


HOLD_S = 3.0


def test_health_answers_while_writers_queue_on_a_held_lock(api, engine):
    """One session holds the segment's lock for 3 s: every worker thread ends up waiting on it, and
    health still answers well before the lock is let go (a health check stuck behind it would take
    about 3 s; the first call's bound allows for a loaded machine)."""
    url, headers = api
    segment_id, holder, chiefs = contested_segment(engine, WRITERS)
    timings = []
    locked = threading.Event()

    def hold_the_lock():
        with engine.begin() as conn:
            conn.execute(text("SELECT 1 FROM road_segment WHERE id = :s FOR NO KEY UPDATE"), {"s": segment_id})
            locked.set()
            time.sleep(HOLD_S)
        return None, None

    client = http_client(url)

    def check_health():
        locked.wait(5)
        with client:
            end = time.monotonic() + HOLD_S - 0.2
            while time.monotonic() < end:
                began = time.monotonic()
                response = client.get("/api/health")
                timings.append((response.status_code, time.monotonic() - began))
                time.sleep(0.1)
        return None, None

    writers = [put_chief(url, headers, segment_id, 1, chief) for chief in chiefs]
    results = all_at_once([hold_the_lock, check_health, *writers])[2:]

    assert len(timings) >= 5
    assert all(status == 200 for status, _ in timings)
    assert max(seconds for _, seconds in timings) < HOLD_S / 2, timings
    assert sorted(seconds for _, seconds in timings)[len(timings) // 2] < 0.2, timings  # most at once
    assert {status for status, _ in results} <= {200, 409}
    assert_history_follows_the_200s(engine, segment_id, 1, holder, results)


def test_ten_bulk_writers_with_overlapping_sets_get_no_5xx(api, engine):
    url, headers = api
    with engine.connect() as conn:
        segments = conn.execute(text("SELECT id FROM road_segment ORDER BY id LIMIT 8")).scalars().all()
        chiefs = conn.execute(text("SELECT id FROM chief WHERE active ORDER BY id DESC LIMIT 10")).scalars().all()
        version_sql = text("SELECT version FROM table_version WHERE table_name = 'segment_assignment'")
        version_before = conn.execute(version_sql).scalar()
    shuffle = random.Random(13)

    def bulk(chief_id):
        chosen = shuffle.sample(segments, 5)  # overlapping sets in different orders
        items = [{"segment_id": s, "tier": 1, "chief_id": chief_id} for s in chosen]

        client = http_client(url)

        def call():
            with client:
                response = client.post("/api/assignments", json={"items": items}, headers=headers)
            return response.status_code, response.json()
        return call

    results = all_at_once([bulk(chief) for chief in chiefs])

    statuses = [status for status, _ in results]
    assert set(statuses) <= {200, 409}, results
    assert statuses.count(200) >= 1
    for segment_id in segments:
        rows = periods(engine, segment_id, 1)
        assert sum(r.valid_to is None for r in rows) == 1
        assert all(r.valid_to is None or r.valid_to >= r.valid_from for r in rows)
    with engine.connect() as conn:
        assert conn.execute(version_sql).scalar() > version_before  # tiles will be rebuilt


def test_a_request_beyond_the_limit_waits_holding_nothing_then_gets_503(settings, engine):
    """One request slot, taken by a writer waiting on a held lock: the next is refused quickly."""
    tight = settings.model_copy(update={"worker_threads": 1, "queue_timeout_s": 0.3})
    segment_id, holder, chiefs = contested_segment(engine, 1)
    with undo_writes(engine) as headers, serve(tight, engine=None) as url, engine.connect() as lock:
        lock.begin()
        lock.execute(text("SELECT 1 FROM road_segment WHERE id = :s FOR NO KEY UPDATE"), {"s": segment_id})
        waiting = threading.Thread(target=put_chief(url, headers, segment_id, 1, chiefs[0]))
        waiting.start()
        time.sleep(0.3)  # the writer is in, waiting for the lock
        with http_client(url) as client:
            began = time.monotonic()
            refused = client.get(f"/api/segments/{segment_id}")
            refused_after = time.monotonic() - began
            health = client.get("/api/health")
        lock.rollback()
        waiting.join(timeout=10)
    assert refused.status_code == 503 and refused.headers["retry-after"] == "1"
    assert refused_after < 1.0
    assert health.status_code == 200
