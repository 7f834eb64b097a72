"""Two over-limit samples entered at the same moment on one segment open one case: the second
waits on the segment's row lock and then joins the first's case."""

import threading

from sqlalchemy import text

from roads.dust.samples import NewSample, add_sample
from roads.users import User


def test_two_samples_at_once_open_one_case(engine):
    with engine.begin() as conn:
        segment_id = conn.execute(text("""
            SELECT s.id FROM road_segment s
            WHERE NOT EXISTS (SELECT 1 FROM dust_sample d WHERE d.segment_id = s.id)
            ORDER BY s.id DESC LIMIT 1""")).scalar_one()
        user_id = conn.execute(text("INSERT INTO app_user (username, password_hash, role) "
                                    "VALUES ('dust_race', 'x', 'inspector') RETURNING id")).scalar_one()
    inspector = User(user_id, "dust_race", "inspector")
    first = engine.connect()
    second = engine.connect()
    try:
        first.begin()
        add_sample(first, inspector, NewSample("carriageway", 30.0, segment_id), 50)
        result = {}

        def enter_second():
            second.begin()
            result["sample"] = add_sample(second, inspector, NewSample("carriageway", 40.0, segment_id), 50)
            second.commit()

        racer = threading.Thread(target=enter_second)
        racer.start()
        racer.join(timeout=1)
        assert racer.is_alive()  # waiting on the segment's lock
        first.commit()
        racer.join(timeout=20)
        assert not racer.is_alive()
        with engine.connect() as conn:
            cases = conn.execute(text("SELECT DISTINCT issue_id FROM dust_sample WHERE segment_id = :s"),
                                 {"s": segment_id}).scalars().all()
        assert len(cases) == 1 and cases[0] is not None and result["sample"]["issue_id"] == cases[0]
    finally:
        first.close()
        second.close()
        with engine.begin() as conn:
            cases = conn.execute(text("SELECT DISTINCT issue_id FROM dust_sample WHERE segment_id = :s"),
                                 {"s": segment_id}).scalars().all()
            conn.execute(text("DELETE FROM dust_sample WHERE segment_id = :s"), {"s": segment_id})
            conn.execute(text("DELETE FROM issue WHERE id = ANY(:c)"), {"c": [c for c in cases if c]})
            conn.execute(text("DELETE FROM app_user WHERE username = 'dust_race'"))
