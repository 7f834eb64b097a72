import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError


def current_chief_and_spare(conn):
    segment_id, chief_id, community_id = conn.execute(text("""
        SELECT a.segment_id, a.chief_id, s.community_id FROM segment_assignment a
        JOIN road_segment s ON s.id = a.segment_id
        WHERE a.tier = 3 AND a.valid_to IS NULL ORDER BY a.segment_id LIMIT 1
    """)).one()
    other = conn.execute(text(
        "SELECT id FROM chief WHERE community_id = :c AND id <> :chief ORDER BY id LIMIT 1"),
        {"c": community_id, "chief": chief_id}).scalar_one()
    return segment_id, chief_id, other


def test_a_second_current_chief_at_the_same_tier_is_refused(conn):
    segment_id, _, other = current_chief_and_spare(conn)
    with pytest.raises(IntegrityError) as refused:
        with conn.begin_nested():
            conn.execute(text(
                "INSERT INTO segment_assignment (segment_id, tier, chief_id) VALUES (:s, 3, :c)"),
                {"s": segment_id, "c": other})
    assert refused.value.orig.diag.constraint_name in {
        "uq_segment_assignment_current", "ex_segment_assignment_one_chief"}


def test_reassignment_closes_the_old_row_and_keeps_history(conn):
    segment_id, old_chief, new_chief = current_chief_and_spare(conn)
    conn.execute(text(
        "UPDATE segment_assignment SET valid_to = now() WHERE segment_id = :s AND tier = 3 AND valid_to IS NULL"),
        {"s": segment_id})
    conn.execute(text("INSERT INTO segment_assignment (segment_id, tier, chief_id) VALUES (:s, 3, :c)"),
                 {"s": segment_id, "c": new_chief})
    history = conn.execute(text(
        "SELECT chief_id, valid_to IS NULL FROM segment_assignment "
        "WHERE segment_id = :s AND tier = 3 ORDER BY valid_from"),
        {"s": segment_id}).all()
    assert history[-2:] == [(old_chief, False), (new_chief, True)]


def test_overlapping_history_is_refused(conn):
    segment_id, _, other = current_chief_and_spare(conn)
    with pytest.raises(IntegrityError) as refused:
        with conn.begin_nested():
            conn.execute(text("""
                INSERT INTO segment_assignment (segment_id, tier, chief_id, valid_from, valid_to)
                VALUES (:s, 3, :c, now() - interval '10 days', now() - interval '1 day')
            """), {"s": segment_id, "c": other})
    assert refused.value.orig.diag.constraint_name == "ex_segment_assignment_one_chief"


def test_tier_must_be_one_two_or_three(conn):
    segment_id, chief_id, _ = current_chief_and_spare(conn)
    with pytest.raises(IntegrityError) as refused:
        with conn.begin_nested():
            conn.execute(text("INSERT INTO segment_assignment (segment_id, tier, chief_id) VALUES (:s, 4, :c)"),
                         {"s": segment_id, "c": chief_id})
    assert refused.value.orig.diag.constraint_name == "ck_segment_assignment_tier"
