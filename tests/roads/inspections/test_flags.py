"""The demonstration flag: earned by the K-th clean inspection in a row (K = 4 in the seed), not the
(K-1)-th; lost at once by a failed one, which restarts the run."""

from sqlalchemy import text

from tests.roads.inspections.conftest import inspect, weekly


def green(conn, site_id) -> bool:
    return conn.execute(text("SELECT is_green_demo FROM construction_site WHERE id = :id"),
                        {"id": site_id}).scalar_one()


def flags(conn, kind, target_id):
    return conn.execute(text("""
        SELECT since, until, earned_by, lost_by FROM demonstration_flag
        WHERE target_kind = :k AND target_id = :id ORDER BY since
    """), {"k": kind, "id": target_id}).all()


def test_flag_after_k_clean_inspections_not_k_minus_one(conn, admin, site):
    ids = [inspect(conn, admin, "site", site, weekly(i)) for i in range(3)]
    assert not green(conn, site)
    assert flags(conn, "site", site) == []
    fourth = inspect(conn, admin, "site", site, weekly(3))
    assert green(conn, site)
    [period] = flags(conn, "site", site)
    assert period.earned_by == fourth and period.since == weekly(3) and period.until is None
    assert ids  # three inspections before it


def test_failed_inspection_loses_the_flag_at_once_and_restarts_the_run(conn, admin, site):
    for i in range(4):
        inspect(conn, admin, "site", site, weekly(i))
    failed = inspect(conn, admin, "site", site, weekly(4), failed=("覆盖",))
    assert not green(conn, site)
    [period] = flags(conn, "site", site)
    assert period.lost_by == failed and period.until == weekly(4)
    for i in range(5, 8):
        inspect(conn, admin, "site", site, weekly(i))
    assert not green(conn, site), "three clean after the failure are not yet a run of four"
    inspect(conn, admin, "site", site, weekly(8))
    assert green(conn, site)
    assert len(flags(conn, "site", site)) == 2


def test_a_failure_in_the_middle_of_a_run_restarts_it(conn, admin, point):
    inspect(conn, admin, "point", point, weekly(0))
    inspect(conn, admin, "point", point, weekly(1))
    inspect(conn, admin, "point", point, weekly(2), failed=("用电安全",))
    inspect(conn, admin, "point", point, weekly(3))
    inspect(conn, admin, "point", point, weekly(4))
    inspect(conn, admin, "point", point, weekly(5))
    safety = conn.execute(text("SELECT is_safety_demo FROM resettlement_point WHERE id = :id"),
                          {"id": point}).scalar_one()
    assert not safety and flags(conn, "point", point) == []


def test_k_is_data(conn, admin, site):
    conn.execute(text("UPDATE inspection_checklist SET demo_after = 2 WHERE target_kind = 'site'"))
    inspect(conn, admin, "site", site, weekly(0))
    assert not green(conn, site)
    inspect(conn, admin, "site", site, weekly(1))
    assert green(conn, site)


def test_a_late_entered_failure_takes_its_place_in_the_run(conn, admin, site):
    for i in (0, 1, 3, 4):
        inspect(conn, admin, "site", site, weekly(i))
    assert green(conn, site)
    inspect(conn, admin, "site", site, weekly(2), failed=("冲洗",))  # entered late, from paper
    assert not green(conn, site)
