"""Sign-in: POST /api/auth/login gives a bearer token; /me and /logout use it."""

from fastapi import APIRouter, Request
from pydantic import BaseModel

from gis_service.auth import OptionalUser, bearer_token, token_idle
from gis_service.db import Conn
from roads import users
from roads.errors import Unauthorized

router = APIRouter(prefix="/api/auth", tags=["auth"])


class LoginIn(BaseModel):
    username: str
    password: str


@router.post("/login")
def login(body: LoginIn, request: Request, conn: Conn) -> dict:
    client = request.client.host if request.client else "unknown"
    token, user = users.login(conn, body.username, body.password, client, token_idle(request))
    return {"token": token, "token_type": "bearer", "user": user.public()}


@router.get("/me")
def me(user: OptionalUser) -> dict:
    if user is None:
        raise Unauthorized("not signed in")
    return user.public()


@router.post("/logout")
def logout(request: Request, conn: Conn) -> dict:
    token = bearer_token(request)
    if token:
        users.logout(conn, token)
    return {"signed_out": True}
