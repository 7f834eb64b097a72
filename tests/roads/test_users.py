import pytest
from sqlalchemy import text

from roads.demo.users import create_demo_users
from roads.errors import Conflict, InvalidInput
from roads.users import add_user
from tests.helpers import PASSWORD, first_area


def test_login_gives_a_token_that_identifies_the_user(client, conn):
    add_user(conn, "zhang", PASSWORD, "district_admin", display_name="张")
    response = client.post("/api/auth/login", json={"username": "zhang", "password": PASSWORD})
    assert response.status_code == 200
    token = response.json()["token"]
    me = client.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert me.json()["username"] == "zhang" and me.json()["role"] == "district_admin"


def test_passwords_are_stored_as_argon2id_hashes(conn):
    add_user(conn, "li", PASSWORD, "viewer")
    stored = conn.execute(text("SELECT password_hash FROM app_user WHERE username = 'li'")).scalar()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored


def test_wrong_password_and_unknown_user_get_the_same_401(client, conn):
    add_user(conn, "wang", PASSWORD, "viewer")
    wrong = client.post("/api/auth/login", json={"username": "wang", "password": "nope-nope"})
    unknown = client.post("/api/auth/login", json={"username": "nobody", "password": PASSWORD})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["error"] == unknown.json()["error"]


def test_a_forged_token_is_refused(client):
    response = client.get("/api/auth/me", headers={"Authorization": "Bearer forged"})
    assert response.status_code == 401


def test_logout_ends_the_token(client, conn):
    add_user(conn, "zhao", PASSWORD, "viewer")
    token = client.post("/api/auth/login", json={"username": "zhao", "password": PASSWORD}).json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    client.post("/api/auth/logout", headers=headers)
    assert client.get("/api/auth/me", headers=headers).status_code == 401


def test_roles_need_their_area_and_names_are_unique(conn):
    with pytest.raises(InvalidInput, match="sub-district"):
        add_user(conn, "sd", PASSWORD, "sub_district_admin")
    with pytest.raises(InvalidInput, match="role"):
        add_user(conn, "x", PASSWORD, "superuser")
    add_user(conn, "dup", PASSWORD, "viewer")
    with pytest.raises(Conflict):
        add_user(conn, "dup", PASSWORD, "viewer")


def test_a_community_admin_gets_its_community_sub_district(conn):
    area = first_area(conn)
    user = add_user(conn, "c1", PASSWORD, "community_admin", community_id=area.community_id)
    assert user.sub_district_id == area.sub_district_id


def test_demo_users_one_per_role_created_once_and_can_sign_in(client, conn):
    conn.execute(text("DELETE FROM app_user"))
    created = create_demo_users(conn)
    assert sorted(u["role"] for u in created) == sorted(
        ["district_admin", "sub_district_admin", "community_admin", "viewer"])
    for user in created:
        response = client.post("/api/auth/login", json={"username": user["username"], "password": user["password"]})
        assert response.status_code == 200
    assert create_demo_users(conn) == []


def test_cli_user_add_and_demo(engine, cluster, monkeypatch):
    from typer.testing import CliRunner

    from gis_service.cli import app
    from roads.users import login

    monkeypatch.setenv("DATABASE_URL", cluster.url())
    runner = CliRunner()
    try:
        added = runner.invoke(app, ["user", "add", "cli_viewer", "--role", "viewer", "--password", PASSWORD])
        assert added.exit_code == 0, added.output
        with engine.begin() as conn:
            assert login(conn, "cli_viewer", PASSWORD)[1].role == "viewer"
        again = runner.invoke(app, ["user", "demo"])
        assert again.exit_code == 0 and "users already exist" in again.output
        bad = runner.invoke(app, ["user", "add", "x", "--role", "king", "--password", PASSWORD])
        assert bad.exit_code == 1 and "unknown role" in bad.output
    finally:
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM app_user WHERE username = 'cli_viewer'"))
