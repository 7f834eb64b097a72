"""What a 日报/周报/旬报 says, before it is drawn: every provider's figures beside the previous
period's, the written summary, the areas with the highest and lowest issue density named with
their chiefs, and the period's key cases.

Key cases (重点案卷): cases reported in the period (not 不予立案), those with photos both before and
after handling first, then the most often reported again (duplicates merged into them), then the
longest past their handling deadline (closed: at closing; open: at the period's end), at most
KEY_CASES of them."""

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import Connection, text

from roads.district import District, get_district
from roads.issues.flow import STATUS_LABELS
from roads.issues.window import Window
from roads.patrols.rates import area_rates
from roads.reports import compare
from roads.reports.periods import KINDS, PREVIOUS, THIS, Period
from roads.reports.providers import PROVIDERS, Provider

KEY_CASES = 4
AREAS_SHOWN = 3


@dataclass
class Area:
    level: str  # community | sub_district
    name: str
    sub_district_name: str | None
    issues: int
    per_km_30d: float | None
    patrol_rate: float | None
    chiefs: list[str]


@dataclass
class KeyCase:
    id: int
    category_name: str
    status: str
    place: str
    reported_at: datetime
    due_at: datetime | None
    late_hours: float | None
    repeats: int
    description: str
    before_photo: Path | None
    after_photo: Path | None

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status, self.status)


@dataclass
class Report:
    kind: str
    period: Period
    previous: Period
    district: District
    window: Window
    groups: list[list[compare.Row]]
    summary: list[str] = field(default_factory=list)
    worst: list[Area] = field(default_factory=list)
    best: list[Area] = field(default_factory=list)
    sub_districts: list[Area] = field(default_factory=list)
    key_cases: list[KeyCase] = field(default_factory=list)

    @property
    def rows(self) -> list[compare.Row]:
        return [row for group in self.groups for row in group]

    @property
    def title(self) -> str:
        return f"{self.district.short_name}路长制{KINDS[self.kind]}"


def figure_groups(conn: Connection, period: Period, previous: Period,
                  providers: list[Provider]) -> list[list[compare.Row]]:
    groups = []
    for provider in providers:
        now = provider(conn, period.start, period.end)
        before = {f.key: f.value for f in provider(conn, previous.start, previous.end)}
        groups.append([compare.Row(f, before.get(f.key)) for f in now])
    return groups


def chiefs_by_area(conn: Connection, level: str) -> dict[int, list[str]]:
    """Area id → its chiefs at the area's own tier (a community's 三级路长, a sub-district's 二级路长),
    the one holding the most road length first."""
    tier = 3 if level == "community" else 2
    area = "s.community_id" if level == "community" else "cm.sub_district_id"
    rows = conn.execute(text(f"""
        SELECT {area} AS area_id, ch.name, sum(s.length_m) AS length_m
        FROM public.segment_assignment AS a
        JOIN public.road_segment AS s ON s.id = a.segment_id
        JOIN public.community AS cm ON cm.id = s.community_id
        JOIN public.chief AS ch ON ch.id = a.chief_id
        WHERE a.valid_to IS NULL AND a.tier = :tier
        GROUP BY 1, ch.id, ch.name
        ORDER BY 1, length_m DESC, ch.name
    """), {"tier": tier})  # `area` is one of two code constants, never user input
    chiefs: dict[int, list[str]] = {}
    for row in rows:
        chiefs.setdefault(row.area_id, []).append(row.name)
    return chiefs


def areas(conn: Connection, level: str, window: Window) -> list[Area]:
    """Every area of `level` with a road, by issue density (件/公里/30天) highest first: the
    numbers of GET /api/rankings (roadchief.area_rankings, area_patrol_rates)."""
    chiefs = chiefs_by_area(conn, level)
    rates = area_rates(conn, level, window)
    rows = conn.execute(text("SELECT * FROM roadchief.area_rankings(:level, :from_ts, :to_ts, NULL)"),
                        {"level": level, "from_ts": window.start, "to_ts": window.end}).mappings()
    return [Area(level, r["area_name"], r["sub_district_name"], int(r["issues"] or 0), r["per_km_30d"],
                 rates.get(r["area_id"], {}).get("rate"), chiefs.get(r["area_id"], []))
            for r in rows if r["km"]]


def best_first(rows: list[Area]) -> list[Area]:
    """Lowest density first; ties by the higher patrol rate."""
    return sorted(rows, key=lambda a: (a.per_km_30d or 0, -(a.patrol_rate or 0), a.name))


def key_cases(conn: Connection, window: Window, photo_dir: Path | None) -> list[KeyCase]:
    rows = conn.execute(text("""
        SELECT i.id, cat.name AS category_name, i.status, i.reported_at, i.description,
               coalesce(i.address, r.name, '') AS address, cm.name AS community_name, d.due_at,
               (SELECT count(*) FROM public.issue AS dup WHERE dup.duplicate_of = i.id) AS repeats,
               extract(epoch FROM (CASE WHEN i.status = 'closed' THEN i.updated_at
                                        ELSE least(now(), :to_ts) END) - d.due_at) / 3600 AS late_hours,
               (SELECT p.stored_path FROM public.issue_photo AS p
                WHERE p.issue_id = i.id AND p.stage = 'before' ORDER BY p.id LIMIT 1) AS before_photo,
               (SELECT p.stored_path FROM public.issue_photo AS p
                WHERE p.issue_id = i.id AND p.stage = 'after' ORDER BY p.id DESC LIMIT 1) AS after_photo
        FROM roadchief.counted_issues(:from_ts, :to_ts, area_of => 'issue') AS i
        JOIN public.issue_category AS cat ON cat.code = i.category_code
        LEFT JOIN public.road_segment AS s ON s.id = i.segment_id
        LEFT JOIN public.road AS r ON r.id = s.road_id
        LEFT JOIN public.community AS cm ON cm.id = i.community_id
        LEFT JOIN LATERAL roadchief.handling_deadline(i.reported_at, i.category_code, i.due_override) AS d
            ON true
        WHERE i.status <> 'rejected'
        ORDER BY (SELECT count(DISTINCT p.stage) FROM public.issue_photo AS p WHERE p.issue_id = i.id) DESC,
                 repeats DESC, late_hours DESC NULLS LAST, i.id
        LIMIT :limit
    """), {"from_ts": window.start, "to_ts": window.end, "limit": KEY_CASES}).mappings()

    def photo(relative: str | None) -> Path | None:
        if relative is None or photo_dir is None or not (photo_dir / relative).is_file():
            return None
        return photo_dir / relative

    return [KeyCase(r["id"], r["category_name"], r["status"],
                    "，".join(p for p in (r["community_name"], r["address"]) if p) or "—",
                    r["reported_at"], r["due_at"],
                    None if r["late_hours"] is None else float(r["late_hours"]), int(r["repeats"]),
                    r["description"], photo(r["before_photo"]), photo(r["after_photo"]))
            for r in rows]


def area_sentence(worst: list[Area], best: list[Area], this_word: str) -> str:
    if not worst or not worst[0].issues:
        return ""  # no issue on any area's roads: the figures have said so

    def named(area: Area) -> str:
        chiefs = "、".join(area.chiefs[:2]) if area.chiefs else "暂未设三级路长"
        return f"{area.name}（三级路长：{chiefs}）"

    shown = [a for a in worst if a.issues]
    text = f"{this_word}问题密度最高的社区（村）为" + "、".join(named(a) for a in shown) + "，请督促整改"
    if best:
        text += "；问题最少的为" + "、".join(named(a) for a in best)
    return text + "。"


def case_sentence(cases: list[KeyCase], this_word: str) -> str:
    if not cases:
        return ""
    late = [c for c in cases if c.late_hours and c.late_hours > 0]
    text = f"{this_word}重点案卷 {len(cases)} 件（见末页），其中 {len(late)} 件超过处置时限"
    return text + "。"


def compose(conn: Connection, period: Period, photo_dir: Path | None = None,
            providers: list[Provider] | None = None) -> Report:
    """The report of `period`, compared with the period before it."""
    district = get_district(conn)
    previous = period.previous()
    window = period.window(district.zone)
    groups = figure_groups(conn, period, previous, PROVIDERS if providers is None else providers)
    communities = areas(conn, "community", window)
    report = Report(period.kind, period, previous, district, window, groups,
                    worst=communities[:AREAS_SHOWN],
                    best=best_first(communities)[:AREAS_SHOWN],
                    sub_districts=areas(conn, "sub_district", window),
                    key_cases=key_cases(conn, window, photo_dir))
    this_word, previous_word = THIS[period.kind], PREVIOUS[period.kind]
    report.summary = [s for s in (compare.sentence(group, this_word, previous_word) for group in groups) if s]
    for line in (area_sentence(report.worst, report.best, this_word), case_sentence(report.key_cases, this_word)):
        if line:
            report.summary.append(line)
    return report
