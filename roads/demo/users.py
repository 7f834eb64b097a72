"""Demo users, with generated passwords (printed once, when they are created): one per admin role
and a viewer, the case flow's people: 监督员 jiandu01, 受理员 shouli01, 派遣员 paiqian01, 领导
lingdao01 and one user per handling unit (unit_jingkai_huanwei ...), and a road chief of each tier
for the phone pages (zongluzhang, luzhang1/2/3). The flow users' display names are the actors of the
demo's case histories (roadchief.complete_issue_records)."""

import secrets

from sqlalchemy import Connection, text

from roads.patrols.recording import link_user_to_chief
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


# (username, tier, title): tier 0 is the 总路长; the others hold segments in the model community.
CHIEF_USERS = [("zongluzhang", 0, "总路长"), ("luzhang1", 1, "一级路长"), ("luzhang2", 2, "二级路长"),
               ("luzhang3", 3, "三级路长")]
MODEL_COMMUNITY = "中烟社区"  # the street-chief model's community; else the first with tier-3 chiefs

CHIEF_OF_TIER = text("""
    SELECT ch.id, ch.name, ch.organisation, ch.position
    FROM public.segment_assignment AS a
    JOIN public.road_segment AS s ON s.id = a.segment_id
    JOIN public.chief AS ch ON ch.id = a.chief_id AND ch.active
    WHERE a.tier = :tier AND a.valid_to IS NULL AND s.community_id = :community
      AND ch.id <> ALL (CAST(:taken AS integer[]))
    GROUP BY ch.id
    -- one who patrols, so that the phone shows a history
    ORDER BY EXISTS (SELECT 1 FROM public.patrol AS p WHERE p.chief_id = ch.id AND NOT p.too_fast) DESC,
             count(*) DESC, ch.id
    LIMIT 1
""")
GENERAL_CHIEF = text("""
    SELECT ch.id, ch.name, ch.organisation, ch.position
    FROM public.chief AS ch
    WHERE ch.general_chief AND ch.active
    ORDER BY COALESCE(ch.general_rank, 1), ch.id
    LIMIT 1
""")


def chiefs_for_users(conn: Connection) -> dict[str, dict]:
    """username → the chief that demo user is (id, name, organisation, position, title)."""
    community = conn.execute(text("""
        SELECT c.id
        FROM public.community AS c
        WHERE EXISTS (SELECT 1 FROM public.road_segment AS s
                      JOIN public.segment_assignment AS a ON a.segment_id = s.id
                      WHERE s.community_id = c.id AND a.tier = 3 AND a.valid_to IS NULL)
        ORDER BY c.name = :model DESC, c.sub_district_id, c.id
        LIMIT 1
    """), {"model": MODEL_COMMUNITY}).scalar()
    chiefs: dict[str, dict] = {}
    for username, tier, title in CHIEF_USERS:
        taken = [c["id"] for c in chiefs.values()]
        row = (conn.execute(GENERAL_CHIEF) if tier == 0 else
               conn.execute(CHIEF_OF_TIER, {"tier": tier, "community": community, "taken": taken})).mappings().first()
        if row is not None and row["id"] not in taken:
            chiefs[username] = {**row, "title": title}
    return chiefs


def create_chief_users(conn: Connection) -> list[dict]:
    """Create the phone's demo chiefs (viewers linked to a chief of each tier) unless luzhang1
    exists; returns them with their passwords, else []."""
    if conn.execute(text("SELECT 1 FROM public.app_user WHERE username = 'luzhang1'")).scalar():
        return []
    created = []
    for username, chief in chiefs_for_users(conn).items():
        password = secrets.token_urlsafe(9)
        user = add_user(conn, username, password, "viewer", display_name=f"{chief['title']} {chief['name']}")
        link_user_to_chief(conn, user.id, chief["id"])
        created.append({"username": username, "role": "viewer", "password": password,
                        "scope": f"{chief['title']} {chief['name']}（{chief['organisation']} {chief['position']}）"})
    return created

