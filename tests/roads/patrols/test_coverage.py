"""Which of the chief's own segments a track covered, jitter and stays filtered, car speed flagged."""

from datetime import datetime, timedelta

from sqlalchemy import text

from roads.issues.window import CHINA_TZ
from roads.patrols.queries import get_patrol
from roads.patrols.recording import Point, add_points, end_patrol, record_track, start_patrol
from tests.roads.patrols.conftest import beside, walk

T0 = datetime(2026, 11, 17, 8, 0, tzinfo=CHINA_TZ)


def shares(conn, patrol_id) -> dict[int, float]:
    return dict(conn.execute(text(
        "SELECT segment_id, covered_share FROM patrol_segment WHERE patrol_id = :p"), {"p": patrol_id}).all())


def patrol_row(conn, patrol_id):
    return conn.execute(text("SELECT * FROM patrol WHERE id = :p"), {"p": patrol_id}).mappings().one()


def midpoint(a, b, f=0.5):
    return a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f


def test_a_walk_along_half_a_segment_covers_about_half(conn, setup):
    seg = setup.a
    points = walk(seg.start, midpoint(seg.start, seg.end, 0.55), T0)
    patrol_id = record_track(conn, setup.chief_user, None, points)
    share = shares(conn, patrol_id)[seg.id]
    assert 0.55 <= share <= 0.55 + 35 / seg.length_m
    feature = get_patrol(conn, patrol_id)["features"]
    covered = [f["properties"] for f in feature if f["properties"]["kind"] == "segment"]
    assert [(c["segment_id"], c["covered"]) for c in covered] == [(seg.id, True)]


def test_a_track_crossing_a_segment_covers_only_the_crossing(conn, setup):
    seg = setup.a
    mid = midpoint(seg.start, seg.end)
    # 300 m across the segment's middle, square to it
    start, end = beside(mid, seg, 150), beside(mid, seg, -150)
    patrol_id = record_track(conn, setup.chief_user, None, walk(start, end, T0))
    share = shares(conn, patrol_id).get(seg.id, 0)
    assert 0 < share < 0.1
    segments = [f["properties"] for f in get_patrol(conn, patrol_id)["features"][1:]]
    assert all(not s["covered"] for s in segments)


def test_a_track_40_m_beside_a_segment_covers_nothing(conn, setup):
    seg = setup.a
    patrol_id = record_track(conn, setup.chief_user, None, walk(seg.start, seg.end, T0, offset_m=40))
    assert shares(conn, patrol_id).get(seg.id, 0) == 0
    assert 0.95 * seg.length_m < patrol_row(conn, patrol_id)["distance_m"] < 1.05 * seg.length_m


def test_jitter_and_stays_are_filtered(conn, setup):
    seg = setup.a
    points = walk(seg.start, seg.end, T0)
    noisy = []
    for i, p in enumerate(points):
        noisy.append(p)
        if i % 40 == 20:  # a spike 400 m off, then back: 80 m/s each way
            noisy.append(Point(p.recorded_at + timedelta(seconds=2), p.lon, p.lat + 400 / 110_574, 10))
        if i % 40 == 30:  # a reading the phone itself says is off by 150 m
            noisy.append(Point(p.recorded_at + timedelta(seconds=2), p.lon, p.lat - 300 / 110_574, 150))
    last = points[-1]
    # ten minutes standing at the end, the readings wandering by a few metres
    for k in range(120):
        noisy.append(Point(last.recorded_at + timedelta(seconds=5 * (k + 1)),
                           last.lon + ((k % 3) - 1) * 3 / 91_500, last.lat + ((k % 2) - 0.5) * 4 / 110_574, 6))
    patrol_id = record_track(conn, setup.chief_user, None, noisy)
    row = patrol_row(conn, patrol_id)
    assert 0.97 * seg.length_m < row["distance_m"] < 1.05 * seg.length_m
    assert shares(conn, patrol_id)[seg.id] > 0.97
    assert not row["too_fast"]
    assert 3.5 < row["median_speed_kmh"] < 6.5


def test_a_patrol_by_car_is_flagged_too_fast(conn, setup):
    seg = setup.a
    patrol_id = record_track(conn, setup.chief_user, None, walk(seg.start, seg.end, T0, speed_mps=60 / 3.6))
    row = patrol_row(conn, patrol_id)
    assert row["too_fast"] and 55 < row["median_speed_kmh"] < 65
    assert row["too_short"]  # 79 seconds is no patrol either


def test_phone_batches_then_end_evaluate_the_patrol(conn, setup):
    seg = setup.b
    points = walk(seg.start, seg.end, T0)
    patrol_id = start_patrol(conn, setup.chief_user, started_at=T0)
    for n, start in enumerate(range(0, len(points), 50)):
        add_points(conn, setup.chief_user, patrol_id, f"batch-{n}", points[start:start + 50])
    end_patrol(conn, setup.chief_user, patrol_id)
    row = patrol_row(conn, patrol_id)
    assert row["ended_at"] == points[-1].recorded_at
    assert shares(conn, patrol_id)[seg.id] > 0.97
