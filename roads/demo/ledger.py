"""Issues for the demo ledger: a few thousand over the last 90 days, clustered where real problems
cluster (around markets, construction sites and village-turned-community areas)."""

from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
import shapely

from roads.demo import layout, names

ISSUES_PER_SCALE = 4_000
WINDOW_DAYS = 90
UNSNAPPED_SHARE = 0.03

CATEGORIES_BY_CAUSE = {
    "market": (["T03.01", "T03.02", "T03.03", "T04.02", "T04.01", "T10.01", "T08.01"],
               [0.32, 0.18, 0.14, 0.12, 0.1, 0.07, 0.07]),
    "site": (["T02.01", "T02.02", "T02.03", "T02.04", "T01.01", "T01.02", "T06.01"],
             [0.14, 0.22, 0.18, 0.08, 0.2, 0.12, 0.06]),
    "village": (["T07.01", "T08.03", "T03.04", "T03.07", "T06.02", "T03.02", "T10.03", "T05.01"],
                [0.2, 0.14, 0.16, 0.12, 0.1, 0.12, 0.06, 0.1]),
}
SOURCES = (["patrol", "hotline", "dcm", "open311"], [0.6, 0.15, 0.2, 0.05])
OPEN_STATUSES = ["reported", "dispatched", "handled", "verified"]


@dataclass
class IssueRows:
    geoms: np.ndarray
    category_codes: list[str]
    descriptions: list[str]
    statuses: list[str]
    reported_at: list[datetime]
    updated_at: list[datetime]
    sources: list[str]
    reporters: list[str | None]

    def in_order_reported(self) -> "IssueRows":
        """The rows as a ledger receives them, oldest first: ids and the table's pages then follow
        the time, as in a real one, and a week's issues sit together on disk (a window read from
        a year of issues in random order touched ten times the pages)."""
        order = sorted(range(len(self.reported_at)), key=self.reported_at.__getitem__)

        def pick(values):
            return [values[i] for i in order]

        return IssueRows(np.asarray(self.geoms)[order], pick(self.category_codes), pick(self.descriptions),
                         pick(self.statuses), pick(self.reported_at), pick(self.updated_at), pick(self.sources),
                         pick(self.reporters))


def segment_weights(midpoints_m: np.ndarray, in_village: np.ndarray, markets_m: np.ndarray,
                    sites_m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """How likely each segment is to carry an issue, and what mostly causes them there."""
    def pull(hotspots, sigma, strength):
        total = np.zeros(len(midpoints_m))
        for start in range(0, len(midpoints_m), 20_000):
            chunk = midpoints_m[start:start + 20_000]
            d2 = ((chunk[:, None, :] - hotspots[None, :, :]) ** 2).sum(axis=2)
            total[start:start + 20_000] = strength * np.exp(-d2 / (2 * sigma**2)).sum(axis=1)
        return total

    contributions = np.column_stack([
        np.full(len(midpoints_m), 0.15),
        pull(markets_m, 250.0, 3.0),
        pull(sites_m, 180.0, 0.5),
        in_village * 0.6,
    ])
    return contributions.sum(axis=1), contributions.argmax(axis=1)


def generate(segments, as_of: datetime, count: int, rng: np.random.Generator,
             layout_: layout.DistrictLayout, category_names: dict[str, str]) -> IssueRows:
    """`segments`: (ids, road names, lon/lat geometries, in-village flags, tier-3 chief names)."""
    _ids, road_names, geoms, in_village, tier3_names = segments
    midpoints = shapely.line_interpolate_point(geoms, 0.5, normalized=True)
    mid_m = lonlat_to_m(shapely.get_coordinates(midpoints))
    markets_m = np.array([(p.x, p.y) for p in layout_.markets])
    sites_m = np.array([(s.centroid.x, s.centroid.y) for s in layout_.sites])
    weights, cause = segment_weights(mid_m, in_village.astype(float), markets_m, sites_m)
    chosen = rng.choice(len(geoms), size=count, p=weights / weights.sum())

    points = shapely.line_interpolate_point(geoms[chosen], rng.uniform(0, 1, count), normalized=True)
    xy = lonlat_to_m(shapely.get_coordinates(points))
    far = rng.random(count) < UNSNAPPED_SHARE
    offset = np.where(far, rng.uniform(70, 180, count), np.abs(rng.normal(0, 8, count)))
    angle = rng.uniform(0, 2 * np.pi, count)
    xy += np.column_stack([np.cos(angle), np.sin(angle)]) * offset[:, None]
    geoms_out = layout.to_lonlat(shapely.points(xy))

    categories, descriptions = [], []
    sub_category_codes = sorted(category_names)
    nearest_market = nearest_index(xy, markets_m)
    for i, segment_index in enumerate(chosen):
        kind = ("background", "market", "site", "village")[cause[segment_index]]
        if kind == "background":
            code = sub_category_codes[rng.integers(len(sub_category_codes))]
        else:
            codes, p = CATEGORIES_BY_CAUSE[kind]
            code = codes[rng.choice(len(codes), p=p)]
        categories.append(code)
        place = names.MARKET_NAMES[nearest_market[i]] + "周边" if kind == "market" else road_names[segment_index]
        descriptions.append(place + category_names[code])

    age_days = rng.uniform(0, WINDOW_DAYS, count)
    reported = [as_of - timedelta(days=float(a)) for a in age_days]
    closed = rng.random(count) < np.clip(age_days / 25, 0, 0.97)
    progress = (rng.random(count) * np.minimum(age_days + 1, 4)).astype(int)  # older cases got further
    statuses = ["closed" if c else OPEN_STATUSES[p] for c, p in zip(closed, progress, strict=True)]
    handling_hours = rng.gamma(2.0, 18.0, count)
    updated = [min(r + timedelta(hours=float(h)), as_of) for r, h in zip(reported, handling_hours, strict=True)]
    sources = rng.choice(SOURCES[0], size=count, p=SOURCES[1]).tolist()
    reporters = [tier3_names[s] if src == "patrol" else None for s, src in zip(chosen, sources, strict=True)]
    rows = IssueRows(geoms_out, categories, descriptions, statuses, reported, updated, sources, reporters)
    return rows.in_order_reported()


def nearest_index(xy: np.ndarray, hotspots: np.ndarray) -> np.ndarray:
    result = np.empty(len(xy), dtype=int)
    for start in range(0, len(xy), 50_000):
        chunk = xy[start:start + 50_000]
        result[start:start + 50_000] = ((chunk[:, None, :] - hotspots[None, :, :]) ** 2).sum(axis=2).argmin(axis=1)
    return result


def lonlat_to_m(coords: np.ndarray) -> np.ndarray:
    return np.column_stack([(coords[:, 0] - layout.ORIGIN_LON) * layout.METRES_PER_DEG_LON,
                            (coords[:, 1] - layout.ORIGIN_LAT) * layout.METRES_PER_DEG_LAT])
