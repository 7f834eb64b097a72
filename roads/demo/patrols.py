"""Patrols for the demo district: the last weeks of GPS tracks along each chief's own segments, so
that compliance shows on the first day. Chiefs differ: some patrol nearly every day they are due,
some now and then, a few hardly ever; a few tracks are too short or driven by car.

Tracks walk the chief's segments in order from a random one (there and back on a short one), for
most of their length (22-60 minutes), at
1.1-1.6 m/s, a reading a minute with a few metres of GPS noise and the odd spike.

The general chiefs (总路长, 副总路长; every half month) walk a stretch of a main street, over a longer
history (four half-months) so that their rule shows more than one period: the deputy every time,
the head missing one."""

import itertools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
import shapely

from roads.demo import layout
from roads.demo.ledger import lonlat_to_m

DAYS = 14
EVERY_S = 60.0  # phones record more often; a reading a minute keeps the demo load fast
DILIGENCE = ([0.92, 0.6, 0.25, 0.03], [0.35, 0.35, 0.2, 0.1])  # chance to patrol a due period, share of chiefs
EVERY_DAYS = {1: 7, 2: 1, 3: 1}
GENERAL_DAYS = 60
GENERAL_EVERY_DAYS = 15
GENERAL_STREET = "航海东路"
GENERAL_SKIPPED = {1: {1}}  # by rank (总路长): the half-months missed, counted back from today


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


@dataclass
class Track:
    chief_id: int
    started: datetime
    ended: datetime
    times: np.ndarray  # ISO UTC strings
    lonlat: np.ndarray
    accuracy: np.ndarray


def tracks(chiefs: list[ChiefSegments], as_of: datetime, rng: np.random.Generator, days: int = DAYS,
           every_s: float = EVERY_S, diligence=DILIGENCE) -> Iterator[Track]:
    """The patrols of the `days` before `as_of`, one chief after the other (a stream: the bench
    makes millions of readings)."""
    today = as_of.replace(hour=0, minute=0, second=0, microsecond=0)
    chances = rng.choice(diligence[0], size=len(chiefs), p=diligence[1])
    for chief, chance in zip(chiefs, chances, strict=True):
        every = EVERY_DAYS[chief.tier]
        own_m = sum(float(np.hypot(*np.diff(c, axis=0).T).sum()) for c in chief.lines_m)
        for day_back in range(days, 0, -every):
            if rng.random() >= chance:
                continue
            day = today - timedelta(days=day_back - int(rng.integers(0, every)))
            # long enough for most of the chief's segments, within what a morning allows
            minutes = (float(np.clip(own_m / 1.35 / 60 * rng.uniform(0.8, 1.15), 22, 60))
                       if rng.random() > 0.08 else rng.uniform(5, 15))
            speed = rng.uniform(1.1, 1.6) if rng.random() > 0.04 else rng.uniform(12, 17)  # by car
            started = day + timedelta(hours=float(rng.choice([7.5, 9, 15, 16.5]) + rng.uniform(0, 1)))
            yield walk(chief, started, minutes, speed, every_s, rng)


def general_tracks(chiefs: list[tuple[int, int]], street_m: list, as_of: datetime, rng: np.random.Generator,
                   days: int = GENERAL_DAYS) -> Iterator[Track]:
    """`chiefs`: (id, rank) of the general chiefs; `street_m`: the main street's segments in local
    metres, in order along it. One patrol in each half-month that the chief does not skip."""
    if not street_m:
        return
    today = as_of.replace(hour=0, minute=0, second=0, microsecond=0)
    for chief_id, rank in chiefs:
        for period in range(days // GENERAL_EVERY_DAYS):
            day_back = period * GENERAL_EVERY_DAYS + int(rng.integers(1, GENERAL_EVERY_DAYS + 1))
            if period in GENERAL_SKIPPED.get(rank, set()):
                continue
            started = today - timedelta(days=day_back) + timedelta(hours=float(rng.choice([9, 15]) + rng.uniform(0, 1)))
            # from the western half, so that 35-55 minutes eastwards stay on the street
            start = int(rng.integers(max(1, len(street_m) // 2)))
            yield walk(ChiefSegments(chief_id, 0, street_m), started, rng.uniform(35, 55), rng.uniform(1.1, 1.4),
                       EVERY_S, rng, start)


def walk(chief: ChiefSegments, started: datetime, minutes: float, speed: float, every_s: float,
         rng: np.random.Generator, start: int | None = None) -> Track:
    start = int(rng.integers(len(chief.lines_m))) if start is None else start
    path = shapely.LineString(route(chief.lines_m, start, speed * minutes * 60))
    # the walks between segments count too, up to half as long again
    steps = np.arange(0, min(path.length, 1.5 * speed * minutes * 60), speed * every_s)
    xy = shapely.get_coordinates(shapely.line_interpolate_point(path, steps))
    xy += rng.normal(0, 4, xy.shape)
    spikes = rng.random(len(xy)) < 0.01  # a reflection off a tower block: far, and known to be bad
    xy[spikes] += rng.normal(0, 300, (int(spikes.sum()), 2))
    lonlat = shapely.get_coordinates(layout.to_lonlat(shapely.points(xy))).round(7)
    accuracy = np.round(np.where(spikes, rng.uniform(60, 150, len(xy)), rng.uniform(4, 20, len(xy))), 1)
    seconds = (np.datetime64(started.replace(tzinfo=None) - started.utcoffset(), "s")
               + (np.arange(len(xy)) * every_s).astype("timedelta64[s]"))
    ended = started + timedelta(seconds=float((len(xy) - 1) * every_s))
    return Track(chief.chief_id, started, ended, np.datetime_as_string(seconds, unit="s", timezone="UTC"),
                 lonlat, accuracy)


def generate(chiefs: list[ChiefSegments], as_of: datetime, rng: np.random.Generator,
             days: int = DAYS, more: Iterable[Track] = ()) -> DemoPatrols:
    """The chiefs' tracks, then `more` (the general chiefs'), numbered from 1."""
    patrols, point_rows = [], []
    for patrol_id, track in enumerate(itertools.chain(tracks(chiefs, as_of, rng, days), more), start=1):
        patrols.append((patrol_id, track.chief_id, track.started, track.ended))
        point_rows.extend(zip([patrol_id] * len(track.times), track.times, track.lonlat[:, 0],
                              track.lonlat[:, 1], track.accuracy, strict=True))
    return DemoPatrols(patrols, point_rows)
