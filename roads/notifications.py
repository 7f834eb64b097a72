"""Notifications to a unit's work group (企业微信 / 钉钉 group robots) through an outbox.

`enqueue` writes the message into `notification` in the caller's transaction, so a step that is
rolled back announces nothing and a committed one is never lost; `roads.notify_sender` posts the
rows later, with retries. The body is the JSON the robot takes, except that links start with
SITE, replaced by the service's public address when sent: the outbox does not depend on where
the service runs, and the domain reads no settings.
"""

import json
import re

from sqlalchemy import Connection, text

from roads.errors import InvalidInput

SITE = "{site}"
EVENTS = {"filed": "立案", "dispatched": "派遣", "overdue": "超期", "closed": "结案", "test": "测试"}
WEBHOOK_KINDS = {"wecom": "企业微信群机器人", "dingtalk": "钉钉群机器人"}
DESCRIPTION_CHARS = 200  # 企业微信 takes 4,096 bytes of markdown; the case page has the rest

# The unit a case's messages go to: the one it was dispatched to (issue.unit_id; old rows: the
# unit issue.department names),
# else the first dispatch suggestion (most specific area and category), while no one has it yet.
TARGET_UNIT = text("""
SELECT u.id, u.webhook_url, u.webhook_kind
FROM public.unit AS u
WHERE u.active AND u.webhook_url IS NOT NULL
  AND u.id = coalesce(
      (SELECT i.unit_id FROM public.issue AS i WHERE i.id = :id),
      (SELECT d.id FROM public.unit AS d JOIN public.issue AS i ON i.department = d.name
       WHERE i.id = :id),
      (SELECT s.unit_id FROM roadchief.suggest_units(:id) AS s LIMIT 1))
""")

CASE_FACTS = text("""
SELECT i.id, i.status, i.description, i.address, i.department, i.segment_id,
       cat.code AS category_code, cat.name AS category_name, r.name AS road_name,
       c.name AS community_name, sd.name AS sub_district_name,
       to_char(deadline.due_at AT TIME ZONE tz.zone, 'YYYY-MM-DD HH24:MI') AS due_local,
       to_char(i.updated_at AT TIME ZONE tz.zone, 'YYYY-MM-DD HH24:MI') AS updated_local,
       (SELECT min(ph.id) FROM public.issue_photo AS ph WHERE ph.issue_id = i.id) AS photo_id
FROM public.issue AS i
JOIN public.issue_category AS cat ON cat.code = i.category_code
CROSS JOIN (SELECT coalesce((SELECT timezone FROM public.district), 'Asia/Shanghai') AS zone) AS tz
LEFT JOIN LATERAL roadchief.handling_deadline(i.reported_at, i.category_code, i.due_override) AS deadline ON true
LEFT JOIN public.road_segment AS s ON s.id = i.segment_id
LEFT JOIN public.road AS r ON r.id = s.road_id
LEFT JOIN public.community AS c ON c.id = i.community_id
LEFT JOIN public.sub_district AS sd ON sd.id = c.sub_district_id
WHERE i.id = :id
""")

INSERT = text("""
INSERT INTO public.notification (issue_id, unit_id, event, url, body)
VALUES (:issue_id, :unit_id, :event, :url, CAST(:body AS jsonb))
ON CONFLICT (issue_id) WHERE event = 'overdue' DO NOTHING
RETURNING id
""")


def plain(value: str | None, limit: int = DESCRIPTION_CHARS) -> str:
    """User text as inert markdown: on one line (no headings or quotes of its own), with no link,
    emphasis or code syntax ("[x](http://evil)" stays text), and no <@all> mention or <font> tag."""
    flat = " ".join((value or "").split())
    if len(flat) > limit:
        flat = flat[:limit] + "…"
    flat = re.sub(r"([\\\[\]()*_`~#!|])", r"\\\1", flat)
    return flat.replace("<", "＜").replace(">", "＞")


def case_lines(facts, event: str) -> tuple[str, list[str]]:
    """The message's title and lines: category, place, segment and road, deadline, links."""
    title = f"【{EVENTS[event]}】{plain(facts.category_name, 40)}（{facts.category_code}）"
    place = "·".join(plain(p, 60) for p in (facts.sub_district_name, facts.community_name, facts.address) if p)
    segment = (f"{plain(facts.road_name, 60)}，路段 {facts.segment_id}" if facts.segment_id is not None
               else "未匹配到路段")
    lines = [f"案卷：{facts.id}", f"位置：{place or '未知'}", f"路段：{segment}"]
    if facts.description:
        lines.append(f"描述：{plain(facts.description)}")
    if facts.department:
        lines.append(f"承办单位：{plain(facts.department, 60)}")
    if event == "closed":
        lines.append(f"结案时间：{facts.updated_local}（北京时间）")
    else:
        lines.append(f"处置时限：{facts.due_local or '无'}（北京时间）")
    if facts.photo_id is not None:
        lines.append(f"[查看照片]({SITE}/api/issues/{facts.id}/photos/{facts.photo_id})")
    lines.append(f"[打开案卷]({SITE}/ledger.html#/issues/{facts.id})")
    return title, lines


def robot_body(kind: str, title: str, lines: list[str]) -> dict:
    """The JSON a 企业微信 or 钉钉 group robot takes for a markdown message."""
    if kind == "dingtalk":
        # 钉钉 shows `title` in the chat list only; its markdown needs blank lines between lines.
        return {"msgtype": "markdown",
                "markdown": {"title": title, "text": f"#### {title}\n\n" + "\n\n".join(lines)}}
    return {"msgtype": "markdown", "markdown": {"content": f"**{title}**\n" + "\n".join(lines)}}


def target_unit(conn: Connection, issue_id: int):
    return conn.execute(TARGET_UNIT, {"id": issue_id}).first()


def enqueue(conn: Connection, issue_id: int, event: str) -> int | None:
    """Queue the message announcing `event` ('filed', 'dispatched', 'overdue', 'closed') to the
    case's unit, in the caller's transaction; None when the unit has no webhook (or the case was
    announced overdue already)."""
    if event not in EVENTS or event == "test":
        raise ValueError(f"unknown notification event {event!r}")
    unit = target_unit(conn, issue_id)
    if unit is None:
        return None
    facts = conn.execute(CASE_FACTS, {"id": issue_id}).first()
    title, lines = case_lines(facts, event)
    body = robot_body(unit.webhook_kind, title, lines)
    return conn.execute(INSERT, {"issue_id": issue_id, "unit_id": unit.id, "event": event,
                                 "url": unit.webhook_url, "body": json.dumps(body, ensure_ascii=False)}
                        ).scalar()


# Open cases past their deadline within the last day, not yet announced: a webhook configured
# today does not flood its group with last year's backlog.
OVERDUE_CASES = text("""
SELECT i.id
FROM public.issue AS i
CROSS JOIN LATERAL roadchief.handling_deadline(i.reported_at, i.category_code, i.due_override) AS deadline
WHERE roadchief.clock_runs(i.status)
  AND i.reported_at > now() - interval '1 year'
  AND deadline.due_at <= now() AND deadline.due_at > now() - interval '1 day'
  AND NOT EXISTS (SELECT 1 FROM public.notification AS n
                  WHERE n.issue_id = i.id AND n.event = 'overdue')
ORDER BY i.id
""")


def enqueue_overdue(conn: Connection) -> int:
    """Queue one 'overdue' message per case that became overdue in the last day; how many."""
    queued = 0
    for issue_id in conn.execute(OVERDUE_CASES).scalars().all():
        queued += enqueue(conn, issue_id, "overdue") is not None
    return queued


def webhook_test_body(kind: str, unit_name: str) -> dict:
    return robot_body(kind, "【测试】路长制系统群机器人", [f"处置单位：{plain(unit_name, 60)}",
                                                  "收到此消息说明群机器人地址配置正确。"])


def check_webhook_kind(kind: str) -> None:
    if kind not in WEBHOOK_KINDS:
        raise InvalidInput(f"webhook_kind: one of {', '.join(WEBHOOK_KINDS)}, not {kind!r}",
                           f"群机器人类型须为{'、'.join(WEBHOOK_KINDS.values())}之一")


LOG = text("""
SELECT n.id, n.issue_id, n.unit_id, u.name AS unit_name, n.event, n.state, n.attempts,
       n.last_status, n.last_error, n.created_at, n.sent_at, n.next_try_at, n.body
FROM public.notification AS n JOIN public.unit AS u ON u.id = n.unit_id
WHERE (CAST(:state AS text) IS NULL OR n.state = :state)
  AND (CAST(:issue_id AS bigint) IS NULL OR n.issue_id = :issue_id)
ORDER BY n.created_at DESC, n.id DESC
LIMIT :limit OFFSET :offset
""")
STATES = {"pending": "待发送", "sent": "已发送", "failed": "发送失败"}


def list_log(conn: Connection, state: str | None = None, issue_id: int | None = None,
             limit: int = 100, offset: int = 0) -> list[dict]:
    """The outbox, newest first: what was sent, is waiting for a retry, or was given up."""
    if state is not None and state not in STATES:
        raise InvalidInput(f"state: one of {', '.join(STATES)}, not {state!r}",
                           f"发送状态须为{'、'.join(STATES.values())}之一")
    rows = conn.execute(LOG, {"state": state, "issue_id": issue_id, "limit": limit, "offset": offset})
    return [dict(r) | {"event_label": EVENTS[r.event], "state_label": STATES[r.state]}
            for r in rows.mappings()]
