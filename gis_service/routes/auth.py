"""Sign-in: POST /api/auth/login gives a bearer token; /me and /logout use it."""

from fastapi import APIRouter, Request
from pydantic import BaseModel

from gis_service.auth import OptionalUser, bearer_token
from gis_service.db import Conn
from roads import users
from roads.errors import Unauthorized

router = APIRouter(prefix="/api/auth", tags=["auth"])


class LoginIn(BaseModel):
    username: str
    password: str


@router.post("/login")
def login(body: LoginIn, conn: Conn) -> dict:
    token, user = users.login(conn, body.username, body.password)
    return {"token": token, "token_type": "bearer", "user": user.public()}


@router.get("/me")
def me(user: OptionalUser) -> dict:
    if user is None:
        raise Unauthorized("not signed in",
                           "您尚未登录")
    return user.public()


@router.post("/logout")
def logout(request: Request, conn: Conn) -> dict:
    token = bearer_token(request)
    if token:
        users.logout(conn, token)
    return {"signed_out": True}
