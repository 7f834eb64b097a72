"""Demo users, with generated passwords (printed once, when they are created): one per admin role
and a viewer, and the case flow's people: 监督员 jiandu01, 受理员 shouli01, 派遣员 paiqian01, 领导
lingdao01 and one user per handling unit (unit_jingkai_huanwei ...). The flow users' display names
are the actors of the demo's case histories (roadchief.complete_issue_records)."""

import secrets

from sqlalchemy import Connection, text

from roads.users import add_user, user_count


def create_demo_users(conn: Connection) -> list[dict]:
    """Create the four demo users when no user exists; returns them with their passwords, else []."""
    if user_count(conn) > 0:
        return []
    area = conn.execute(text("""
        SELECT sd.id AS sub_district_id, sd.name AS sub_district, c.id AS community_id, c.name AS community
        FROM public.sub_district sd JOIN public.community c ON c.sub_district_id = sd.id
        ORDER BY sd.id, c.id LIMIT 1
    """)).first()
    if area is None:
        return []
    plan = [
        ("admin", "district_admin", {}, "区级管理员"),
        ("banshichu", "sub_district_admin", {"sub_district_id": area.sub_district_id},
         f"{area.sub_district}管理员"),
        ("shequ", "community_admin", {"community_id": area.community_id}, f"{area.community}管理员"),
        ("viewer", "viewer", {}, "只读用户"),
    ]
    created = []
    for username, role, scope, display in plan:
        password = secrets.token_urlsafe(9)
        add_user(conn, username, password, role, display_name=display, **scope)
        created.append({"username": username, "role": role, "password": password, "scope": display})
    return created


FLOW_USERS = [
    ("jiandu01", "inspector", "监督员 高峰"),
    ("shouli01", "operator", "受理员 刘敏"),
    ("paiqian01", "dispatcher", "派遣员 何强"),
    ("lingdao01", "leader", "领导 孙主任"),
]


def create_case_flow_users(conn: Connection) -> list[dict]:
    """Create the case-flow users (FLOW_USERS and one per unit) unless jiandu01 exists; returns
    them with their passwords, else []."""
    if conn.execute(text("SELECT 1 FROM public.app_user WHERE username = 'jiandu01'")).scalar():
        return []
    units = conn.execute(text("SELECT id, name FROM public.unit ORDER BY id")).all()
    if not units:
        return []
    plan = [(u, r, d, None) for u, r, d in FLOW_USERS]
    plan += [(unit_username(unit_id, name), "unit_user", name, unit_id) for unit_id, name in units]
    created = []
    for username, role, display, unit_id in plan:
        password = secrets.token_urlsafe(9)
        add_user(conn, username, password, role, display_name=display, unit_id=unit_id)
        created.append({"username": username, "role": role, "password": password, "scope": display})
    return created


def unit_username(unit_id: int, name: str) -> str:
    return "unit_" + UNIT_USERNAMES.get(name, str(unit_id))


UNIT_USERNAMES = {
    "明湖办事处": "minghu_banshichu", "潮河办事处": "chaohe_banshichu", "前程办事处": "qiancheng_banshichu",
    "九龙办事处": "jiulong_banshichu", "京航办事处": "jinghang_banshichu", "滨河办事处": "binhe_banshichu",
    "郑州洁城环境服务有限公司": "jiecheng",
    "河南绿源环卫服务有限公司": "lvyuan", "郑州净达城市服务有限公司": "jingda",
    "经开区市政工程管理处": "jingkai_shizheng", "经开区园林绿化中心": "jingkai_yuanlin",
    "经开区环境卫生管理处": "jingkai_huanwei", "经开区拆迁违建治理办公室": "jingkai_chaiqian",
    "经开区建设管理局": "jingkai_jianshe", "经开区生态环境分局": "jingkai_shengtai",
    "经开区应急管理局": "jingkai_yingji",
}
