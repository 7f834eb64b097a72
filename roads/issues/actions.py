"""The steps the signed-in user may take on a case now, as the case page's buttons.

The web page renders exactly this list; the case flow decides it (today: the next statuses of
workflow.NEXT_STEPS, for a user who may write the case's area)."""

from sqlalchemy import Connection, text

from roads.errors import RoadchiefError
from roads.issues.workflow import NEXT_STEPS
from roads.users import User, check_issue_write

ACTION_LABELS = {"dispatched": "派遣", "handled": "处置完成", "verified": "核查通过", "closed": "结案"}
REWORK_LABEL = "核查不通过，返工"


def allowed_actions(conn: Connection, issue_id: int, user: User | None) -> list[dict]:
    """[{action, label_zh}]: what `user` may do with the case now; [] for readers and outsiders."""
    case = conn.execute(text("""
        SELECT i.status, i.community_id, c.sub_district_id
        FROM public.issue AS i LEFT JOIN public.community AS c ON c.id = i.community_id
        WHERE i.id = :id
    """), {"id": issue_id}).first()
    if case is None or user is None:
        return []
    try:
        check_issue_write(user, issue_id, case.community_id, case.sub_district_id)
    except RoadchiefError:
        return []
    return [{"action": status,
             "label_zh": REWORK_LABEL if (case.status, status) == ("handled", "dispatched")
             else ACTION_LABELS[status]}
            for status in NEXT_STEPS[case.status]]
