"""Patrols for the demo district: the last weeks of GPS tracks along each chief's own segments, so
that compliance shows on the first day. Chiefs differ: some patrol nearly every day they are due,
some now and then, a few hardly ever; a few tracks are too short or driven by car.

Tracks walk the chief's segments in order from a random one (there and back on a short one), for
most of their length (22-60 minutes), at
1.1-1.6 m/s, a reading every 30 s with a few metres of GPS noise and the odd spike."""

from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
import shapely

from roads.demo import layout
from roads.demo.ledger import lonlat_to_m

DAYS = 14
EVERY_S = 30.0  # phones record more often; fewer readings keep the demo load fast
DILIGENCE = ([0.92, 0.6, 0.25, 0.03], [0.35, 0.35, 0.2, 0.1])  # chance to patrol a due period, share of chiefs
EVERY_DAYS = {1: 7, 2: 1, 3: 1}


@dataclass
class ChiefSegments:
    chief_id: int
    tier: int  # the chief's most frequent tier
    lines_m: list  # shapely LineStrings in local metres, in segment id order


@dataclass
class DemoPatrols:
    patrols: list[tuple[int, int, datetime, datetime]]  # id, chief, started, ended
    points: list[tuple[int, str, float, float, float]]  # patrol, UTC time (ISO), lon, lat, accuracy


def chief_paths(rows) -> list[ChiefSegments]:
    """`rows`: (chief_id, tier, wkb) of current assignments, ordered by chief and segment."""
    by_chief: dict[int, ChiefSegments] = {}
    lines = shapely.from_wkb([bytes(r.wkb) for r in rows])
    for row, line in zip(rows, lines, strict=True):
        coords = lonlat_to_m(shapely.get_coordinates(line))
        entry = by_chief.setdefault(row.chief_id, ChiefSegments(row.chief_id, row.tier, []))
        entry.tier = max(entry.tier, row.tier)
        entry.lines_m.append(coords)
    return list(by_chief.values())


def route(lines_m: list[np.ndarray], start: int, length_m: float) -> np.ndarray:
    """Coordinates walking the segments in order from `start`, back and forth, for `length_m`."""
    parts, total, i, forward = [], 0.0, start, True
    while total < length_m:
        coords = lines_m[i % len(lines_m)]
        coords = coords if forward else coords[::-1]
        parts.append(coords)
        total += float(np.hypot(*np.diff(coords, axis=0).T).sum()) + 1.0
        if len(lines_m) == 1:
            forward = not forward
        i += 1
    return np.vstack(parts)


def generate(chiefs: list[ChiefSegments], as_of: datetime, rng: np.random.Generator,
             first_id: int = 1) -> DemoPatrols:
    today = as_of.replace(hour=0, minute=0, second=0, microsecond=0)
    patrols, point_rows = [], []
    diligence = rng.choice(DILIGENCE[0], size=len(chiefs), p=DILIGENCE[1])
    next_id = first_id
    for chief, chance in zip(chiefs, diligence, strict=True):
        every = EVERY_DAYS[chief.tier]
        own_m = sum(float(np.hypot(*np.diff(c, axis=0).T).sum()) for c in chief.lines_m)
        for day_back in range(DAYS, 0, -every):
            if rng.random() >= chance:
                continue
            day = today - timedelta(days=day_back - int(rng.integers(0, every)))
            # long enough for most of the chief's segments, within what a morning allows
            minutes = (float(np.clip(own_m / 1.35 / 60 * rng.uniform(0.8, 1.15), 22, 60))
                       if rng.random() > 0.08 else rng.uniform(5, 15))
            speed = rng.uniform(1.1, 1.6) if rng.random() > 0.04 else rng.uniform(12, 17)  # by car
            started = day + timedelta(hours=float(rng.choice([7.5, 9, 15, 16.5]) + rng.uniform(0, 1)))
            path = shapely.LineString(route(chief.lines_m, int(rng.integers(len(chief.lines_m))),
                                            speed * minutes * 60))
            # the walks between segments count too, up to half as long again
            steps = np.arange(0, min(path.length, 1.5 * speed * minutes * 60), speed * EVERY_S)
            xy = shapely.get_coordinates(shapely.line_interpolate_point(path, steps))
            xy += rng.normal(0, 4, xy.shape)
            spikes = rng.random(len(xy)) < 0.01  # a reflection off a tower block: far, and known to be bad
            xy[spikes] += rng.normal(0, 300, (int(spikes.sum()), 2))
            lonlat = shapely.get_coordinates(layout.to_lonlat(shapely.points(xy)))
            accuracy = np.round(np.where(spikes, rng.uniform(60, 150, len(xy)), rng.uniform(4, 20, len(xy))), 1)
            seconds = (np.datetime64(started.replace(tzinfo=None) - started.utcoffset(), "s")
                       + (np.arange(len(xy)) * EVERY_S).astype("timedelta64[s]"))
            times = np.datetime_as_string(seconds, unit="s", timezone="UTC")
            ended = started + timedelta(seconds=float((len(xy) - 1) * EVERY_S))
            patrols.append((next_id, chief.chief_id, started, ended))
            point_rows.extend(zip([next_id] * len(xy), times, lonlat[:, 0].round(7), lonlat[:, 1].round(7),
                                  accuracy, strict=True))
            next_id += 1
    return DemoPatrols(patrols, point_rows)
