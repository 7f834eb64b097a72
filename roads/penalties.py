"""Penalties (处罚): against a shop, a company or a handling unit, with the amount, the reason and
the case they arose from; listed with the rankings (处罚明细) and counted in the unit ranking."""

from datetime import date
from decimal import Decimal, InvalidOperation

from sqlalchemy import Connection, text
from sqlalchemy.exc import IntegrityError

from roads.errors import Forbidden, InvalidInput
from roads.issues import flow
from roads.rows import refuse_by_constraint
from roads.users import User, require_writer

TARGET_KINDS = {"shop": "商户", "company": "公司", "unit": "处置单位"}

LIST_PENALTIES = text("""
SELECT p.id, p.target_kind, p.target_name, p.unit_id, u.name AS unit_name,
       CAST(p.amount_yuan AS float8) AS amount_yuan, p.reason, p.issue_id, p.penalty_date,
       p.recorder, p.created_at
FROM public.penalty AS p
LEFT JOIN public.unit AS u ON u.id = p.unit_id
WHERE (CAST(:from_day AS date) IS NULL OR p.penalty_date >= :from_day)
  AND (CAST(:to_day AS date) IS NULL OR p.penalty_date < :to_day)
  AND (CAST(:unit_id AS integer) IS NULL OR p.unit_id = :unit_id)
ORDER BY p.penalty_date DESC, p.id DESC
""")


def list_penalties(conn: Connection, from_day: date | None = None, to_day: date | None = None,
                   unit_id: int | None = None) -> list[dict]:
    """Penalties dated in [from_day, to_day), newest first."""
    rows = conn.execute(LIST_PENALTIES, {"from_day": from_day, "to_day": to_day,
                                         "unit_id": unit_id}).mappings()
    return [dict(r) | {"target_kind_label": TARGET_KINDS[r["target_kind"]]} for r in rows]


def checked_amount(value) -> Decimal:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise InvalidInput("amount_yuan: a number of yuan", "罚款金额须为数字（元）") from exc
    if not amount.is_finite() or amount < 0 or amount > Decimal("100000000"):
        raise InvalidInput("amount_yuan: 0 or more yuan (at most 100,000,000)",
                           "罚款金额须为不小于 0 的数字（元）")
    return amount.quantize(Decimal("0.01"))


def record_penalty(conn: Connection, user: User | None, values: dict) -> dict:
    """Record a penalty; only roles with record_penalty (operators, dispatchers, admins)."""
    user = require_writer(user)
    if not flow.may(user.role, "record_penalty"):
        raise Forbidden(f"role {user.role} may not record penalties", "您的角色无权登记处罚，未做任何修改")
    kind = values.get("target_kind")
    if kind not in TARGET_KINDS:
        raise InvalidInput(f"target_kind: one of {', '.join(TARGET_KINDS)}",
                           "处罚对象类型须为 商户 shop、公司 company 或 处置单位 unit")
    name = (values.get("target_name") or "").strip()
    reason = (values.get("reason") or "").strip()
    if not name or not reason:
        raise InvalidInput("target_name and reason are needed", "请填写处罚对象名称和处罚原因")
    amount = checked_amount(values.get("amount_yuan"))
    unit_id = values.get("unit_id")
    if kind == "unit" and unit_id is None:
        raise InvalidInput("unit_id: a penalty against a unit names the unit", "处罚处置单位时须选择单位")
    try:
        with conn.begin_nested():
            penalty_id = conn.execute(text("""
                INSERT INTO public.penalty (target_kind, target_name, unit_id, amount_yuan, reason,
                                            issue_id, penalty_date, recorded_by, recorder)
                VALUES (:kind, :name, :unit, :amount, :reason, :issue,
                        coalesce(CAST(:day AS date), CAST(now() AT TIME ZONE 'Asia/Shanghai' AS date)),
                        :user_id, :recorder)
                RETURNING id
            """), {"kind": kind, "name": name, "unit": unit_id, "amount": amount, "reason": reason,
                   "issue": values.get("issue_id"), "day": values.get("penalty_date"),
                   "user_id": user.id,
                   "recorder": user.display_name.strip() or user.username}).scalar_one()
    except IntegrityError as exc:
        refuse_by_constraint(exc, {
            "fk_penalty_issue": InvalidInput(f"issue_id: no issue {values.get('issue_id')}",
                                             f"未找到编号为 {values.get('issue_id')} 的案卷"),
            "fk_penalty_unit": InvalidInput(f"unit_id: no unit {unit_id}",
                                            f"未找到编号为 {unit_id} 的处置单位"),
        })
    return next(p for p in list_penalties(conn) if p["id"] == penalty_id)
