"""The case workflow (案卷流程): reported 上报 → dispatched 派遣 → handled 处置 → verified 核查 →
closed 结案.

Each step is a row in issue_event with its time and actor; a dispatch names the department. A case
that fails verification goes back from handled to dispatched (返工, rework). issue.updated_at is the
time of the last step, so a closed case's updated_at is its closing time.

A step is taken by a signed-in user within their jurisdiction, and recorded under that user and
(within CLOCK_SKEW) at the time it is taken: a back-dated `at` once closed a case 90 days overdue
"on time" (issue 13).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, text

from roads import notifications
from roads.errors import InvalidInput, NotFound
from roads.issues.errors import IllegalTransition
from roads.issues.repository import STATUS_LABELS
from roads.users import User, check_issue_write

NEXT_STEPS = {
    "reported": ("dispatched",),
    "dispatched": ("handled",),
    "handled": ("verified", "dispatched"),
    "verified": ("closed",),
    "closed": (),
}
CLOCK_SKEW = timedelta(minutes=5)


@dataclass
class Step:
    to_status: str
    claimed_actor: str | None = None  # the client's word for who acts; must be the user's
    department: str | None = None
    note: str | None = None
    at: datetime | None = None


def actor_of(user: User) -> str:
    return user.display_name.strip() or user.username


def lock_case(conn: Connection, issue_id: int, user: User | None):
    """The case row, locked until the transaction ends, once `user` may act on it (403 outside
    their jurisdiction, 404 when there is no such issue)."""
    case = conn.execute(
        text("""
        SELECT i.status, i.updated_at, i.department, i.community_id, c.sub_district_id,
               now() AS now
        FROM public.issue AS i LEFT JOIN public.community AS c ON c.id = i.community_id
        WHERE i.id = :id FOR UPDATE OF i
    """),
        {"id": issue_id},
    ).first()
    if case is None:
        raise NotFound(f"no issue {issue_id}", f"未找到编号为 {issue_id} 的问题")
    check_issue_write(user, issue_id, case.community_id, case.sub_district_id)
    return case


def advance(conn: Connection, issue_id: int, step: Step, user: User) -> dict:
    """Apply one workflow step taken by `user`; returns the event written. Locks the case row
    while it checks."""
    if step.to_status not in NEXT_STEPS:
        raise InvalidInput(f"unknown status {step.to_status!r}; one of {', '.join(NEXT_STEPS)}",
                           f"未知的办理状态 {step.to_status!r}；可选：{'、'.join(NEXT_STEPS)}")
    case = lock_case(conn, issue_id, user)
    if step.to_status not in NEXT_STEPS[case.status]:
        allowed = (
            "、".join(f"{s} ({STATUS_LABELS[s]})" for s in NEXT_STEPS[case.status])
            or "none (closed)"
        )
        allowed_zh = "、".join(STATUS_LABELS[s] for s in NEXT_STEPS[case.status])
        next_zh = f"下一步可为：{allowed_zh}" if allowed_zh else "该问题已结案"
        raise IllegalTransition(
            f"issue {issue_id} is {case.status} ({STATUS_LABELS[case.status]}); it cannot go to "
            f"{step.to_status} ({STATUS_LABELS[step.to_status]}); allowed next: {allowed}",
            f"问题 {issue_id} 处于“{STATUS_LABELS[case.status]}”环节，"
            f"不能转到“{STATUS_LABELS[step.to_status]}”；{next_zh}，未做任何修改",
            current_status=case.status,
        )
    department = (step.department or "").strip() or None
    if step.to_status == "dispatched" and department is None:
        raise InvalidInput("department: a dispatch (派遣) names the department that handles the case",
                           "派遣时须填写承办部门")
    if step.to_status != "dispatched":
        department = None
    actor = checked_actor(step.claimed_actor, user)
    at = checked_time(step.at, case.updated_at, case.now)
    event = (
        conn.execute(
            text("""
        INSERT INTO public.issue_event (issue_id, from_status, to_status, at, actor, department, note)
        VALUES (:id, :from_status, :to_status, :at, :actor, :department, :note)
        RETURNING id, from_status, to_status, at, actor, department, note
    """),
            {
                "id": issue_id,
                "from_status": case.status,
                "to_status": step.to_status,
                "at": at,
                "actor": actor,
                "department": department,
                "note": step.note,
            },
        )
        .mappings()
        .one()
    )
    conn.execute(
        text("""
        UPDATE public.issue SET status = :status, updated_at = :at,
                         department = coalesce(:department, department), confirmed = true
        WHERE id = :id
    """),
        {"id": issue_id, "status": step.to_status, "at": at, "department": department},
    )
    if step.to_status in ("dispatched", "closed"):
        notifications.enqueue(conn, issue_id, step.to_status)
    return dict(event)


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
