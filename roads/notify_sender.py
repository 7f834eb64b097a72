"""Delivering the outbox (`notification`): post each pending row to its group robot, with retries.

Each row is claimed with FOR UPDATE SKIP LOCKED and posted while its transaction holds the lock,
so two senders (the service's workers, `roadchief notify send`) never post one row twice: the
second skips it and takes the next. A sender that dies mid-post rolls its claim back and the row
is tried again (at least once, never lost).

Outcomes: 2xx with errcode 0 (or no errcode) → sent. 429, 5xx, a timeout, a refused connection or a
2xx carrying a robot's error code (both robots answer 200 {"errcode": 45009, ...} when rate
limited) → retried after backoff × 2^(attempts − 1), until max_attempts, then failed. Any other
4xx → failed at once: the address is wrong and retrying will not mend it.
"""

import http.client
import json
import urllib.error
import urllib.request
from dataclasses import dataclass, field

from sqlalchemy import Connection, Engine, text

from roads.errors import InvalidInput
from roads.notifications import SITE, list_log, webhook_test_body
from roads.units import get_unit
from roads.users import require_district_admin

CLAIM = text("""
SELECT id, url, body, attempts
FROM public.notification
WHERE state = 'pending' AND next_try_at <= clock_timestamp()
ORDER BY next_try_at, id
LIMIT 1
FOR UPDATE SKIP LOCKED
""")
RECORD = text("""
UPDATE public.notification
SET attempts = attempts + 1, last_status = :status, last_error = :problem, state = :state,
    sent_at = CASE WHEN :state = 'sent' THEN clock_timestamp() END,
    next_try_at = clock_timestamp() + make_interval(secs => :delay)
WHERE id = :id
""")


@dataclass(frozen=True)
class Policy:
    max_attempts: int = 5
    backoff_s: float = 30.0
    timeout_s: float = 5.0
    public_url: str = ""


@dataclass(frozen=True)
class Outcome:
    state: str  # sent, pending (to be retried) or failed
    status: int | None  # the HTTP status, None when no answer came
    error: str | None


@dataclass
class SendReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    ids: list[int] = field(default_factory=list)


def with_site(body: dict, public_url: str) -> bytes:
    """The body as posted: links start at the service's public address."""
    return json.dumps(body, ensure_ascii=False).replace(SITE, public_url.rstrip("/")).encode()


def post(url: str, payload: bytes, timeout_s: float) -> tuple[int | None, str | None]:
    """POST the JSON; the HTTP status (None: no answer) and what went wrong, if anything."""
    try:
        request = urllib.request.Request(url, data=payload, method="POST",
                                         headers={"Content-Type": "application/json; charset=utf-8"})
        with urllib.request.urlopen(request, timeout=timeout_s) as response:  # noqa: S310 (http/https only)
            return response.status, robot_error(response.read(65536))
    except urllib.error.HTTPError as exc:
        return exc.code, f"HTTP {exc.code} {exc.reason}"
    except (urllib.error.URLError, TimeoutError, OSError, http.client.HTTPException) as exc:
        return None, f"no answer: {getattr(exc, 'reason', exc)}"[:500]
    except ValueError as exc:  # a malformed address (http.client.InvalidURL, a bad port ...)
        return None, f"bad address: {exc}"[:500]


def robot_error(answer: bytes) -> str | None:
    """A robot's refusal inside a 200: {"errcode": 93000, "errmsg": "invalid webhook url"}."""
    try:
        parsed = json.loads(answer or b"{}")
    except ValueError:
        return None
    if isinstance(parsed, dict) and parsed.get("errcode", 0) not in (0, None):
        return f"errcode {parsed['errcode']}: {parsed.get('errmsg', '')}"[:500]
    return None


def judge(status: int | None, error: str | None, attempts: int, policy: Policy) -> Outcome:
    """What becomes of the row after its `attempts`-th try."""
    if status is not None and 200 <= status < 300 and error is None:
        return Outcome("sent", status, None)
    permanent = status is not None and 400 <= status < 500 and status != 429
    if permanent or attempts >= policy.max_attempts:
        return Outcome("failed", status, error)
    return Outcome("pending", status, error)


def deliver(conn: Connection, row, policy: Policy) -> Outcome:
    status, error = post(row.url, with_site(row.body, policy.public_url), policy.timeout_s)
    outcome = judge(status, error, row.attempts + 1, policy)
    delay = policy.backoff_s * 2 ** row.attempts if outcome.state == "pending" else 0
    conn.execute(RECORD, {"id": row.id, "status": outcome.status, "problem": outcome.error,
                          "state": outcome.state, "delay": delay})
    return outcome


def send_due(engine: Engine, policy: Policy, limit: int = 100) -> SendReport:
    """Post up to `limit` rows that are due, one transaction each; what became of them."""
    report = SendReport()
    for _ in range(limit):
        with engine.begin() as conn:
            row = conn.execute(CLAIM).first()
            if row is None:
                break
            outcome = deliver(conn, row, policy)
        report.ids.append(row.id)
        if outcome.state == "sent":
            report.sent += 1
        elif outcome.state == "failed":
            report.failed += 1
        else:
            report.retried += 1
    return report


def send_now(conn: Connection, notification_id: int, policy: Policy) -> Outcome:
    """Post one row at once in the caller's transaction (the webhook test), then record it."""
    row = conn.execute(text("SELECT id, url, body, attempts FROM public.notification WHERE id = :id "
                            "FOR UPDATE"), {"id": notification_id}).one()
    return deliver(conn, row, Policy(1, 0, policy.timeout_s, policy.public_url))


def try_webhook(conn: Connection, user, unit_id: int, policy: Policy) -> dict:
    """Post a test message to the unit's group robot now (district admin); the log row it left."""
    require_district_admin(user)
    unit = get_unit(conn, unit_id)
    if not unit["webhook_url"]:
        raise InvalidInput(f"unit {unit_id} has no webhook_url", f"处置单位“{unit['name']}”未配置群机器人地址")
    notification_id = conn.execute(
        text("INSERT INTO public.notification (unit_id, event, url, body) "
             "VALUES (:u, 'test', :url, CAST(:body AS jsonb)) RETURNING id"),
        {"u": unit_id, "url": unit["webhook_url"],
         "body": json.dumps(webhook_test_body(unit["webhook_kind"], unit["name"]), ensure_ascii=False)},
    ).scalar_one()
    send_now(conn, notification_id, policy)
    return next(row for row in list_log(conn, limit=20) if row["id"] == notification_id)
