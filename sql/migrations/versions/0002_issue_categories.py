"""The campaign's ten major tasks (10 大工作任务) and their coded sub-items, with handling deadlines.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# (code, name, [(sub-code, name, deadline in hours), ...]); deadlines follow the digital
# urban-management standard's examples (rubbish 1 working day, dirty road 5 hours, illegal building 15 days).
TASKS = [
    ("T01", "生态环境保护", [
        ("T01.01", "扬尘污染", 24), ("T01.02", "道路积尘（以克论净）", 5),
        ("T01.03", "露天焚烧", 4), ("T01.04", "污水直排", 48),
    ]),
    ("T02", "施工工地治理", [
        ("T02.01", "工地未围挡", 48), ("T02.02", "渣土车未密闭", 4),
        ("T02.03", "工地出入口未硬化冲洗", 24), ("T02.04", "夜间违规施工", 4),
    ]),
    ("T03", "城市精细化管理", [
        ("T03.01", "占道经营", 4), ("T03.02", "暴露垃圾", 24), ("T03.03", "道路不洁", 5),
        ("T03.04", "乱堆物料", 24), ("T03.05", "乱贴乱画（小广告）", 24),
        ("T03.06", "门头招牌破损", 72), ("T03.07", "架空线缆杂乱", 168),
    ]),
    ("T04", "交通秩序治理", [
        ("T04.01", "机动车乱停放", 4), ("T04.02", "非机动车乱停放", 4),
        ("T04.03", "交通标志标线缺损", 72),
    ]),
    ("T05", "生态绿化", [
        ("T05.01", "绿地黄土裸露", 72), ("T05.02", "树木缺株死株", 168), ("T05.03", "绿化带垃圾", 24),
    ]),
    ("T06", "基础设施建设", [
        ("T06.01", "道路破损", 72), ("T06.02", "道路积水", 24), ("T06.03", "井盖缺失破损", 4),
        ("T06.04", "路灯不亮", 48), ("T06.05", "人行道破损", 72),
    ]),
    ("T07", "违章建筑拆除", [
        ("T07.01", "私搭乱建", 360), ("T07.02", "铁路沿线违建", 360), ("T07.03", "高速沿线违建", 360),
    ]),
    ("T08", "社会综合治理", [
        ("T08.01", "六小门店证照不全", 168), ("T08.02", "群众临时安置点管理", 72),
        ("T08.03", "未征迁村庄环境", 168),
    ]),
    ("T09", "基层组织建设", [
        ("T09.01", "路长未巡查", 24), ("T09.02", "路长公示牌缺失", 72),
    ]),
    ("T10", "安全生产", [
        ("T10.01", "消防通道堵塞", 4), ("T10.02", "消防设施缺失", 48),
        ("T10.03", "燃气安全隐患", 4), ("T10.04", "安置点安全隐患", 24),
    ]),
]

category = sa.table(
    "issue_category",
    sa.column("code", sa.Text), sa.column("name", sa.Text), sa.column("parent_code", sa.Text),
    sa.column("deadline_hours", sa.Integer), sa.column("sort_order", sa.Integer),
)


def upgrade() -> None:
    rows = []
    for order, (code, name, subs) in enumerate(TASKS, start=1):
        rows.append({"code": code, "name": name, "parent_code": None,
                     "deadline_hours": None, "sort_order": order * 100})
        for sub_order, (sub_code, sub_name, hours) in enumerate(subs, start=1):
            rows.append({"code": sub_code, "name": sub_name, "parent_code": code,
                         "deadline_hours": hours, "sort_order": order * 100 + sub_order})
    op.bulk_insert(category, rows)


def downgrade() -> None:
    op.execute("DELETE FROM issue_category WHERE parent_code IS NOT NULL")
    op.execute("DELETE FROM issue_category")
