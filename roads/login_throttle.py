"""Failed sign-ins and the lockout they lead to (等保 2.0 login-failure handling).

After 5 failures for one account, or 20 from one client address, within 15 minutes, every sign-in
for that account or from that address is refused, the right password too, until enough of those
failures have left the window. Failures live in the database so that every worker sees them.
"""

import logging
import math
from datetime import timedelta

from sqlalchemy import Connection, Engine, text

from roads.errors import TooManyRequests

log = logging.getLogger("roadchief")

WINDOW = timedelta(minutes=15)
ACCOUNT_LIMIT = 5
CLIENT_LIMIT = 20


class TooManyAttempts(TooManyRequests):
    """Sign-in refused while the account or the client address is locked."""


# The limit-th newest failure in the window: once it leaves the window, the count is under the limit.
SECONDS_LEFT = {
    column: text(f"""
        SELECT EXTRACT(EPOCH FROM (failed_at + :window - clock_timestamp()))
        FROM public.login_failure
        WHERE {column} = :value AND failed_at > clock_timestamp() - :window
        ORDER BY failed_at DESC
        OFFSET :limit - 1 LIMIT 1
    """)
    for column in ("username", "client")  # code constants, never input
}


def seconds_locked(conn: Connection, column: str, value: str, limit: int) -> int:
    left = conn.execute(SECONDS_LEFT[column], {"value": value, "window": WINDOW, "limit": limit}).scalar()
    return 0 if left is None or left <= 0 else max(1, math.ceil(left))


def check_not_locked(conn: Connection, username: str, client: str) -> None:
    """Raise TooManyAttempts while the account or the client address is locked."""
    wait = max(seconds_locked(conn, "username", username, ACCOUNT_LIMIT),
               seconds_locked(conn, "client", client, CLIENT_LIMIT))
    if wait:
        raise TooManyAttempts(f"too many failed sign-ins; try again in {wait} seconds",
                              f"登录失败次数过多，请在 {wait} 秒后重试", retry_after_s=wait)


def record_failure(engine: Engine, username: str, client: str) -> None:
    """Store a failure in its own transaction (the request's is rolled back with the 401); log a
    lockout when this failure is the one that starts it."""
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM public.login_failure WHERE failed_at < clock_timestamp() - :window"),
                     {"window": WINDOW})
        conn.execute(text("INSERT INTO public.login_failure (username, client) VALUES (:u, :c)"),
                     {"u": username, "c": client})
        counts = conn.execute(text("""
            SELECT count(*) FILTER (WHERE username = :u), count(*) FILTER (WHERE client = :c)
            FROM public.login_failure
            WHERE (username = :u OR client = :c) AND failed_at > clock_timestamp() - :window
        """), {"u": username, "c": client, "window": WINDOW}).one()
    if counts[0] == ACCOUNT_LIMIT:
        log.warning("sign-in locked for account %r after %d failures (last from %s)",
                    username, ACCOUNT_LIMIT, client)
    if counts[1] == CLIENT_LIMIT:
        log.warning("sign-in locked for client %s after %d failures", client, CLIENT_LIMIT)

