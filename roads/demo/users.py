"""One demo user per role, with generated passwords (printed once, when they are created)."""

import secrets

from sqlalchemy import Connection, text

from roads.users import add_user, user_count


def create_demo_users(conn: Connection) -> list[dict]:
    """Create the four demo users when no user exists; returns them with their passwords, else []."""
    if user_count(conn) > 0:
        return []
    area = conn.execute(text("""
        SELECT sd.id AS sub_district_id, sd.name AS sub_district, c.id AS community_id, c.name AS community
        FROM public.sub_district sd JOIN public.community c ON c.sub_district_id = sd.id
        ORDER BY sd.id, c.id LIMIT 1
    """)).first()
    if area is None:
        return []
    plan = [
        ("admin", "district_admin", {}, "区级管理员"),
        ("banshichu", "sub_district_admin", {"sub_district_id": area.sub_district_id},
         f"{area.sub_district}管理员"),
        ("shequ", "community_admin", {"community_id": area.community_id}, f"{area.community}管理员"),
        ("viewer", "viewer", {}, "只读用户"),
    ]
    created = []
    for username, role, scope, display in plan:
        password = secrets.token_urlsafe(9)
        add_user(conn, username, password, role, display_name=display, **scope)
        created.append({"username": username, "role": role, "password": password, "scope": display})
    return created
