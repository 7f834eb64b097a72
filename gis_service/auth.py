"""The signed-in user from `Authorization: Bearer <token>`; None when no token is sent."""

from datetime import timedelta
from typing import Annotated

from fastapi import Depends, Request

from gis_service.db import Conn
from roads.users import User, user_for_token


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def current_user(request: Request, conn: Conn) -> User | None:
    """Reads need no user; a sent token must be valid (401 otherwise)."""
    token = bearer_token(request)
    if token is None:
        return None
    return user_for_token(conn, token, token_idle(request))


def token_idle(request: Request) -> timedelta:
    return timedelta(minutes=request.app.state.settings.token_idle_minutes)


OptionalUser = Annotated[User | None, Depends(current_user)]


def without_phones(chiefs: list[dict], user: User | None) -> list[dict]:
    """Chiefs' phone numbers are personal data: only signed-in users see them."""
    if user is not None:
        return chiefs
    return [chief if chief is None else {**chief, "phone": None} for chief in chiefs]
