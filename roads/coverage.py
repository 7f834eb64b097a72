"""Coverage statistics: km and share covered per tier, tier-3 party share, uncovered segments, ranking."""

from sqlalchemy import Connection, text

from roads.answer_cache import ANSWERS
from roads.errors import InvalidInput, NotFound
from roads.issues.window import Window
from roads.patrols.rates import NO_PATROLS_DUE, area_rates, this_week

LEVELS = ("district", "sub_district", "community")
PARTY_TARGET = 0.8

# Segments of the scope (the whole district, one sub-district or one community), each with the key
# of the unit it is counted in at the requested level.
SCOPED = """
WITH seg AS (
    SELECT sc.*,
           CASE CAST(:level AS text) WHEN 'district' THEN 0
                WHEN 'sub_district' THEN sc.sub_district_id ELSE sc.community_id END AS unit_id
    FROM roadchief.segment_coverage AS sc
    WHERE (CAST(:sub_district AS integer) IS NULL OR sc.sub_district_id = :sub_district)
      AND (CAST(:community AS integer) IS NULL OR sc.community_id = :community)
)
"""

UNITS = text(SCOPED + """
SELECT seg.unit_id,
       CASE CAST(:level AS text) WHEN 'district' THEN '全区'
            WHEN 'sub_district' THEN min(sd.name) ELSE min(seg.community_name) END AS name,
       min(seg.sub_district_id) AS sub_district_id,
       count(*) AS segments,
       sum(seg.length_m) AS total_m,
       COALESCE(sum(seg.length_m) FILTER (WHERE seg.tier1_chief_id IS NOT NULL), 0) AS tier1_m,
       COALESCE(sum(seg.length_m) FILTER (WHERE seg.tier2_chief_id IS NOT NULL), 0) AS tier2_m,
       COALESCE(sum(seg.length_m) FILTER (WHERE seg.tier3_chief_id IS NOT NULL), 0) AS tier3_m,
       COALESCE(sum(seg.length_m) FILTER (WHERE seg.tiers_covered = 3), 0) AS all_m,
       count(*) FILTER (WHERE seg.tiers_covered < 3) AS uncovered_segments,
       min(ps.tier3_chiefs) AS tier3_chiefs, min(ps.tier3_party_chiefs) AS tier3_party_chiefs,
       min(ps.by_people) AS party_by_people, min(ps.by_length) AS party_by_length
FROM seg
LEFT JOIN public.sub_district AS sd ON sd.id = seg.sub_district_id
LEFT JOIN roadchief.party_share(CAST(:level AS text)) AS ps ON ps.area_id = seg.unit_id
GROUP BY seg.unit_id
ORDER BY seg.unit_id
""")

UNCOVERED = text(SCOPED + """
SELECT seg.segment_id, seg.road_id, seg.road_name, seg.community_name, round(seg.length_m::numeric, 1) AS length_m,
       array_remove(ARRAY[
           CASE WHEN seg.tier1_chief_id IS NULL THEN 1 END,
           CASE WHEN seg.tier2_chief_id IS NULL THEN 2 END,
           CASE WHEN seg.tier3_chief_id IS NULL THEN 3 END], NULL) AS missing_tiers,
       count(*) OVER () AS total
FROM seg
WHERE seg.tiers_covered < 3
ORDER BY seg.road_name, seg.segment_id
LIMIT :limit
""")


def share(part: float, whole: float) -> float | None:
    return round(part / whole, 4) if whole else None


def rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def unit_stats(row) -> dict:
    total = float(row.total_m or 0)
    tiers = {str(t): {"km": round(float(getattr(row, f"tier{t}_m")) / 1000, 3),
                      "share": share(float(getattr(row, f"tier{t}_m")), total)} for t in (1, 2, 3)}
    party_share = rounded(row.party_by_people)
    return {
        "id": row.unit_id, "name": row.name, "sub_district_id": row.sub_district_id,
        "segments": row.segments, "total_km": round(total / 1000, 3),
        "tiers": tiers,
        "all_tiers": {"km": round(float(row.all_m) / 1000, 3), "share": share(float(row.all_m), total)},
        "uncovered_segments": row.uncovered_segments,
        # The party share is roadchief.party_share's (sql/functions/coverage.sql), as in the exports.
        "tier3_chiefs": row.tier3_chiefs or 0, "tier3_party_chiefs": row.tier3_party_chiefs or 0,
        "tier3_party_share_by_people": party_share,
        "tier3_party_share_by_length": rounded(row.party_by_length),
        "meets_party_target": party_share is not None and party_share >= PARTY_TARGET,
    }


def scope_for(conn: Connection, level: str, unit_id: int | None) -> dict:
    if level not in LEVELS:
        raise InvalidInput("level must be district, sub_district or community",
                           "统计层级须为 district（全区）、sub_district（办事处）或 community（社区）")
    if unit_id is None or level == "district":
        return {"sub_district": None, "community": None}
    table = "sub_district" if level == "sub_district" else "community"
    if conn.execute(text(f"SELECT 1 FROM {table} WHERE id = :id"), {"id": unit_id}).first() is None:
        raise NotFound(f"{table.replace('_', '-')} {unit_id} does not exist",
                       f"未找到编号为 {unit_id} 的{'办事处' if table == 'sub_district' else '社区'}")
    return {"sub_district": unit_id if level == "sub_district" else None,
            "community": unit_id if level == "community" else None}


def with_patrols(units: list[dict], rates: dict[int, dict]) -> list[dict]:
    return [{**unit, "patrol": rates.get(unit["id"], NO_PATROLS_DUE)} for unit in units]


# What the coverage figures read: an answer is kept until one of them changes (roads/answer_cache.py).
COVERAGE_TABLES = ("road_segment", "road", "community", "sub_district", "segment_assignment", "chief")


def segment_figures(conn: Connection, level: str, scope: dict, uncovered_limit: int) -> tuple[list, list, list]:
    """The units at `level`, the scope's uncovered segments and, for the ranking, its communities."""

    def compute() -> tuple[list, list, list]:
        params = {"level": level, **scope}
        units = [unit_stats(r) for r in conn.execute(UNITS, params)]
        uncovered = [dict(r) for r in conn.execute(UNCOVERED, params | {"limit": uncovered_limit}).mappings()]
        # At the community level the ranking is the units themselves: one pass over the view, not two.
        communities = units if level == "community" else [
            unit_stats(r) for r in conn.execute(UNITS, scope | {"level": "community"})]
        return units, uncovered, communities

    key = (level, scope["sub_district"], scope["community"], uncovered_limit)
    return ANSWERS.get(conn, "coverage", COVERAGE_TABLES, key, compute)


def coverage(conn: Connection, level: str = "district", unit_id: int | None = None,
             uncovered_limit: int = 200, patrol_window: Window | None = None) -> dict:
    """Statistics per unit at `level` (optionally one unit), its uncovered segments and the ranking;
    with each unit's patrol figures over `patrol_window` (default this week)."""
    scope = scope_for(conn, level, unit_id)
    window = patrol_window or this_week()
    units, uncovered, communities = segment_figures(conn, level, scope, uncovered_limit)
    community_rates = area_rates(conn, "community", window)
    rates = community_rates if level == "community" else area_rates(conn, level, window)
    units = with_patrols(units, rates)
    ranking = with_patrols(communities, community_rates)
    ranking.sort(key=lambda u: (-(u["tiers"]["3"]["share"] or 0), -(u["all_tiers"]["share"] or 0), u["name"]))
    for rank, unit in enumerate(ranking, start=1):
        unit["rank"] = rank
    return {
        "level": level, "id": unit_id, "party_target": PARTY_TARGET, "units": units,
        "patrol_window": {"from": window.start, "to": window.end, "label": window.label()},
        "uncovered": {"total": uncovered[0]["total"] if uncovered else 0,
                      "segments": [{k: v for k, v in r.items() if k != "total"} for r in uncovered]},
        "ranking": [{k: u[k] for k in ("rank", "id", "name", "sub_district_id", "total_km", "tiers", "all_tiers",
                                        "tier3_party_share_by_people", "tier3_party_share_by_length",
                                        "meets_party_target", "patrol")} for u in ranking],
    }
