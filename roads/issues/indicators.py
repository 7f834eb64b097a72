"""The case flow's indicators per unit, sub-district or community (roadchief.case_indicators) and
the 综合评价 weights the bureau sets (public.evaluation_weight)."""

from sqlalchemy import Connection, text

from roads.answer_cache import ANSWERS, window_ended
from roads.errors import InvalidInput
from roads.issues.window import Window

LEVELS = {"unit": "处置单位", "sub_district": "办事处", "community": "社区（村）"}
RULE = ("按综合评价得分从高到低；同分按按期结案率从高到低，再按超期未结数从少到多，再按编码或名称",
        "score, highest first; ties by on-time closure rate (highest first), then fewer open "
        "overdue cases, then code or name")
FORMULA = ("综合评价得分 = Σ 权重 × 指标：按期结案率、结案率、返工率、延期率、满意度（均为 0–1，无数据计 0）"
           "各乘其权重，加上 每起处罚的权重 × 处罚起数；无立案时不计分")


def check_level(level: str) -> str:
    if level not in LEVELS:
        raise InvalidInput(f"by must be unit, sub_district or community, not {level!r}",
                           f"考核层级须为 unit（处置单位）、sub_district（办事处）或 community（社区），"
                           f"不能是 {level!r}")
    return level


def weights(conn: Connection) -> list[dict]:
    rows = conn.execute(text(
        "SELECT measure, CAST(weight AS float8) AS weight, label FROM public.evaluation_weight "
        "ORDER BY abs(weight) DESC, measure")).mappings()
    return [dict(r) for r in rows]


def case_indicators(conn: Connection, level: str, window: Window,
                    categories: tuple[str, ...] | None = None,
                    sources: tuple[str, ...] | None = None) -> list[dict]:
    """One row per unit or area, ranked best-first (RULE). A window that has ended is kept between
    writes (its overdue count no longer moves with the clock)."""
    params = {"level": check_level(level), "from_ts": window.start, "to_ts": window.end,
              "categories": list(categories) if categories else None,
              "sources": list(sources) if sources else None}

    def compute() -> list[dict]:
        rows = conn.execute(
            text("SELECT * FROM roadchief.case_indicators(:level, :from_ts, :to_ts, :categories, :sources)"),
            params,
        ).mappings()
        return [dict(r) | {"penalty_yuan": float(r["penalty_yuan"])} for r in rows]

    if not window_ended(conn, window.end):
        return compute()
    key = (level, window.start, window.end, tuple(categories or ()), tuple(sources or ()))
    return ANSWERS.get(conn, "case_indicators", INDICATOR_TABLES, key, compute)


# What roadchief.case_indicators reads (sql/functions/case_indicators.sql, the deadlines of 05_, 06_).
INDICATOR_TABLES = ("issue", "issue_event", "issue_category", "penalty", "unit", "evaluation_weight",
                    "community", "sub_district", "road_segment", "work_calendar", "work_hours")


def district_indicators(conn: Connection, window: Window) -> dict:
    """The whole district as one row of the same indicators (every case, also those outside all
    communities): the periodic reports' totals."""
    row = conn.execute(
        text("SELECT * FROM roadchief.case_indicators('district', :from_ts, :to_ts)"),
        {"from_ts": window.start, "to_ts": window.end},
    ).mappings().one()
    return dict(row) | {"penalty_yuan": float(row["penalty_yuan"])}
