"""The demo district's handling units (处置单位): the six sub-district offices, three outsourced
cleaning companies (市场化外包公司) and the district departments, with their areas and categories."""

from sqlalchemy import Connection, text

# Street order and city appearance (街面秩序/市容), traffic order, social governance and the road
# chiefs' own matters are the offices' work, each in its own sub-district.
OFFICE_CATEGORIES = ["T03", "T04", "T08", "T09"]
# Road cleaning and rubbish: the outsourced companies' contracts.
CLEANING_CATEGORIES = ["T01.02", "T03.02", "T03.03", "T03.05", "T05.03"]
# (name, contact, phone, sub-district codes)
COMPANIES = [
    ("郑州洁城环境服务有限公司", "王建国", "0371-6690 1101", ["JK01", "JK02"]),
    ("河南绿源环卫服务有限公司", "李红梅", "0371-6690 2202", ["JK03", "JK04"]),
    ("郑州净达城市服务有限公司", "张志强", "0371-6690 3303", ["JK05", "JK06"]),
]
# District-wide departments: (name, contact, phone, categories)
DEPARTMENTS = [
    ("经开区市政工程管理处", "赵海涛", "0371-6690 4401", ["T06"]),
    ("经开区园林绿化中心", "孙丽", "0371-6690 4402", ["T05"]),
    ("经开区环境卫生管理处", "周伟", "0371-6690 4403", ["T01.02", "T03.02", "T03.03", "T05.03"]),
    ("经开区拆迁违建治理办公室", "吴刚", "0371-6690 4404", ["T07"]),
    ("经开区建设管理局", "郑磊", "0371-6690 4405", ["T02"]),
    ("经开区生态环境分局", "冯静", "0371-6690 4406", ["T01"]),
    ("经开区应急管理局", "陈晨", "0371-6690 4407", ["T10"]),
]


def add_unit(conn: Connection, kind: str, name: str, contact: str | None, phone: str | None,
             sub_district_codes: list[str], categories: list[str]) -> None:
    unit_id = conn.execute(text(
        "INSERT INTO public.unit (kind, name, contact, phone) VALUES (:k, :n, :c, :p) RETURNING id"),
        {"k": kind, "n": name, "c": contact, "p": phone}).scalar_one()
    conn.execute(text("INSERT INTO public.unit_area (unit_id, sub_district_id) "
                      "SELECT :u, id FROM public.sub_district WHERE code = ANY(:codes)"),
                 {"u": unit_id, "codes": sub_district_codes})
    conn.execute(text("INSERT INTO public.unit_category (unit_id, category_code) "
                      "SELECT :u, unnest(CAST(:c AS text[]))"), {"u": unit_id, "c": categories})


def write_units(conn: Connection) -> None:
    offices = conn.execute(text("SELECT code, name FROM public.sub_district ORDER BY code")).all()
    for code, name in offices:
        add_unit(conn, "sub_district_office", name, f"{name}城管科", None, [code], OFFICE_CATEGORIES)
    for name, contact, phone, codes in COMPANIES:
        add_unit(conn, "company", name, contact, phone, codes, CLEANING_CATEGORIES)
    for name, contact, phone, categories in DEPARTMENTS:
        add_unit(conn, "department", name, contact, phone, [], categories)
