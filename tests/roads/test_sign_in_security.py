"""Sign-in hardening: no user enumeration by timing, lockout after repeated failures, bounded
hashing, WWW-Authenticate on 401, idle tokens expire and expired tokens are purged."""

import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
from argon2 import PasswordHasher, extract_parameters
from sqlalchemy import text

from gis_service.settings import Settings
from roads import users
from tests.gis_service.browser import serve
from tests.helpers import PASSWORD

LOGIN = "/api/auth/login"


class CountingHasher(PasswordHasher):
    """A real argon2 hasher that also counts its verifications and how many ran at once."""

    def __init__(self):
        super().__init__()
        self.verifications = 0
        self.running = 0
        self.most_at_once = 0
        self.lock = threading.Lock()

    def verify(self, hash, password):
        with self.lock:
            self.verifications += 1
            self.running += 1
            self.most_at_once = max(self.most_at_once, self.running)
        try:
            time.sleep(0.05)  # widen the window in which overlapping checks would be seen
            return super().verify(hash, password)
        finally:
            with self.lock:
                self.running -= 1


def sign_in(client, username, password=PASSWORD):
    return client.post(LOGIN, json={"username": username, "password": password})


def test_an_unknown_user_costs_one_password_check_like_a_real_one(client, conn, monkeypatch):
    """Structure, not a stopwatch (timings on a shared machine prove nothing): an unknown user is
    checked once, against a hash made with the same argon2 parameters as a real one."""
    users.add_user(conn, "known_user", PASSWORD, "viewer")
    counting = CountingHasher()
    monkeypatch.setattr(users, "hasher", counting)
    assert sign_in(client, "known_user", "wrong password").status_code == 401
    unknown_response = sign_in(client, "nobody_here", "wrong password")
    assert unknown_response.status_code == 401
    assert unknown_response.json()["error"] == "wrong username or password"
    assert counting.verifications == 2
    stored = conn.execute(text("SELECT password_hash FROM public.app_user WHERE username = 'known_user'")).scalar()
    assert extract_parameters(users.dummy_hash()) == extract_parameters(stored)


def test_five_failures_lock_the_account_even_for_the_right_password(client, conn, caplog):
    users.add_user(conn, "locked_user", PASSWORD, "viewer")
    with caplog.at_level(logging.WARNING, logger="roadchief"):
        for _ in range(5):
            assert sign_in(client, "locked_user", "wrong password").status_code == 401
    assert any("locked for account 'locked_user'" in r.getMessage() for r in caplog.records)
    refused = sign_in(client, "locked_user")
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 15 * 60
    # Once the failures are older than 15 minutes, the right password works again.
    assert sign_in_after_window(client, conn, "locked_user").status_code == 200


def sign_in_after_window(client, conn, username):
    # The failures were committed by their own transaction: age them the same way.
    with conn.engine.begin() as other:
        other.execute(text("UPDATE login_failure SET failed_at = failed_at - interval '16 minutes'"))
    return sign_in(client, username)


def test_twenty_failures_from_one_address_lock_every_account_from_it(client, conn):
    users.add_user(conn, "innocent_user", PASSWORD, "viewer")
    for number in range(20):
        assert sign_in(client, f"guess_{number % 4}", "wrong password").status_code == 401
    refused = sign_in(client, "innocent_user")
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0


def test_sign_ins_hash_two_at_a_time_and_the_others_wait(engine, cluster, monkeypatch):
    """Eight simultaneous sign-ins to a real server: all succeed, never more than two hash at once."""
    with engine.begin() as conn:
        users.add_user(conn, "crowd_user", PASSWORD, "viewer")
    counting = CountingHasher()
    monkeypatch.setattr(users, "hasher", counting)
    try:
        with serve(Settings(database_url=cluster.url()), engine) as url:
            with ThreadPoolExecutor(max_workers=8) as pool:
                statuses = list(pool.map(
                    lambda _: httpx.post(url + LOGIN, json={"username": "crowd_user", "password": PASSWORD},
                                         timeout=60).status_code, range(8)))
    finally:
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM app_user WHERE username = 'crowd_user'"))
    assert statuses == [200] * 8
    assert counting.verifications == 8 and counting.most_at_once == 2


def test_a_401_names_the_bearer_scheme(client):
    assert sign_in(client, "nobody_here", "x").headers["WWW-Authenticate"] == "Bearer"
    response = client.get("/api/auth/me", headers={"Authorization": "Bearer not-a-token"})
    assert response.status_code == 401 and response.headers["WWW-Authenticate"] == "Bearer"


def test_a_token_unused_for_the_idle_time_expires(client, conn):
    users.add_user(conn, "idle_user", PASSWORD, "viewer")
    token = sign_in(client, "idle_user").json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    # Used 100 minutes ago: still valid, and using it counts as activity.
    conn.execute(text("UPDATE api_token SET last_used_at = now() - interval '100 minutes'"))
    assert client.get("/api/auth/me", headers=headers).status_code == 200
    assert conn.execute(text("SELECT max(last_used_at) > now() - interval '1 minute' FROM api_token")).scalar()
    conn.execute(text("UPDATE api_token SET last_used_at = now() - interval '121 minutes'"))
    assert client.get("/api/auth/me", headers=headers).status_code == 401


def test_signing_in_purges_expired_and_idle_tokens(client, conn):
    user = users.add_user(conn, "purge_user", PASSWORD, "viewer")
    conn.execute(text("""
        INSERT INTO api_token (token_hash, user_id, expires_at, last_used_at) VALUES
            ('expired', :u, now() - interval '1 day', now()),
            ('idle', :u, now() + interval '1 day', now() - interval '3 hours'),
            ('live', :u, now() + interval '1 day', now())
    """), {"u": user.id})
    assert sign_in(client, "purge_user").status_code == 200
    left = set(conn.execute(text("SELECT token_hash FROM api_token WHERE user_id = :u"), {"u": user.id}).scalars())
    assert "expired" not in left and "idle" not in left and "live" in left
