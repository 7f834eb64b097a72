"""The 数字城管 case flow as data: the statuses, the actions, who may take each action (the
permission table) and from which status each action leads where (the transition table).

roads/issues/workflow.py applies an action by reading these tables only; the README's tables are
generated from them (`permission_table_markdown`, `transition_table_markdown`) and a test checks
that they agree.
"""

from roads.users import ROLE_LABELS, ROLES

STATUS_LABELS = {
    "reported": "上报",
    "filed": "立案",
    "rejected": "不予立案",
    "dispatched": "派遣",
    "handling": "处置",
    "handled": "反馈",
    "verified": "核查",
    "closed": "结案",
    "on_hold": "挂账",
}
STATUSES = tuple(STATUS_LABELS)
# Finished cases: not open, never overdue, not offered as duplicates.
FINAL_STATUSES = ("closed", "rejected")

ACTION_LABELS = {
    "file": "立案",
    "reject": "不予立案",
    "file_and_dispatch": "立案并派遣",
    "dispatch": "派遣",
    "accept_task": "签收处置",
    "feedback": "处置反馈",
    "verify": "核查通过",
    "rework": "核查不通过（返工）",
    "close": "结案",
    "evaluate": "综合评价",
    "request_extension": "申请延期",
    "approve_extension": "批准延期",
    "refuse_extension": "驳回延期",
    "return": "回退",
    "hold": "挂账",
    "resume": "恢复办理",
    "record_penalty": "登记处罚",
}
# resume leads back to the status the case was held from.
BACK_TO_HELD = "held_from"

# (from status, action, to status). One action may start from several statuses.
TRANSITIONS = [
    ("reported", "file", "filed"),
    ("reported", "reject", "rejected"),
    ("reported", "file_and_dispatch", "dispatched"),
    ("filed", "dispatch", "dispatched"),
    ("dispatched", "accept_task", "handling"),
    ("dispatched", "feedback", "handled"),
    ("handling", "feedback", "handled"),
    ("handled", "verify", "verified"),
    ("handled", "rework", "dispatched"),
    ("verified", "close", "closed"),
    ("closed", "evaluate", "closed"),
    ("dispatched", "request_extension", "dispatched"),
    ("handling", "request_extension", "handling"),
    ("dispatched", "approve_extension", "dispatched"),
    ("handling", "approve_extension", "handling"),
    ("dispatched", "refuse_extension", "dispatched"),
    ("handling", "refuse_extension", "handling"),
    ("dispatched", "return", "filed"),
    ("handling", "return", "filed"),
    ("filed", "hold", "on_hold"),
    ("dispatched", "hold", "on_hold"),
    ("on_hold", "resume", BACK_TO_HELD),
]

ALL_ACTIONS = tuple(ACTION_LABELS)
OPERATOR = ("file", "reject", "close", "evaluate", "record_penalty")
DISPATCHER = ("dispatch", "approve_extension", "refuse_extension", "hold", "resume", "record_penalty")
# role -> the actions it may take (within its jurisdiction: users.in_case_scope). The admins keep
# every step they had before the roles existed (a community admin could take any step of a case in
# its community); the district admin anywhere, the other two within their area.
PERMISSIONS: dict[str, tuple[str, ...]] = {
    "district_admin": ALL_ACTIONS,
    "sub_district_admin": ALL_ACTIONS,
    "community_admin": ALL_ACTIONS,
    "operator": OPERATOR,
    "dispatcher": DISPATCHER,
    "inspector": ("verify", "rework"),
    "unit_user": ("accept_task", "feedback", "request_extension", "return"),
    "leader": (),
    "viewer": (),
}


def may(role: str, action: str) -> bool:
    return action in PERMISSIONS.get(role, ())


def next_status(status: str, action: str) -> str | None:
    """Where `action` leads from `status`, or None when it cannot be taken there."""
    for start, name, end in TRANSITIONS:
        if start == status and name == action:
            return end
    return None


def actions_from(status: str) -> list[str]:
    """The actions the table allows from `status`, in the table's order."""
    return [name for start, name, _ in TRANSITIONS if start == status]


def permission_table_markdown() -> str:
    """The permission table (role × action) as the README shows it."""
    actions = list(ALL_ACTIONS)
    head = "| role | " + " | ".join(f"{ACTION_LABELS[a]} `{a}`" for a in actions) + " |"
    rule = "|---|" + "---|" * len(actions)
    rows = [f"| {ROLE_LABELS[r]} `{r}` | " + " | ".join("✓" if may(r, a) else "" for a in actions)
            + " |" for r in ROLES]
    return "\n".join([head, rule, *rows])


def transition_table_markdown() -> str:
    """The transition table (from, action, to) as the README shows it."""
    rows = ["| from | action | to |", "|---|---|---|"]
    for start, action, end in TRANSITIONS:
        target = "（挂账前环节）" if end == BACK_TO_HELD else f"{STATUS_LABELS[end]} `{end}`"
        rows.append(f"| {STATUS_LABELS[start]} `{start}` | {ACTION_LABELS[action]} `{action}` "
                    f"| {target} |")
    return "\n".join(rows)
