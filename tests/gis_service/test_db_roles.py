"""The service connects as roadchief_app, which reads and writes rows and nothing more; the CLI
and migrations connect as roadchief_owner."""

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.exc import ProgrammingError

from gis_service import migrate
from gis_service.db import make_engine
from gis_service.main import create_app
from gis_service.settings import Settings
from roads.issues.importer import may_skip_row_triggers
from roads.users import add_user

USER, PASSWORD = "t_roles_admin", "correct horse battery"


@pytest.fixture
def production_app(cluster, engine, tmp_path):
    """The app as `roadchief serve` makes it: no DATABASE_URL, the embedded cluster's own URL."""
    settings = Settings(database_url=None, data_dir=cluster.data_dir, pg_port=cluster.port,
                        photo_dir=tmp_path / "photos")
    with TestClient(create_app(settings)) as client:
        yield client


@pytest.fixture
def committed_admin(engine):
    with engine.begin() as conn:
        add_user(conn, USER, PASSWORD, "district_admin")
    try:
        yield USER
    finally:
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM issue WHERE reporter = :u"), {"u": USER})
            conn.execute(text("DELETE FROM app_user WHERE username = :u"), {"u": USER})


def test_the_service_connects_as_a_role_that_cannot_change_the_schema(production_app):
    service = production_app.app.state.engine
    with service.connect() as conn:
        who = conn.execute(text(
            "SELECT current_user, rolsuper, rolcreatedb, rolcreaterole FROM pg_roles "
            "WHERE rolname = current_user")).one()
        assert tuple(who) == ("roadchief_app", False, False, False)
        assert not may_skip_row_triggers(conn)
    for ddl in ("CREATE TABLE public.intruder (id int)", "CREATE TABLE roadchief.intruder (id int)",
                "DROP TABLE public.issue", "ALTER TABLE public.issue ADD COLUMN x int",
                "SET session_replication_role = replica"):
        with pytest.raises(ProgrammingError, match="permission denied|must be owner"):
            with service.begin() as conn:
                conn.exec_driver_sql(ddl)


def test_the_service_as_that_role_reads_and_writes(production_app, committed_admin):
    segments = production_app.get("/api/segments", params={"limit": 5})
    assert segments.status_code == 200, segments.text
    signed_in = production_app.post("/api/auth/login",
                                    json={"username": committed_admin, "password": PASSWORD})
    assert signed_in.status_code == 200, signed_in.text
    headers = {"Authorization": f"Bearer {signed_in.json()['token']}"}
    lon, lat = 113.7598, 34.7052
    created = production_app.post("/api/issues", headers=headers, data={
        "lon": lon, "lat": lat, "category": "T03.01", "description": "角色测试", "reporter": USER})
    assert created.status_code == 201, created.text
    issue_id = created.json()["id"]
    step = production_app.post(f"/api/issues/{issue_id}/events", headers=headers,
                               json={"status": "dispatched", "actor": USER, "department": "城管"})
    assert step.status_code == 201, step.text
    assert production_app.get(f"/api/issues/{issue_id}").json()["status"] == "dispatched"
    tile = production_app.get("/tiles/segments/14/13371/6561.mvt")
    assert tile.status_code in (200, 204), tile.text


def test_the_service_as_that_role_imports_issues_in_bulk(production_app, committed_admin, engine):
    """The bulk import as the least-privileged role: the ordinary write (no replica role), its
    own snapping session, the identity's sequence."""
    signed_in = production_app.post("/api/auth/login",
                                    json={"username": committed_admin, "password": PASSWORD})
    headers = {"Authorization": f"Bearer {signed_in.json()['token']}"}
    with engine.connect() as conn:
        near = conn.execute(text(  # 5 m off two segments' middles
            "SELECT ST_X(q.p) AS lon, ST_Y(q.p) AS lat FROM public.road_segment AS s, LATERAL "
            "(SELECT ST_Project(ST_LineInterpolatePoint(s.geom, 0.5)::geography, 5, 0)::geometry"
            " AS p) AS q ORDER BY s.id LIMIT 2")).all()
    body = "lon,lat,category,description,reporter\n" + "".join(
        f"{p.lon!r},{p.lat!r},T03.01,角色导入,{committed_admin}\n" for p in near)
    answer = production_app.post("/api/issues/import", headers=headers,
                                 files={"file": ("ledger.csv", body.encode(), "text/csv")})
    assert answer.status_code == 200, answer.text
    assert answer.json()["inserted"] == 2 and answer.json()["rejects"] == []
    with engine.connect() as conn:
        stored = conn.execute(text(
            "SELECT i.id, i.segment_id, i.snap_distance_m, n.segment_id AS single_segment, "
            "n.distance_m AS single_distance FROM public.issue AS i "
            "LEFT JOIN LATERAL roadchief.nearest_segments(i.geom, 50) AS n ON true "
            "WHERE i.reporter = :u AND i.description = '角色导入' ORDER BY i.id"),
            {"u": committed_admin}).all()
    assert len(stored) == 2 and all(r.segment_id is not None for r in stored)
    assert all((r.segment_id, r.snap_distance_m) == (r.single_segment, r.single_distance)
               for r in stored)


def test_migrations_run_as_the_owner_and_the_tables_are_its(engine):
    with engine.connect() as conn:
        assert conn.execute(text("SELECT current_user")).scalar() == "roadchief_owner"
        owners = conn.execute(text(
            "SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname IN ('public', 'roadchief') "
            "AND tablename <> 'spatial_ref_sys'")).scalars().all()
    assert owners == ["roadchief_owner"]
    migrate.upgrade(engine)  # re-runs the functions as the owner: CREATE OR REPLACE is allowed


def test_a_table_a_later_migration_adds_is_open_to_the_service(cluster, engine):
    app = make_engine(cluster.url("app"))
    try:
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE public.later_table (id serial PRIMARY KEY, note text)"))
        with app.begin() as conn:
            conn.execute(text("INSERT INTO public.later_table (note) VALUES ('新表')"))
            assert conn.execute(text("SELECT note FROM public.later_table")).scalar() == "新表"
    finally:
        app.dispose()
        with engine.begin() as conn:
            conn.execute(text("DROP TABLE public.later_table"))


def test_the_service_role_edits_the_work_calendar_and_the_clock_follows(production_app):
    """The clock of working intervals belongs to the owner; the app's edit refreshes it anyway."""
    service = production_app.app.state.engine
    with service.connect() as conn:
        friday_evening = "2026-11-06 17:00+08"
        before = conn.execute(text("SELECT roadchief.add_working_time(:s, 2, 'work_hour')"),
                              {"s": friday_evening}).scalar()
        conn.execute(text("INSERT INTO public.work_calendar (day, is_workday, name)"
                          " VALUES ('2026-11-09', false, '测试假日')"))
        after = conn.execute(text("SELECT roadchief.add_working_time(:s, 2, 'work_hour')"),
                             {"s": friday_evening}).scalar()
        conn.rollback()
    assert (after - before).days == 1  # Monday 9 Nov is off: due on Tuesday instead
