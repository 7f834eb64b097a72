"""Two sessions assigning the same segment and tier at once, on real committed connections."""

import threading
import time

import pytest
from sqlalchemy import text

from gis_service.errors import status_for
from roads.assignments import assign_chief
from roads.errors import ChiefAlreadyAssigned
from roads.users import User

ALICE = User(0, "concurrency_a", "district_admin")
BOB = User(0, "concurrency_b", "district_admin")


@pytest.fixture
def contested(engine):
    """A tier-3 segment with its current chief and two other eligible chiefs; restored afterwards."""
    with engine.connect() as conn:
        seg, original, community = conn.execute(text("""
            SELECT a.segment_id, a.chief_id, s.community_id FROM segment_assignment a
            JOIN road_segment s ON s.id = a.segment_id
            WHERE a.tier = 3 AND a.valid_to IS NULL ORDER BY a.segment_id DESC LIMIT 1""")).one()
        first, second = conn.execute(text("""
            SELECT id FROM chief WHERE community_id = :c AND active AND id <> :o ORDER BY id LIMIT 2"""),
            {"c": community, "o": original}).scalars().all()
    yield seg, original, first, second
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM segment_assignment WHERE segment_id = :s AND tier = 3 "
                          "AND assigned_by IN ('concurrency_a', 'concurrency_b')"), {"s": seg})
        conn.execute(text("UPDATE segment_assignment SET valid_to = NULL, ended_by = NULL "
                          "WHERE segment_id = :s AND tier = 3 AND chief_id = :o "
                          "AND ended_by IN ('concurrency_a', 'concurrency_b')"), {"s": seg, "o": original})
        conn.execute(text("DELETE FROM assignment_audit WHERE username IN ('concurrency_a', 'concurrency_b')"))


def test_one_wins_the_other_gets_409_naming_the_holder(engine, contested):
    seg, original, first, second = contested
    outcome = {}
    with engine.connect() as alice, engine.connect() as bob:
        alice.begin()
        assign_chief(alice, ALICE, seg, 3, first, limit_m=1e9)  # holds the lock on the current row

        def bob_assigns():
            bob.begin()
            try:
                outcome["bob"] = assign_chief(bob, BOB, seg, 3, second, limit_m=1e9)
                bob.commit()
            except ChiefAlreadyAssigned as exc:
                outcome["bob"] = exc
                bob.rollback()

        racer = threading.Thread(target=bob_assigns)
        racer.start()
        time.sleep(0.5)
        assert racer.is_alive(), "bob should be waiting for alice's lock"
        alice.commit()
        racer.join(timeout=10)

    refused = outcome["bob"]
    assert isinstance(refused, ChiefAlreadyAssigned)
    assert status_for(refused) == 409 and refused.extra["holder"]["id"] == first
    with engine.connect() as conn:
        rows = conn.execute(text("""
            SELECT chief_id, valid_to IS NULL FROM segment_assignment
            WHERE segment_id = :s AND tier = 3 ORDER BY valid_from DESC, id DESC LIMIT 2"""), {"s": seg}).all()
        audits = conn.execute(text("SELECT username FROM assignment_audit WHERE segment_id = :s "
                                   "AND username LIKE 'concurrency%'"), {"s": seg}).scalars().all()
    assert rows == [(first, True), (original, False)]
    assert audits == ["concurrency_a"]


def test_the_api_returns_409_with_the_holder(client, conn, headers):
    """The same mapping through the API: a row inserted behind the service's back."""
    from tests.helpers import eligible_chief, segment_in

    seg = segment_in(conn, tier=3, held=False)
    taken = eligible_chief(conn, seg.segment_id, 3)
    from roads import assignments
    original = assignments.current_row

    def stale_current_row(c, segment_id, tier):  # what a session that read before the other commit sees
        row = original(c, segment_id, tier)
        c.execute(text("INSERT INTO segment_assignment (segment_id, tier, chief_id) VALUES (:s, 3, :c)"),
                  {"s": segment_id, "c": taken})
        return row

    assignments.current_row = stale_current_row
    try:
        other = eligible_chief(conn, seg.segment_id, 3, exclude=taken)
        response = client.put(f"/api/segments/{seg.segment_id}/chiefs/3", json={"chief_id": other},
                              headers=headers["admin"])
    finally:
        assignments.current_row = original
    assert response.status_code == 409
    assert response.json()["holder"]["id"] == taken and "held by" in response.json()["error"]
