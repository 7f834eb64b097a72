"""Coverage and patrol figures kept between writes (roads/answer_cache.py): the same answer again
without recomputing it, and a committed write through another connection seen by the next call."""

from sqlalchemy import text

from roads.answer_cache import ANSWERS
from roads.coverage import coverage
from roads.issues.window import parse_week

WEEK = parse_week("2026-W47")


def tier3_party_chiefs(conn) -> int:
    return coverage(conn, "district", patrol_window=WEEK)["units"][0]["tier3_party_chiefs"]


def test_a_kept_answer_is_given_again_until_a_committed_write(engine):
    ANSWERS.clear()
    with engine.connect() as reader:
        first = coverage(reader, "community", patrol_window=WEEK)
        reader.rollback()
        assert len(ANSWERS) == 2  # the segments' figures and the patrol rates, every table counted
        misses = ANSWERS.misses
        again = coverage(reader, "community", patrol_window=WEEK)
        reader.rollback()
        assert again == first and ANSWERS.misses == misses  # nothing computed twice
        again["units"][0]["name"] = "改过"  # a caller's change does not reach the kept answer
        assert coverage(reader, "community", patrol_window=WEEK) == first
        reader.rollback()

        before = tier3_party_chiefs(reader)
        reader.rollback()
        chief = reader.execute(text("""
            SELECT a.chief_id FROM segment_assignment AS a JOIN chief AS c ON c.id = a.chief_id
            WHERE a.tier = 3 AND a.valid_to IS NULL AND c.is_party_member ORDER BY a.chief_id LIMIT 1
        """)).scalar_one()
        reader.rollback()
        try:
            with engine.begin() as writer:
                writer.execute(text("UPDATE chief SET is_party_member = false WHERE id = :id"), {"id": chief})
            assert tier3_party_chiefs(reader) == before - 1  # the write is seen at once
            reader.rollback()
        finally:
            with engine.begin() as writer:
                writer.execute(text("UPDATE chief SET is_party_member = true WHERE id = :id"), {"id": chief})
        assert tier3_party_chiefs(reader) == before
        reader.rollback()


def test_a_holiday_added_changes_the_patrols_due(engine):
    """work_calendar is counted too: a day made a holiday is no daily period due."""
    day = WEEK.start.date()
    with engine.connect() as reader:
        due = coverage(reader, "district", patrol_window=WEEK)["units"][0]["patrol"]["due"]
        original = reader.execute(text("SELECT is_workday, name FROM work_calendar WHERE day = :day"),
                                  {"day": day}).first()
        reader.rollback()
        assert original is None or original.is_workday  # the demo's Monday of W47 is a working day
        try:
            with engine.begin() as writer:
                writer.execute(text("""
                    INSERT INTO work_calendar (day, is_workday, name) VALUES (:day, false, '测试')
                    ON CONFLICT (day) DO UPDATE SET is_workday = false, name = '测试'
                """), {"day": day})
            assert coverage(reader, "district", patrol_window=WEEK)["units"][0]["patrol"]["due"] < due
            reader.rollback()
        finally:
            with engine.begin() as writer:
                writer.execute(text("DELETE FROM work_calendar WHERE day = :day"), {"day": day})
                if original is not None:
                    writer.execute(text("INSERT INTO work_calendar (day, is_workday, name) VALUES (:day, :w, :n)"),
                                   {"day": day, "w": original.is_workday, "n": original.name})
        assert coverage(reader, "district", patrol_window=WEEK)["units"][0]["patrol"]["due"] == due
        reader.rollback()


def test_nothing_is_kept_from_a_transaction_that_wrote(conn):
    ANSWERS.clear()
    conn.execute(text("UPDATE chief SET name = name WHERE id = (SELECT min(id) FROM chief)"))
    coverage(conn, "district", patrol_window=WEEK)
    coverage(conn, "district", patrol_window=WEEK)
    assert len(ANSWERS) == 0


def test_rankings_of_an_ended_week_are_kept_and_a_renamed_community_is_seen(engine):
    from maps import rankings
    from roads.patrols.rates import this_week

    ANSWERS.clear()
    with engine.connect() as reader:
        first = rankings.area_rankings(reader, "community", WEEK, None)
        reader.rollback()
        misses = ANSWERS.misses
        assert rankings.area_rankings(reader, "community", WEEK, None) == first and ANSWERS.misses == misses
        reader.rollback()
        community = first[0]["area_id"]
        try:
            with engine.begin() as writer:
                writer.execute(text("UPDATE community SET name = name || '（新）' WHERE id = :id"), {"id": community})
            renamed = {r["area_id"]: r["area_name"] for r in rankings.area_rankings(reader, "community", WEEK, None)}
            assert renamed[community] == first[0]["area_name"] + "（新）"
            reader.rollback()
        finally:
            with engine.begin() as writer:
                writer.execute(text("UPDATE community SET name = left(name, -3) WHERE id = :id"), {"id": community})

        ANSWERS.clear()
        rankings.area_rankings(reader, "community", this_week(), None)  # overdue counts move with the clock
        reader.rollback()
        assert len(ANSWERS) == 0


def test_the_exports_network_is_kept_and_a_renamed_road_is_drawn_with_its_new_name(engine):
    from maps import query
    from roads.issues.filter import IssueFilter

    flt = IssueFilter(WEEK)
    ANSWERS.clear()
    with engine.connect() as reader:
        first = query.segments(reader, flt)
        reader.rollback()
        assert query.network(reader, flt.area) is query.network(reader, flt.area)  # read once, shared
        reader.rollback()
        road_id, name = reader.execute(text(
            "SELECT r.id, r.name FROM road AS r JOIN road_segment AS s ON s.road_id = r.id ORDER BY r.id LIMIT 1"
        )).one()
        reader.rollback()
        try:
            with engine.begin() as writer:
                writer.execute(text("UPDATE road SET name = '改名路' WHERE id = :id"), {"id": road_id})
            renamed = query.segments(reader, flt)
            reader.rollback()
            assert "改名路" in set(renamed["road_name"]) and "改名路" not in set(first["road_name"])
            assert renamed["issue_count"].tolist() == first["issue_count"].tolist()
        finally:
            with engine.begin() as writer:
                writer.execute(text("UPDATE road SET name = :name WHERE id = :id"), {"id": road_id, "name": name})
