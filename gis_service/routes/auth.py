"""Sign-in: POST /api/auth/login gives a bearer token; /me and /logout use it."""

import threading
from collections.abc import Iterator
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel

from gis_service.auth import OptionalUser, bearer_token, token_idle
from gis_service.db import Conn
from roads import users
from roads.errors import Unauthorized

router = APIRouter(prefix="/api/auth", tags=["auth"])

# argon2id takes 64 MiB and a core per check: two sign-ins at a time per process, the others wait
# their turn. The slot is taken before the database connection, so waiting sign-ins hold none.
hashing_slots = threading.BoundedSemaphore(2)


def hashing_slot() -> Iterator[None]:
    with hashing_slots:
        yield


HashingSlot = Annotated[None, Depends(hashing_slot, scope="function")]


class LoginIn(BaseModel):
    username: str
    password: str


@router.post("/login")
def login(body: LoginIn, request: Request, _slot: HashingSlot, conn: Conn) -> dict:
    client = request.client.host if request.client else "unknown"
    token, user = users.login(conn, body.username, body.password, client, token_idle(request))
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
