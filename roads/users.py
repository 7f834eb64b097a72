"""Users, roles and their jurisdictions, password hashes (argon2id) and API tokens."""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, text
from sqlalchemy.exc import IntegrityError

from roads import login_throttle
from roads.errors import Conflict, Forbidden, InvalidInput, Unauthorized

ROLES = ("district_admin", "sub_district_admin", "community_admin", "viewer",
         "inspector", "operator", "dispatcher", "unit_user", "leader")
ROLE_LABELS = {"district_admin": "区级管理员", "sub_district_admin": "办事处管理员",
               "community_admin": "社区管理员", "viewer": "只读用户",
               "inspector": "监督员", "operator": "受理员（值班长）", "dispatcher": "派遣员",
               "unit_user": "处置单位用户", "leader": "领导"}
READ_ONLY_ROLES = ("viewer", "leader")
TOKEN_LIFETIME = timedelta(days=7)
TOKEN_IDLE = timedelta(minutes=120)
hasher = PasswordHasher()


def hash_password(password: str) -> str:
    return hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@cache
def dummy_hash() -> str:
    """What an unknown user's password is checked against, so that it takes as long as a real one."""
    return hasher.hash(secrets.token_urlsafe(16))


@dataclass(frozen=True)
class User:
    id: int
    username: str
    role: str
    sub_district_id: int | None = None
    community_id: int | None = None
    display_name: str = ""
    unit_id: int | None = None

    @property
    def can_write(self) -> bool:
        return self.role not in READ_ONLY_ROLES

    def public(self) -> dict:
        return {"id": self.id, "username": self.username, "role": self.role,
                "role_label": ROLE_LABELS[self.role], "display_name": self.display_name,
                "sub_district_id": self.sub_district_id, "community_id": self.community_id,
                "unit_id": self.unit_id}


def token_digest(token: str) -> str:
    # Tokens are long random strings, so a fast hash is enough; the raw token is never stored.
    return hashlib.sha256(token.encode()).hexdigest()


def add_user(conn: Connection, username: str, password: str, role: str,
             sub_district_id: int | None = None, community_id: int | None = None,
             display_name: str = "", unit_id: int | None = None) -> User:
    """Create a user; a community-scoped user's sub-district is its community's; a unit user
    works for one unit (`unit_id`)."""
    if role not in ROLES:
        raise InvalidInput(f"unknown role {role!r}; one of {', '.join(ROLES)}",
                           f"未知的角色 {role!r}；可选：{'、'.join(ROLES)}")
    if len(password) < 8:
        raise InvalidInput("the password must have at least 8 characters",
                           "密码至少须有 8 个字符")
    if not username.strip():
        raise InvalidInput("the username must not be empty",
                           "用户名不能为空")
    if community_id is not None:
        sub_district_id = conn.execute(text("SELECT sub_district_id FROM public.community WHERE id = :c"),
                                       {"c": community_id}).scalar()
        if sub_district_id is None:
            raise InvalidInput(f"community {community_id} does not exist",
                               f"未找到编号为 {community_id} 的社区")
    try:
        with conn.begin_nested():
            user_id = conn.execute(text("""
                INSERT INTO public.app_user (username, display_name, password_hash, role, sub_district_id,
                                             community_id, unit_id)
                VALUES (:u, :d, :h, :r, :sd, :c, :unit) RETURNING id
            """), {"u": username.strip(), "d": display_name, "h": hash_password(password), "r": role,
                   "sd": sub_district_id, "c": community_id, "unit": unit_id}).scalar_one()
    except IntegrityError as exc:
        name = exc.orig.diag.constraint_name
        if name == "uq_app_user_username":
            raise Conflict(f"user {username!r} already exists",
                           f"用户 {username} 已存在") from exc
        if name == "ck_app_user_jurisdiction":
            raise InvalidInput(f"role {role} needs its "
                               + ("sub-district" if role == "sub_district_admin" else "community"),
                               "办事处管理员须指定所属办事处" if role == "sub_district_admin"
                               else "社区管理员须指定所属社区") from exc
        if name == "ck_app_user_unit":
            raise InvalidInput("a unit user (unit_user) needs its unit_id, and only a unit user has one",
                               "处置单位用户须指定所属处置单位，其他角色不能指定") from exc
        if name == "fk_app_user_unit":
            raise InvalidInput(f"unit {unit_id} does not exist", f"未找到编号为 {unit_id} 的处置单位") from exc
        if name in {"fk_app_user_sub_district", "fk_app_user_community"}:
            raise InvalidInput("that sub-district or community does not exist",
                               "所填的办事处或社区不存在") from exc
        raise
    return User(user_id, username.strip(), role, sub_district_id, community_id, display_name, unit_id)


def user_count(conn: Connection) -> int:
    return conn.execute(text("SELECT count(*) FROM public.app_user")).scalar_one()


def login(conn: Connection, username: str, password: str, client: str = "local",
          idle: timedelta = TOKEN_IDLE) -> tuple[str, User]:
    """Check the password and issue a new token; the same message for any failure.

    Refused with 429 while the account or the `client` address is locked (roads/login_throttle)."""
    login_throttle.check_not_locked(conn, username, client)
    row = conn.execute(text("""
        SELECT id, username, role, sub_district_id, community_id, display_name, password_hash, unit_id
        FROM public.app_user WHERE username = :u AND active
    """), {"u": username}).first()
    # An unknown user costs one argon2 check too: the answer's timing must not tell who exists.
    matches = verify_password(row.password_hash if row else dummy_hash(), password)
    if row is None or not matches:
        login_throttle.record_failure(conn.engine, username, client)
        raise Unauthorized("wrong username or password", "用户名或密码错误")
    if hasher.check_needs_rehash(row.password_hash):
        conn.execute(text("UPDATE public.app_user SET password_hash = :h WHERE id = :id"),
                     {"h": hash_password(password), "id": row.id})
    purge_expired_tokens(conn, idle)
    token = secrets.token_urlsafe(32)
    conn.execute(text("""
        INSERT INTO public.api_token (token_hash, user_id, expires_at) VALUES (:t, :u, now() + :life)
    """), {"t": token_digest(token), "u": row.id, "life": TOKEN_LIFETIME})
    return token, User(row.id, row.username, row.role, row.sub_district_id, row.community_id,
                       row.display_name, row.unit_id)


def purge_expired_tokens(conn: Connection, idle: timedelta) -> None:
    conn.execute(text("DELETE FROM public.api_token WHERE expires_at <= now() OR last_used_at <= now() - :idle"),
                 {"idle": idle})


def user_for_token(conn: Connection, token: str, idle: timedelta = TOKEN_IDLE) -> User:
    """The token's user; a token unused for `idle` has expired like one past its 7 days."""
    row = conn.execute(text("""
        SELECT u.id, u.username, u.role, u.sub_district_id, u.community_id, u.display_name,
               u.unit_id, t.last_used_at < now() - interval '1 minute' AS stale
        FROM public.api_token t JOIN public.app_user u ON u.id = t.user_id
        WHERE t.token_hash = :t AND t.expires_at > now() AND t.last_used_at > now() - :idle
          AND u.active
    """), {"t": token_digest(token), "idle": idle}).first()
    if row is None:
        raise Unauthorized("the token is unknown or expired; sign in again",
                           "登录已失效，请重新登录")
    if row.stale:  # at most one write a minute per token, not one per request
        conn.execute(text("UPDATE public.api_token SET last_used_at = now() WHERE token_hash = :t"),
                     {"t": token_digest(token)})
    return User(*row[:7])


def logout(conn: Connection, token: str) -> None:
    conn.execute(text("DELETE FROM public.api_token WHERE token_hash = :t"), {"t": token_digest(token)})


def require_writer(user: User | None) -> User:
    if user is None:
        raise Unauthorized("sign in first: this change needs a user with a write role",
                           "请先登录：此项修改需要有编辑权限的账号")
    if not user.can_write:
        raise Forbidden(f"user {user.username} may only read (role {user.role})",
                        f"用户 {user.username} 为只读账号，不能修改数据")
    return user


def require_district_admin(user: User | None) -> User:
    """District-wide writes (imports of boundaries, roads or issue files) are the district admin's."""
    user = require_writer(user)
    if user.role != "district_admin":
        raise Forbidden(f"user {user.username} may not do this: it needs the district admin role",
                        f"用户 {user.username} 无权进行此操作：需要区级管理员权限")
    return user


def check_segment_write(user: User | None, tier: int, community_id: int | None,
                        sub_district_id: int | None, segment_id: int) -> None:
    """Raise unless `user` may change the chief of this segment at this tier."""
    user = require_writer(user)
    if user.role == "district_admin":
        return
    if user.role == "sub_district_admin" and sub_district_id == user.sub_district_id:
        return
    if user.role == "community_admin" and tier == 3 and community_id == user.community_id:
        return
    if user.role == "community_admin" and tier != 3:
        raise Forbidden(f"user {user.username} (community admin) may only change tier-3 chiefs",
                        f"用户 {user.username}（社区管理员）只能调整三级路长")
    raise Forbidden(f"segment {segment_id} is outside the jurisdiction of user {user.username}",
                    f"路段 {segment_id} 不在您的管辖范围内，未做任何修改")


def check_chief_write(user: User | None, community_id: int | None, sub_district_id: int | None) -> None:
    """Raise unless `user` may create or edit a chief with this home community / sub-district."""
    user = require_writer(user)
    if user.role == "district_admin":
        return
    if user.role == "sub_district_admin" and sub_district_id == user.sub_district_id:
        return
    if user.role == "community_admin" and community_id is not None and community_id == user.community_id:
        return
    raise Forbidden(f"that chief is outside the jurisdiction of user {user.username}",
                    "该路长不在您的管辖范围内，未做任何修改")


def in_case_scope(user: User, community_id: int | None, sub_district_id: int | None,
                  unit_id: int | None) -> bool:
    """Whether a case lies within the user's jurisdiction: admins their area, inspectors,
    operators and dispatchers their area (none: the whole district), a unit user the cases
    dispatched to their unit."""
    if user.role in ("district_admin", "leader", "viewer"):
        return True
    if user.role == "unit_user":
        return unit_id is not None and unit_id == user.unit_id
    if user.community_id is not None:
        return community_id is not None and community_id == user.community_id
    if user.sub_district_id is not None:
        return sub_district_id is not None and sub_district_id == user.sub_district_id
    return user.role not in ("sub_district_admin", "community_admin")


def check_issue_write(user: User | None, issue_id: int, community_id: int | None,
                      sub_district_id: int | None, unit_id: int | None = None) -> User:
    """Raise unless `user` may act on (or confirm) this issue: within their jurisdiction
    (in_case_scope)."""
    user = require_writer(user)
    if in_case_scope(user, community_id, sub_district_id, unit_id):
        return user
    raise Forbidden(f"issue {issue_id} is outside the jurisdiction of user {user.username}",
                    f"问题 {issue_id} 不在您的管辖范围内，未做任何修改")
