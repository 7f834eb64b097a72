"""The case flow (案卷流程), applied: one function, `apply_action`, takes a case one action on by
reading the tables of roads/issues/flow.py (who may, from which status, to which).

Each action is a row in issue_event with its time, the signed-in user, their role and unit.
issue.updated_at is the time of the last change of status, so a closed case's updated_at is its
closing time (an evaluation or an extension request afterwards does not move it).

A step is taken by a signed-in user within their jurisdiction, and recorded under that user and
(within CLOCK_SKEW) at the time it is taken: a back-dated `at` once closed a case 90 days overdue
"on time" (issue 13). Refusals: 403 (role or jurisdiction), 409 (wrong stage, naming the allowed
next actions; a pending extension; a likely duplicate at filing), 422 (missing or bad input).
"""

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, text

from roads import notifications
from roads.errors import Conflict, Forbidden, InvalidInput, NotFound
from roads.issues import flow
from roads.issues.errors import IllegalTransition
from roads.issues.window import CHINA_TZ
from roads.users import ROLE_LABELS, User, check_issue_write, in_case_scope, require_writer

CLOCK_SKEW = timedelta(minutes=5)
NOTIFIED_STATUSES = ("filed", "dispatched", "closed")  # announced to the unit's work group
DUPLICATE_RADIUS_M = 50.0
REJECT_REASONS = {"duplicate": "重复", "outside": "非本辖区", "not_ours": "非城管职责", "invalid": "无效"}
EVALUATIONS = {"满意": 5, "基本满意": 3, "不满意": 1}
EXTENSION_UNITS = ("work_hour", "work_day")
# Kept for old clients of POST /events: the status names they send.
NEXT_STEPS = {s: tuple(dict.fromkeys(
    t for a in flow.actions_from(s) if (t := flow.next_status(s, a)) not in (s, flow.BACK_TO_HELD)))
    for s in flow.STATUSES}


@dataclass
class Action:
    """One action and what it carries; fields an action does not use are ignored."""
    action: str
    note: str | None = None
    reason: str | None = None  # a reject reason code, or the words of a return/hold/extension
    unit_id: int | None = None
    department: str | None = None  # old clients name a department instead of a unit
    duplicate_of: int | None = None
    due_at: datetime | None = None  # an extension to this time ...
    amount: float | None = None  # ... or by this many work_hour / work_day
    amount_unit: str | None = None
    evaluation: str | int | None = None  # 1-5 or 满意/基本满意/不满意
    force: bool = False  # file although there are likely duplicates
    at: datetime | None = None
    claimed_actor: str | None = None


@dataclass
class Step:
    """The old body of POST /events: the status to move to."""
    to_status: str
    claimed_actor: str | None = None
    department: str | None = None
    note: str | None = None
    at: datetime | None = None


def actor_of(user: User) -> str:
    return user.display_name.strip() or user.username


CASE_SELECT = """
    SELECT i.status, i.updated_at, i.department, i.community_id, c.sub_district_id, i.unit_id,
           i.held_from, i.extension_due, i.evaluation_score, i.category_code,
           coalesce(i.due_override, d.due_at) AS due_at, now() AS now
    FROM public.issue AS i
    LEFT JOIN public.community AS c ON c.id = i.community_id
    LEFT JOIN LATERAL roadchief.case_deadline(i.reported_at, i.category_code) AS d ON true
    WHERE i.id = :id
"""
CASE_ROW = text(CASE_SELECT + " FOR UPDATE OF i")
CASE_ROW_UNLOCKED = text(CASE_SELECT)


def lock_case(conn: Connection, issue_id: int, user: User | None):
    """The case row, locked until the transaction ends, once `user` may act on it (403 outside
    their jurisdiction, 404 when there is no such issue)."""
    case = conn.execute(CASE_ROW, {"id": issue_id}).first()
    if case is None:
        raise NotFound(f"no issue {issue_id}", f"未找到编号为 {issue_id} 的问题")
    check_issue_write(user, issue_id, case.community_id, case.sub_district_id, case.unit_id)
    return case


def allowed_text(status: str) -> tuple[str, str]:
    names = flow.actions_from(status)
    english = ", ".join(f"{a} ({flow.ACTION_LABELS[a]})" for a in names) or "none"
    chinese = "、".join(flow.ACTION_LABELS[a] for a in names)
    return english, (f"可进行：{chinese}" if chinese else "该环节无可进行的操作")


def wrong_stage(issue_id: int, status: str, wanted: str) -> IllegalTransition:
    english, chinese = allowed_text(status)
    return IllegalTransition(
        f"issue {issue_id} is {status} ({flow.STATUS_LABELS[status]}); {wanted} cannot be taken "
        f"there; allowed next: {english}",
        f"问题 {issue_id} 处于“{flow.STATUS_LABELS[status]}”环节，不能{wanted_zh(wanted)}；"
        f"{chinese}，未做任何修改",
        current_status=status, allowed_actions=flow.actions_from(status),
    )


def wanted_zh(wanted: str) -> str:
    if wanted in flow.ACTION_LABELS:
        return f"进行“{flow.ACTION_LABELS[wanted]}”"
    return f"转到“{flow.STATUS_LABELS.get(wanted, wanted)}”"


def check_role(user: User, action: str) -> None:
    if not flow.may(user.role, action):
        raise Forbidden(
            f"role {user.role} may not {action} ({flow.ACTION_LABELS[action]})",
            f"{ROLE_LABELS[user.role]}无权进行“{flow.ACTION_LABELS[action]}”，未做任何修改")


def may_take(user: User | None, case, action: str) -> bool:
    """Whether `user` may take `action` on the case now (the buttons the ledger shows)."""
    if user is None or not user.can_write or not flow.may(user.role, action):
        return False
    if flow.next_status(case.status, action) is None:
        return False
    if not in_case_scope(user, case.community_id, case.sub_district_id, case.unit_id):
        return False
    pending = case.extension_due is not None
    if action == "request_extension":
        return not pending
    if action in ("approve_extension", "refuse_extension"):
        return pending
    if action == "evaluate":
        return case.evaluation_score is None
    return True


def available_actions(conn: Connection, issue_id: int, user: User | None) -> list[dict]:
    """The actions `user` may take on the case now, with their Chinese labels; none when signed out."""
    if user is None:
        return []
    case = conn.execute(CASE_ROW_UNLOCKED, {"id": issue_id}).first()
    if case is None:
        return []
    return [{"action": a, "label_zh": flow.ACTION_LABELS[a]}
            for a in dict.fromkeys(flow.actions_from(case.status)) if may_take(user, case, a)]


def apply_action(conn: Connection, issue_id: int, act: Action, user: User | None,
                 duplicate_radius_m: float = DUPLICATE_RADIUS_M) -> dict:
    """Take one action on the case as `user`; returns the event written. Locks the case row
    while it checks."""
    if act.action not in flow.ACTION_LABELS or act.action == "record_penalty":
        names = [a for a in flow.ACTION_LABELS if a != "record_penalty"]
        raise InvalidInput(f"unknown action {act.action!r}; one of {', '.join(names)}",
                           f"未知的办理操作 {act.action!r}；可选：{'、'.join(names)}")
    user = require_writer(user)
    case = lock_case(conn, issue_id, user)
    check_role(user, act.action)
    target = flow.next_status(case.status, act.action)
    if target is None:
        raise wrong_stage(issue_id, case.status, act.action)
    if target == flow.BACK_TO_HELD:
        target = case.held_from
    changes = checked_changes(conn, issue_id, case, act, duplicate_radius_m)
    actor = checked_actor(act.claimed_actor, user)
    at = checked_time(act.at, case.updated_at, case.now)
    event = conn.execute(text("""
        INSERT INTO public.issue_event (issue_id, from_status, to_status, at, actor, department, note,
                                        action, user_id, role, unit_id, reason, data)
        VALUES (:id, :from_status, :to_status, :at, :actor, :department, :note,
                :action, :user_id, :role, :unit_id, :reason, CAST(:data AS jsonb))
        RETURNING id, from_status, to_status, at, actor, department, note, action, role, unit_id, reason
    """), {
        "id": issue_id, "from_status": case.status, "to_status": target, "at": at, "actor": actor,
        "department": changes.pop("event_department", None), "note": act.note,
        "action": act.action, "user_id": user.id, "role": user.role,
        "unit_id": changes.pop("event_unit", case.unit_id), "reason": changes.pop("event_reason", None),
        "data": changes.pop("event_data", None),
    }).mappings().one()
    write_case(conn, issue_id, target, at if target != case.status else None, changes)
    if target in NOTIFIED_STATUSES and target != case.status:
        notifications.enqueue(conn, issue_id, target)
    return dict(event)


def write_case(conn: Connection, issue_id: int, status: str, status_changed_at, changes: dict) -> None:
    columns = [c for c in CASE_COLUMNS if c in changes]  # code constants only, never user text
    sets = ", ".join(f"{c} = :{c}" for c in columns)
    conn.execute(text(
        "UPDATE public.issue SET status = :status, confirmed = true, "
        "updated_at = coalesce(CAST(:changed AS timestamptz), updated_at)"
        + (", " + sets if sets else "") + " WHERE id = :id"),
        {"id": issue_id, "status": status, "changed": status_changed_at, **changes})


CASE_COLUMNS = ("unit_id", "department", "reject_reason", "duplicate_of", "hold_reason", "held_from",
                "due_override", "extension_due", "extension_reason", "evaluation_score",
                "evaluated_at")


def checked_changes(conn: Connection, issue_id: int, case, act: Action,
                    radius_m: float) -> dict:
    """What the action writes on the case (and the event's unit, reason, data), once its input
    is checked."""
    action = act.action
    if action == "reject":
        return rejection(conn, issue_id, act)
    if action == "file" and not act.force:
        refuse_duplicates(conn, issue_id, radius_m)
    if action in ("dispatch", "file_and_dispatch"):
        return dispatch_to(conn, act)
    if action == "return":
        reason = required_words(act.reason, "reason", "请填写回退原因")
        # The unit gives the case back: neither it nor its name stays on the case.
        return {"unit_id": None, "department": None, "event_reason": reason}
    if action == "hold":
        reason = required_words(act.reason, "reason", "请填写挂账原因")
        return {"hold_reason": reason, "held_from": case.status, "event_reason": reason}
    if action == "resume":
        return {"hold_reason": None, "held_from": None}
    if action == "evaluate":
        if case.evaluation_score is not None:
            raise Conflict(f"issue {issue_id} has been evaluated already",
                           f"问题 {issue_id} 已做过综合评价，未做任何修改")
        return {"evaluation_score": evaluation_score(act.evaluation), "evaluated_at": case.now}
    if action == "request_extension":
        return extension_request(conn, issue_id, case, act)
    if action in ("approve_extension", "refuse_extension"):
        if case.extension_due is None:
            raise Conflict(f"issue {issue_id} has no pending extension request",
                           f"问题 {issue_id} 没有待审批的延期申请，未做任何修改")
        moved = {"due_override": case.extension_due} if action == "approve_extension" else {}
        return {**moved, "extension_due": None, "extension_reason": None,
                "event_data": json.dumps({"due_at": case.extension_due.isoformat()})}
    return {}


def required_words(value: str | None, field: str, message_zh: str) -> str:
    words = (value or "").strip()
    if not words:
        raise InvalidInput(f"{field}: this action needs a reason", message_zh)
    return words


def rejection(conn: Connection, issue_id: int, act: Action) -> dict:
    if act.reason not in REJECT_REASONS:
        raise InvalidInput(
            f"reason: one of {', '.join(REJECT_REASONS)} for 不予立案, not {act.reason!r}",
            f"不予立案须注明原因：{'、'.join(f'{v}（{k}）' for k, v in REJECT_REASONS.items())}")
    if act.reason != "duplicate":
        return {"reject_reason": act.reason, "event_reason": act.reason}
    original = act.duplicate_of
    exists = original is not None and original != issue_id and conn.execute(
        text("SELECT 1 FROM public.issue WHERE id = :id"), {"id": original}).scalar()
    if not exists:
        raise InvalidInput("duplicate_of: a rejection as duplicate names the other case it repeats",
                           "以“重复”为由不予立案时，须填写所重复的案卷编号（另一个已有问题）")
    return {"reject_reason": "duplicate", "duplicate_of": original, "event_reason": "duplicate",
            "event_data": json.dumps({"duplicate_of": original})}


def refuse_duplicates(conn: Connection, issue_id: int, radius_m: float) -> None:
    found = duplicate_candidates(conn, issue_id, radius_m)
    if found:
        ids = "、".join(str(d["id"]) for d in found)
        raise Conflict(
            f"issue {issue_id} may duplicate open case(s) {ids} within {radius_m:g} m; reject it "
            "as a duplicate, or file it with force",
            f"问题 {issue_id} 可能与 {radius_m:g} 米内同类未结案卷 {ids} 重复：请以“重复”不予立案，"
            "或确认后强制立案",
            duplicates=[d | {"reported_at": d["reported_at"].astimezone(CHINA_TZ).isoformat()}
                        for d in found])


def duplicate_candidates(conn: Connection, issue_id: int, radius_m: float) -> list[dict]:
    """Open cases of the same category within `radius_m`, nearest first."""
    if conn.execute(text("SELECT 1 FROM public.issue WHERE id = :id"), {"id": issue_id}).scalar() is None:
        raise NotFound(f"no issue {issue_id}", f"未找到编号为 {issue_id} 的问题")
    rows = conn.execute(text("SELECT * FROM roadchief.duplicate_candidates(:id, :r)"),
                        {"id": issue_id, "r": radius_m}).mappings()
    return [dict(r) | {"status_label": flow.STATUS_LABELS[r["status"]]} for r in rows]


def dispatch_to(conn: Connection, act: Action) -> dict:
    if act.unit_id is not None:
        unit = conn.execute(text("SELECT name, active FROM public.unit WHERE id = :id"),
                            {"id": act.unit_id}).first()
        if unit is None or not unit.active:
            raise InvalidInput(f"unit_id: no active unit {act.unit_id}",
                               f"未找到编号为 {act.unit_id} 的在用处置单位")
        return {"unit_id": act.unit_id, "department": unit.name, "event_unit": act.unit_id,
                "event_department": unit.name}
    department = (act.department or "").strip()
    if not department:
        raise InvalidInput("unit_id: a dispatch (派遣) names the unit that handles the case",
                           "派遣时须选择处置单位（或填写承办部门）")
    return {"unit_id": None, "department": department, "event_unit": None,
            "event_department": department}


def evaluation_score(value) -> int:
    if isinstance(value, str) and value.strip() in EVALUATIONS:
        return EVALUATIONS[value.strip()]
    try:
        score = int(str(value).strip())
    except ValueError:
        score = 0
    if not 1 <= score <= 5:
        raise InvalidInput("evaluation: 1 to 5, or 满意, 基本满意, 不满意",
                           "综合评价须为 1 至 5 分，或 满意、基本满意、不满意")
    return score


def extension_request(conn: Connection, issue_id: int, case, act: Action) -> dict:
    if case.extension_due is not None:
        raise Conflict(f"issue {issue_id} already has an extension request waiting",
                       f"问题 {issue_id} 已有待审批的延期申请，未做任何修改")
    reason = required_words(act.reason, "reason", "请填写延期原因")
    if act.due_at is not None:
        due = act.due_at
    elif act.amount is not None and act.amount > 0 and act.amount_unit in EXTENSION_UNITS:
        base = case.due_at or case.now
        due = conn.execute(text("SELECT roadchief.add_working_time(:s, :a, :u)"),
                           {"s": base, "a": act.amount, "u": act.amount_unit}).scalar_one()
    else:
        raise InvalidInput("an extension gives due_at, or amount (> 0) with amount_unit work_hour or "
                           "work_day", "延期须填写新的办结时限，或延长的工作小时数/工作日数")
    if due <= max(case.due_at or case.now, case.now):
        raise InvalidInput(f"due_at: {due.isoformat()} is not later than the current deadline",
                           "新的办结时限须晚于当前时限")
    return {"extension_due": due, "extension_reason": reason, "event_reason": reason,
            "event_data": json.dumps({"due_at": due.isoformat()})}


OLD_STATUSES = ("reported", "dispatched", "handled", "verified", "closed")


def old_wrong_stage(issue_id: int, status: str, wanted: str) -> IllegalTransition:
    """The 409 of the old body, in its words: the next statuses an old client can send."""
    nexts = [s for s in NEXT_STEPS[status] if s in OLD_STATUSES]
    label = flow.STATUS_LABELS
    allowed = "、".join(f"{s} ({label[s]})" for s in nexts) or "none (closed)"
    allowed_zh = "、".join(label[s] for s in nexts)
    next_zh = f"下一步可为：{allowed_zh}" if allowed_zh else "该问题已结案"
    return IllegalTransition(
        f"issue {issue_id} is {status} ({label[status]}); it cannot go to {wanted} "
        f"({label[wanted]}); allowed next: {allowed}",
        f"问题 {issue_id} 处于“{label[status]}”环节，不能转到“{label[wanted]}”；{next_zh}，未做任何修改",
        current_status=status, allowed_actions=flow.actions_from(status),
    )


def advance(conn: Connection, issue_id: int, step: Step, user: User) -> dict:
    """The old body of POST /events (a status to move to), mapped onto the action that leads
    there: reported → dispatched is 立案并派遣, handled → dispatched is 返工."""
    if step.to_status not in flow.STATUSES:
        raise InvalidInput(f"unknown status {step.to_status!r}; one of {', '.join(flow.STATUSES)}",
                           f"未知的办理状态 {step.to_status!r}；可选：{'、'.join(flow.STATUSES)}")
    case = lock_case(conn, issue_id, user)
    action = next((a for a in flow.actions_from(case.status)
                   if flow.next_status(case.status, a) == step.to_status != case.status
                   and a != "resume"), None)
    if action is None:
        raise old_wrong_stage(issue_id, case.status, step.to_status)
    return apply_action(conn, issue_id, Action(
        action=action, note=step.note, department=step.department, at=step.at,
        claimed_actor=step.claimed_actor, force=True), user)


def checked_actor(claimed: str | None, user: User) -> str:
    """Who the step is recorded under: the signed-in user, never someone the client names."""
    actor = actor_of(user)
    if claimed is not None and claimed.strip() not in (user.username, actor):
        raise InvalidInput(
            f"actor: steps are recorded under the signed-in user ({actor}), not {claimed!r}; "
            "leave actor out",
            f"办理人须为当前登录的账号（{actor}），不能填写“{claimed.strip()}”；请不要填写办理人",
        )
    return actor


def checked_time(at: datetime | None, last_step: datetime, now: datetime) -> datetime:
    """The step's time: now, or a time the client gives within CLOCK_SKEW of now (its clock may
    be a little off), never before the case's last step."""
    at = at or now
    if at < last_step:
        raise InvalidInput(
            f"at: {at.isoformat()} is before the case's last step ({last_step.isoformat()})",
            f"办理时间 {at.isoformat()} 早于该问题上一步的时间（{last_step.isoformat()}）"
        )
    if at < now - CLOCK_SKEW:
        raise InvalidInput(
            f"at: {at.isoformat()} is more than {CLOCK_SKEW.seconds // 60} minutes in the past; "
            "a step is recorded when it is taken",
            f"办理时间 {at.isoformat()} 早于当前时间 {CLOCK_SKEW.seconds // 60} 分钟以上："
            "办理环节须在办理时登记，不能补登"
        )
    if at > now + CLOCK_SKEW:
        raise InvalidInput(f"at: {at.isoformat()} is in the future",
                           f"办理时间 {at.isoformat()} 晚于当前时间")
    return at


def confirm(conn: Connection, issue_id: int, user: User | None) -> None:
    """Accept an unconfirmed report (an anonymous Open311 one) as a real case; idempotent."""
    lock_case(conn, issue_id, user)
    conn.execute(text("UPDATE public.issue SET confirmed = true WHERE id = :id AND NOT confirmed"),
                 {"id": issue_id})
