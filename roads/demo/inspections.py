"""Inspections for the demo district: the last seven weeks for its sites under construction and its
resettlement points, made as inspectors make them. Targets differ: model ones are inspected more
often than due and nearly always pass (most earn the demonstration flag), steady ones now and then
fail an item, lapsed ones have not been visited for a while (overdue), troubled ones fail often.
A target whose last inspection failed has its case open in the ledger, as the rule opens it."""

from datetime import datetime, timedelta

import numpy as np
from sqlalchemy import Connection, text

from roads.bulk import copy_rows, reset_identity
from roads.demo import names
from roads.inspections.checklists import active_items, get_checklist
from roads.inspections.recording import ItemResult, get_target, open_case

WEEKS = 7
# (share of targets, clean chance per inspection, interval as a share of the rule's, stopped for
# this many intervals before as_of)
PROFILES = {
    "model": (0.25, 0.97, (0.5, 0.9), 0.0),
    "steady": (0.35, 0.7, (0.8, 1.1), 0.0),
    "lapsed": (0.25, 0.8, (0.8, 1.1), 1.6),
    "troubled": (0.15, 0.4, (0.8, 1.0), 0.0),
}
NOTES = {
    "围挡": ["东侧围挡破损", "出入口围挡缺口"], "覆盖": ["土方未覆盖", "防尘网破损"],
    "路面硬化": ["出入口未硬化"], "冲洗": ["冲洗设备未开启", "车辆带泥上路"],
    "湿法作业": ["土方作业未洒水"], "渣土车密闭": ["渣土车未密闭"],
    "消防通道畅通": ["通道堆放杂物"], "消防设施完好": ["灭火器过期"], "用电安全": ["私拉电线充电"],
    "燃气安全": ["气瓶与灶具未分离"], "房屋结构安全": ["板房墙体开裂"], "卫生清洁": ["垃圾未及时清运"],
}


def write_inspections(conn: Connection, as_of: datetime, rng: np.random.Generator,
                      snap_distance_m: float) -> int:
    """Write the inspections and their results, derive the flags, open the failing targets' cases."""
    targets = conn.execute(text("""
        SELECT 'site' AS kind, id FROM public.construction_site WHERE status <> '完工'
        UNION ALL
        SELECT 'point', id FROM public.resettlement_point
        ORDER BY 1, 2
    """)).all()
    checklists = {kind: (get_checklist(conn, kind)["every_days"], active_items(conn, kind))
                  for kind in ("site", "point")}
    last_day = as_of.replace(hour=0, minute=0, second=0, microsecond=0)  # up to yesterday: never ahead
    inspections, results, last_failed = [], [], []
    profile_names = list(PROFILES)
    shares = [PROFILES[p][0] for p in profile_names]
    for kind, target_id in targets:
        every_days, items = checklists[kind]
        clean_p, (low, high), stopped = PROFILES[profile_names[rng.choice(len(shares), p=shares)]][1:]
        days_back = WEEKS * 7 - int(rng.integers(0, every_days))  # whole days before as_of's day
        last_back = max(1, round(stopped * every_days))
        failed = False
        while days_back >= last_back:
            inspection_id = len(inspections) + 1
            at = last_day - timedelta(days=days_back, hours=-int(rng.integers(9, 17)),
                                      minutes=-int(rng.integers(0, 60)))
            failed = bool(rng.random() > clean_p)
            bad = set(rng.choice(len(items), size=int(rng.integers(1, 3)), replace=False)) if failed else set()
            inspections.append((inspection_id, kind, target_id if kind == "site" else None,
                                target_id if kind == "point" else None, at.isoformat(), inspector(rng),
                                "demo", "demo", not failed))
            for n, item in enumerate(items):
                note = NOTES.get(item["label"], ["不符合要求"])[0] if n in bad else ""
                results.append((inspection_id, item["id"], n not in bad, note))
            days_back -= max(1, round(every_days * float(rng.uniform(low, high))))
        if failed:
            last_failed.append((kind, target_id, len(inspections), [
                ItemResult(r[1], r[2], r[3]) for r in results[-len(items):]]))
    copy_rows(conn, "inspection", ["id", "target_kind", "site_id", "point_id", "inspected_at", "inspector",
                                   "entered_by", "source", "clean"], inspections)
    reset_identity(conn, "inspection")
    copy_rows(conn, "inspection_result", ["inspection_id", "item_id", "passed", "note"], results)
    # The layout's flags go: the rule decides them from the inspections.
    conn.execute(text("DELETE FROM public.demonstration_flag"))
    conn.execute(text("UPDATE public.construction_site SET is_green_demo = false WHERE is_green_demo"))
    conn.execute(text("UPDATE public.resettlement_point SET is_safety_demo = false WHERE is_safety_demo"))
    for kind in ("site", "point"):
        ids = [target_id for k, target_id in targets if k == kind]
        conn.execute(text("SELECT roadchief.refresh_demonstration_flags(:k, CAST(:ids AS integer[]))"),
                     {"k": kind, "ids": ids})
    for kind, target_id, inspection_id, item_results in last_failed:
        open_case(conn, get_target(conn, kind, target_id), inspection_id, item_results, snap_distance_m)
    conn.execute(text("""
        UPDATE public.issue AS i SET reported_at = x.inspected_at, updated_at = x.inspected_at
        FROM public.inspection AS x WHERE x.issue_id = i.id
    """))
    conn.execute(text("ANALYZE public.inspection"))
    return len(inspections)


def inspector(rng: np.random.Generator) -> str:
    return (names.SURNAMES[int(rng.integers(len(names.SURNAMES)))]
            + names.GIVEN[int(rng.integers(len(names.GIVEN)))] + "（监督员）")
