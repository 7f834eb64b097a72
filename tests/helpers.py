"""Users and tokens made inside the test's rolled-back connection."""

import secrets
from functools import cache

from sqlalchemy import text

from roads.users import User, hash_password, token_digest

PASSWORD = "correct horse battery"


def first_area(conn):
    return conn.execute(text("""
        SELECT c.sub_district_id, c.id AS community_id FROM community c ORDER BY c.sub_district_id, c.id LIMIT 1
    """)).one()


def make_user(conn, username, role, **scope):
    """A user (password PASSWORD) and its bearer headers, without the two argon2 runs of
    add_user and login: tests of signing in call those themselves."""
    return quick_user(conn, username, role, **scope)


def role_headers(conn) -> dict[str, dict]:
    """Headers for one user per role: admin, sub (first sub-district), community (its first community), viewer."""
    area = first_area(conn)
    return {
        "admin": make_user(conn, "t_admin", "district_admin"),
        "sub": make_user(conn, "t_sub", "sub_district_admin", sub_district_id=area.sub_district_id),
        "community": make_user(conn, "t_comm", "community_admin", community_id=area.community_id),
        "viewer": make_user(conn, "t_view", "viewer"),
    }


def segment_in(conn, community_id=None, sub_district_id=None, outside_sub_district=None, tier=None, held=True):
    """A segment in (or outside) an area, optionally with (held) or without a chief at `tier`."""
    row = conn.execute(text("""
        SELECT sc.segment_id, sc.community_id, sc.sub_district_id FROM roadchief.segment_coverage sc
        WHERE (CAST(:c AS int) IS NULL OR sc.community_id = :c)
          AND (CAST(:sd AS int) IS NULL OR sc.sub_district_id = :sd)
          AND (CAST(:out AS int) IS NULL OR sc.sub_district_id <> :out)
          AND (CAST(:t AS int) IS NULL
               OR (CASE CAST(:t AS int) WHEN 1 THEN sc.tier1_chief_id WHEN 2 THEN sc.tier2_chief_id
                   ELSE sc.tier3_chief_id END IS NOT NULL) = CAST(:held AS boolean))
        ORDER BY sc.segment_id LIMIT 1
    """), {"c": community_id, "sd": sub_district_id, "out": outside_sub_district, "t": tier,
           "held": held}).one()
    return row


def eligible_chief(conn, segment_id, tier, exclude=None):
    return conn.execute(text("""
        SELECT ch.id FROM chief ch LEFT JOIN community c ON c.id = ch.community_id,
             road_segment s LEFT JOIN community sc ON sc.id = s.community_id
        WHERE s.id = :s AND ch.active AND ch.id IS DISTINCT FROM :x
          AND CASE :t WHEN 3 THEN ch.community_id = s.community_id
                      WHEN 2 THEN COALESCE(ch.sub_district_id, c.sub_district_id) = sc.sub_district_id
                      ELSE ch.community_id IS NULL END
          AND NOT EXISTS (SELECT 1 FROM segment_assignment a WHERE a.segment_id = s.id AND a.tier = :t
                          AND a.valid_to IS NULL AND a.chief_id = ch.id)
        ORDER BY ch.id LIMIT 1
    """), {"s": segment_id, "t": tier, "x": exclude}).scalar_one()


def current_holder(conn, segment_id, tier):
    return conn.execute(text(
        "SELECT chief_id FROM segment_assignment WHERE segment_id = :s AND tier = :t AND valid_to IS NULL"),
        {"s": segment_id, "t": tier}).scalar()


@cache
def password_hash() -> str:
    return hash_password(PASSWORD)


def quick_account(conn, username: str, role: str, display_name: str = "", sub_district_id=None,
                  community_id=None, unit_id=None) -> User:
    """A user (password PASSWORD) written straight to the table with a hash made once: the
    case-flow tests make hundreds, and an argon2 hash each would cost most of their time."""
    if community_id is not None:
        sub_district_id = conn.execute(text("SELECT sub_district_id FROM community WHERE id = :c"),
                                       {"c": community_id}).scalar_one()
    user_id = conn.execute(text("""
        INSERT INTO app_user (username, display_name, password_hash, role, sub_district_id,
                              community_id, unit_id)
        VALUES (:u, :d, :h, :r, :sd, :c, :unit) RETURNING id
    """), {"u": username, "d": display_name, "h": password_hash(), "r": role, "sd": sub_district_id,
           "c": community_id, "unit": unit_id}).scalar_one()
    return User(user_id, username, role, sub_district_id, community_id, display_name, unit_id)


def quick_user(conn, username: str, role: str, display_name: str = "", **scope) -> dict:
    """A quick_account and a bearer token written straight to the tables (login's argon2 check
    skipped): its request headers."""
    user = quick_account(conn, username, role, display_name, **scope)
    token = secrets.token_urlsafe(16)
    conn.execute(text("INSERT INTO api_token (token_hash, user_id, expires_at) "
                      "VALUES (:t, :u, now() + interval '1 hour')"),
                 {"t": token_digest(token), "u": user.id})
    return {"Authorization": f"Bearer {token}"}
