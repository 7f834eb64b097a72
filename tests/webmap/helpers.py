"""Users and tokens made inside the test's rolled-back connection."""

from sqlalchemy import text

from roads.users import add_user, login

PASSWORD = "correct horse battery"


def first_area(conn):
    return conn.execute(text("""
        SELECT c.sub_district_id, c.id AS community_id FROM community c ORDER BY c.sub_district_id, c.id LIMIT 1
    """)).one()


def make_user(conn, username, role, **scope):
    add_user(conn, username, PASSWORD, role, **scope)
    token, _ = login(conn, username, PASSWORD)
    return {"Authorization": f"Bearer {token}"}


def role_headers(conn) -> dict[str, dict]:
    """Headers for one user per role: admin, sub (first sub-district), community (its first community), viewer."""
    area = first_area(conn)
    return {
        "admin": make_user(conn, "t_admin", "district_admin"),
        "sub": make_user(conn, "t_sub", "sub_district_admin", sub_district_id=area.sub_district_id),
        "community": make_user(conn, "t_comm", "community_admin", community_id=area.community_id),
        "viewer": make_user(conn, "t_view", "viewer"),
    }
