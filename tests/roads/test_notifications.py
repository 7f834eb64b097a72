"""Work-group notifications: what is queued with a case step, and its delivery to a real HTTP
server on 127.0.0.1 (sent, retried on 500, failed after N, never twice)."""

import json
import threading
import time

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from gis_service.main import create_app
from gis_service.pg_cluster import free_port
from roads import notifications
from roads.issues import workflow
from roads.notify_sender import Policy, send_due
from roads.users import user_for_token
from tests.helpers import quick_user
from tests.roads.robot_server import robot

LON, LAT = 113.7598, 34.7052  # the middle of the demo district
SITE_URL = "http://roadchief.example.cn:8000"
FAST = Policy(max_attempts=3, backoff_s=0, timeout_s=2, public_url=SITE_URL)


def new_issue(client, headers, description="路边堆放生活垃圾", category="T03.02") -> int:
    response = client.post("/api/issues", headers=headers,
                           data={"lon": LON, "lat": LAT, "category": category, "description": description})
    assert response.status_code == 201, response.text
    return response.json()["id"]


def act(client, headers, issue_id, action, **fields):
    response = client.post(f"/api/issues/{issue_id}/actions", headers=headers, json={"action": action, **fields})
    assert response.status_code == 201, response.text


def filed_issue(client, headers, **report) -> int:
    """A new issue taken to 立案 (filed anyway if it looks like a duplicate of a demo case)."""
    issue_id = new_issue(client, headers, **report)
    act(client, headers, issue_id, "file", force=True)
    return issue_id


def first_suggested_unit(conn, category="T03.02") -> int:
    """The unit a new issue at LON/LAT in `category` is announced to: its first dispatch suggestion."""
    probe = conn.begin_nested()
    probe_id = conn.execute(text("""
        INSERT INTO issue (geom, category_code, community_id, source)
        SELECT ST_SetSRID(ST_MakePoint(:x, :y), 4326), :cat, c.id, 'test' FROM community AS c
        WHERE ST_Intersects(c.geom, ST_SetSRID(ST_MakePoint(:x, :y), 4326)) RETURNING id
    """), {"x": LON, "y": LAT, "cat": category}).scalar_one()
    unit_id = conn.execute(text("SELECT unit_id FROM roadchief.suggest_units(:i) LIMIT 1"),
                           {"i": probe_id}).scalar_one()
    probe.rollback()
    return unit_id


def queued(conn, issue_id=None, unit_id=None) -> list:
    return conn.execute(text("""
        SELECT id, issue_id, unit_id, event, url, body, state, attempts FROM notification
        WHERE (CAST(:i AS int) IS NULL OR issue_id = :i) AND (CAST(:u AS int) IS NULL OR unit_id = :u)
        ORDER BY id"""), {"i": issue_id, "u": unit_id}).all()


@pytest.fixture
def settings(settings, tmp_path):
    """Photos go to the test's own folder."""
    return settings.model_copy(update={"photo_dir": tmp_path / "photos"})


@pytest.fixture
def hooked(client, conn, headers):
    """The unit new issues at LON/LAT are announced to, with a webhook (in the test's transaction)."""
    unit_id = first_suggested_unit(conn)
    response = client.patch(f"/api/units/{unit_id}", headers=headers["admin"],
                            json={"webhook_url": "http://127.0.0.1:9/robot?key=abc"})
    assert response.status_code == 200, response.text
    return unit_id


def test_filing_and_dispatching_a_case_queue_a_message_for_its_units_group(client, conn, headers, hooked):
    issue_id = new_issue(client, headers["admin"])
    assert queued(conn, issue_id) == []  # a report is announced once it is filed (立案), not before
    act(client, headers["admin"], issue_id, "file", force=True)
    other = conn.execute(text("SELECT min(id) FROM unit WHERE active AND id <> :u"), {"u": hooked}).scalar()
    act(client, headers["admin"], issue_id, "dispatch", unit_id=other)
    rows = queued(conn, issue_id)
    assert [r.event for r in rows] == ["filed"]  # the unit dispatched to has no webhook: its group hears nothing
    body = rows[0].body
    assert rows[0].unit_id == hooked and rows[0].url == "http://127.0.0.1:9/robot?key=abc"
    assert body["msgtype"] == "markdown"
    content = body["markdown"]["content"]
    assert content.startswith("**【立案】")
    for part in ("（T03.02）", f"案卷：{issue_id}", "位置：", "路段：", "处置时限：", "（北京时间）",
                 f"[打开案卷]({notifications.SITE}/ledger.html#/issues/{issue_id})"):
        assert part in content, part


def test_the_message_links_the_reports_photo(client, conn, headers, hooked):
    import io

    from PIL import Image

    png = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(png, format="PNG")
    response = client.post("/api/issues", headers=headers["admin"], files={"photos": ("a.png", png.getvalue())},
                           data={"lon": LON, "lat": LAT, "category": "T03.02"})
    assert response.status_code == 201, response.text
    photo_id = response.json()["photos"][0]["id"]
    act(client, headers["admin"], response.json()["id"], "file", force=True)
    content = queued(conn, response.json()["id"])[0].body["markdown"]["content"]
    assert f"[查看照片]({notifications.SITE}/api/issues/{response.json()['id']}/photos/{photo_id})" in content


def test_a_case_dispatched_to_a_unit_with_a_webhook_tells_that_units_group(client, conn, headers, hooked):
    issue_id = filed_issue(client, headers["admin"])
    name = conn.execute(text("SELECT name FROM unit WHERE id = :u"), {"u": hooked}).scalar()
    act(client, headers["admin"], issue_id, "dispatch", unit_id=hooked)
    for action in ("feedback", "verify", "close"):
        act(client, headers["admin"], issue_id, action)
    rows = queued(conn, issue_id)
    assert [r.event for r in rows] == ["filed", "dispatched", "closed"]
    assert all(r.unit_id == hooked and r.state == "pending" for r in rows)
    assert f"承办单位：{name}" in rows[1].body["markdown"]["content"]
    assert "结案时间：" in rows[2].body["markdown"]["content"]


def test_a_description_cannot_become_a_link_a_mention_or_a_heading(client, conn, headers, hooked):
    issue_id = filed_issue(client, headers["admin"], description="[点我](http://evil.example) <@all>\n# 大标题 **粗**")
    content = queued(conn, issue_id)[0].body["markdown"]["content"]
    line = next(line for line in content.split("\n") if line.startswith("描述："))
    assert line == r"描述：\[点我\]\(http://evil.example\) ＜@all＞ \# 大标题 \*\*粗\*\*"


def test_dingtalk_robots_get_their_own_json(client, conn, headers, hooked):
    client.patch(f"/api/units/{hooked}", headers=headers["admin"], json={"webhook_kind": "dingtalk"})
    issue_id = filed_issue(client, headers["admin"])
    body = queued(conn, issue_id)[0].body
    assert body["msgtype"] == "markdown" and set(body["markdown"]) == {"title", "text"}
    assert body["markdown"]["title"].startswith("【立案】") and "\n\n案卷：" in body["markdown"]["text"]


def test_no_webhook_no_message(client, conn, headers):
    conn.execute(text("UPDATE unit SET webhook_url = NULL"))
    issue_id = filed_issue(client, headers["admin"])
    assert queued(conn, issue_id) == []


def test_a_rolled_back_or_refused_step_queues_nothing(client, conn, headers, hooked):
    issue_id = new_issue(client, headers["admin"])
    before = len(queued(conn, issue_id))
    admin = user_for_token(conn, quick_user(conn, "notify_admin", "district_admin", "通知测试")
                           ["Authorization"].removeprefix("Bearer "))
    savepoint = conn.begin_nested()
    workflow.apply_action(conn, issue_id, workflow.Action("file", force=True), admin)
    assert len(queued(conn, issue_id)) == before + 1  # written with the step ...
    savepoint.rollback()
    assert len(queued(conn, issue_id)) == before  # ... and gone with it
    refused = client.post(f"/api/issues/{issue_id}/events", headers=headers["admin"], json={"status": "closed"})
    assert refused.status_code == 409
    assert len(queued(conn, issue_id)) == before


def test_an_overdue_case_is_announced_once(conn):
    issue_id = conn.execute(text("""
        SELECT i.id FROM issue AS i, LATERAL roadchief.case_deadline(i.reported_at, i.category_code) AS d
        WHERE roadchief.clock_runs(i.status) AND i.due_override IS NULL ORDER BY i.id LIMIT 1""")).scalar_one()
    # Make it due an hour ago, and give its unit a webhook.
    conn.execute(text("UPDATE issue SET reported_at = now() - interval '5 hours', category_code = 'T03.01', "
                      "updated_at = now() - interval '5 hours' WHERE id = :i"), {"i": issue_id})
    unit = notifications.target_unit(conn, issue_id)
    assert unit is None  # no demo unit has a webhook
    conn.execute(text("UPDATE unit SET webhook_url = 'http://127.0.0.1:9/x'"))
    first = notifications.enqueue_overdue(conn)
    assert first >= 1 and [r.event for r in queued(conn, issue_id)] == ["overdue"]
    assert notifications.enqueue_overdue(conn) == 0
    assert "【超期】" in queued(conn, issue_id)[0].body["markdown"]["content"]


# Delivery: rows committed, as the senders see them in their own transactions.

@pytest.fixture
def outbox(engine):
    """Insert committed notifications to a URL; every row inserted is deleted afterwards."""
    made = []

    def add(url: str, count: int = 1) -> list[int]:
        with engine.begin() as conn:
            unit_id = conn.execute(text("SELECT min(id) FROM unit")).scalar()
            issue_id = conn.execute(text("SELECT min(id) FROM issue")).scalar()
            for n in range(count):
                body = notifications.robot_body("wecom", f"消息 {n}", [f"[打开案卷]({notifications.SITE}/x/{n})"])
                made.append(conn.execute(text(
                    "INSERT INTO notification (issue_id, unit_id, event, url, body) "
                    "VALUES (:i, :u, 'filed', :url, CAST(:b AS jsonb)) RETURNING id"),
                    {"i": issue_id, "u": unit_id, "url": url, "b": json.dumps(body)}).scalar())
        return made[-count:]

    yield add
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM notification WHERE id = ANY(:ids)"), {"ids": made})


def row(engine, notification_id):
    with engine.connect() as conn:
        return conn.execute(text("SELECT state, attempts, last_status, last_error, sent_at, next_try_at "
                                 "FROM notification WHERE id = :i"), {"i": notification_id}).one()


def test_a_message_is_posted_as_json_with_the_public_address_in_its_links(engine, outbox):
    with robot() as server:
        (nid,) = outbox(server.url)
        report = send_due(engine, FAST)
    assert report.sent == 1 and nid in report.ids
    assert server.received == [{"msgtype": "markdown",
                                "markdown": {"content": f"**消息 0**\n[打开案卷]({SITE_URL}/x/0)"}}]
    state = row(engine, nid)
    assert (state.state, state.attempts, state.last_status) == ("sent", 1, 200) and state.sent_at is not None


def test_two_500s_then_200_is_delivered_on_the_third_try_with_backoff(engine, outbox):
    policy = Policy(max_attempts=5, backoff_s=0.3, timeout_s=2, public_url=SITE_URL)
    with robot(statuses=[500, 500]) as server:
        (nid,) = outbox(server.url)
        send_due(engine, policy)
        assert (row(engine, nid).state, row(engine, nid).attempts, row(engine, nid).last_status) == ("pending", 1, 500)
        assert send_due(engine, policy).ids == []  # not yet due again: it waits 0.3 s
        time.sleep(0.35)
        send_due(engine, policy)
        assert (row(engine, nid).state, row(engine, nid).attempts) == ("pending", 2)
        time.sleep(0.65)  # the second wait is twice as long
        send_due(engine, policy)
    final = row(engine, nid)
    assert (final.state, final.attempts, final.last_status) == ("sent", 3, 200)
    assert len(server.received) == 3


def test_a_robot_that_is_down_keeps_the_message_pending_then_failed_after_n_tries(engine, outbox):
    (nid,) = outbox(f"http://127.0.0.1:{free_port()}/nobody-listens")
    for attempts in (1, 2):
        send_due(engine, FAST, limit=1)
        assert (row(engine, nid).state, row(engine, nid).attempts) == ("pending", attempts)
    send_due(engine, FAST, limit=1)
    final = row(engine, nid)
    assert (final.state, final.attempts, final.last_status) == ("failed", 3, None)
    assert final.last_error.startswith("no answer")
    assert send_due(engine, FAST).ids == []  # a failed message is kept, not tried again


@pytest.mark.parametrize("status, state, attempts", [(404, "failed", 1), (429, "sent", 2), (503, "sent", 2)])
def test_a_4xx_fails_at_once_but_429_and_5xx_are_retried(engine, outbox, status, state, attempts):
    with robot(statuses=[status]) as server:
        (nid,) = outbox(server.url)
        send_due(engine, FAST)
    assert (row(engine, nid).state, row(engine, nid).attempts) == (state, attempts)
    assert row(engine, nid).last_status == (404 if status == 404 else 200)


def test_two_senders_at_once_post_each_message_exactly_once(engine, outbox):
    with robot(delay_s=0.03) as server:
        ids = outbox(server.url, count=20)
        reports = []
        senders = [threading.Thread(target=lambda: reports.append(send_due(engine, FAST))) for _ in range(2)]
        for sender in senders:
            sender.start()
        for sender in senders:
            sender.join(timeout=30)
    titles = sorted(body["markdown"]["content"].split("**")[1] for body in server.received)
    assert titles == sorted(f"消息 {n}" for n in range(20))
    assert sorted(reports[0].ids + reports[1].ids) == sorted(ids)
    assert reports[0].ids and reports[1].ids  # both worked, on different rows
    assert {row(engine, i).state for i in ids} == {"sent"}


def test_the_service_sends_in_the_background(engine, outbox, settings):
    fast = settings.model_copy(update={"notify_interval_s": 0.2, "notify_backoff_s": 0, "public_url": SITE_URL})
    with robot() as server, TestClient(create_app(fast, engine=engine)):
        (nid,) = outbox(server.url)
        deadline = time.monotonic() + 10
        while row(engine, nid).state != "sent" and time.monotonic() < deadline:
            time.sleep(0.1)
    assert row(engine, nid).state == "sent" and len(server.received) == 1


def test_the_log_and_the_webhook_test_are_for_the_district_admin(client, conn, headers):
    unit_id = first_suggested_unit(conn)
    with robot() as server:
        client.patch(f"/api/units/{unit_id}", headers=headers["admin"], json={"webhook_url": server.url})
        assert client.post(f"/api/units/{unit_id}/webhook-test", headers=headers["sub"]).status_code == 403
        tried = client.post(f"/api/units/{unit_id}/webhook-test", headers=headers["admin"])
    assert tried.status_code == 200, tried.text
    assert (tried.json()["state"], tried.json()["event_label"], tried.json()["last_status"]) == ("sent", "测试", 200)
    assert "【测试】" in server.received[0]["markdown"]["content"]
    assert client.get("/api/notifications").status_code == 401
    assert client.get("/api/notifications", headers=headers["viewer"]).status_code == 403
    log = client.get("/api/notifications", headers=headers["admin"]).json()
    assert log[0]["id"] == tried.json()["id"] and log[0]["unit_id"] == unit_id


def test_a_unit_without_webhook_cannot_be_tested(client, conn, headers):
    unit_id = first_suggested_unit(conn)
    client.patch(f"/api/units/{unit_id}", headers=headers["admin"], json={"webhook_url": None})
    refused = client.post(f"/api/units/{unit_id}/webhook-test", headers=headers["admin"])
    assert refused.status_code == 422 and "未配置群机器人地址" in refused.json()["message_zh"]



def test_the_cli_sends_what_is_due_and_shows_the_log(engine, outbox, cluster, monkeypatch):
    from typer.testing import CliRunner

    from gis_service.cli import app

    monkeypatch.setenv("DATABASE_URL", cluster.url())
    monkeypatch.setenv("ROADCHIEF_PUBLIC_URL", SITE_URL)
    with robot(statuses=[404]) as server:
        (refused,) = outbox(server.url)
        (delivered,) = outbox(server.url)
        sent = CliRunner().invoke(app, ["notify", "send"])
    assert sent.exit_code == 0, sent.output
    assert "sent 1" in sent.output and "failed 1" in sent.output
    assert f"{SITE_URL}/x/0" in server.received[1]["markdown"]["content"]
    shown = CliRunner().invoke(app, ["notify", "log", "--state", "failed", "--limit", "5"])
    assert shown.exit_code == 0 and str(refused) in shown.output and "发送失败" in shown.output
    assert row(engine, delivered).state == "sent"
