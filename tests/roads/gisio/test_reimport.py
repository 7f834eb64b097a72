"""Re-imports: the same file changes nothing; a changed file keeps the assignments that still apply."""

import pytest
from sqlalchemy import text

from roads.gisio.importer import import_file
from tests.roads.gisio.helpers import lines_file, segments, tiny_district


@pytest.fixture
def tiny(conn):
    tiny_district(conn)
    conn.execute(text("INSERT INTO chief (name, phone) VALUES ('测试路长', '13800000000')"))
    return conn


def assign(conn, segment_id: int, tier: int = 3) -> None:
    # The chief must belong to the segment's community (tier 3) or sub-district (tier 2).
    conn.execute(
        text("""
        UPDATE chief SET community_id = c.id, sub_district_id = c.sub_district_id
        FROM road_segment AS s JOIN community AS c ON c.id = s.community_id
        WHERE s.id = :s AND chief.phone = '13800000000'
    """),
        {"s": segment_id},
    )
    conn.execute(
        text("""
        INSERT INTO segment_assignment (segment_id, tier, chief_id)
        SELECT :s, :t, id FROM chief WHERE phone = '13800000000'
    """),
        {"s": segment_id, "t": tier},
    )


def current_chiefs(conn, segment_id: int) -> int:
    return conn.execute(
        text("SELECT count(*) FROM segment_assignment WHERE segment_id = :s AND valid_to IS NULL"),
        {"s": segment_id},
    ).scalar()


def test_the_same_file_twice_changes_nothing(tiny, tmp_path):
    path = lines_file(
        tmp_path / "r.geojson",
        [
            ("横路", [(100.001, 30.005), (100.015, 30.005)]),
            ("纵路", [(100.005, 30.001), (100.005, 30.009)]),
        ],
    )
    first = import_file(tiny, "roads", path)
    before = segments(tiny, "横路") + segments(tiny, "纵路")
    second = import_file(tiny, "roads", path)
    assert first.created == 5
    assert (second.created, second.updated, second.deleted, second.unchanged) == (0, 0, 0, 5)
    assert second.roads_created == 0 and second.roads_updated == 0
    assert segments(tiny, "横路") + segments(tiny, "纵路") == before


def test_a_changed_line_keeps_its_segments_chiefs(tiny, tmp_path):
    import_file(
        tiny,
        "roads",
        lines_file(tmp_path / "v1.geojson", [("横路", [(100.001, 30.005), (100.009, 30.005)])]),
    )
    (segment,) = segments(tiny, "横路")
    assign(tiny, segment["id"])
    # Surveyed again: the road is 100 m longer and its middle vertex moved a metre.
    summary = import_file(
        tiny,
        "roads",
        lines_file(
            tmp_path / "v2.geojson",
            [("横路", [(100.001, 30.005), (100.005, 30.00501), (100.0095, 30.005)])],
        ),
    )
    (after,) = segments(tiny, "横路")
    assert (summary.updated, summary.created, summary.deleted) == (1, 0, 0)
    assert after["id"] == segment["id"] and after["length_m"] > segment["length_m"] + 40
    assert current_chiefs(tiny, segment["id"]) == 1
    assert summary.lost_assignments == []


def test_a_removed_part_reports_the_assignments_lost(tiny, tmp_path):
    import_file(
        tiny,
        "roads",
        lines_file(tmp_path / "v1.geojson", [("横路", [(100.005, 30.005), (100.015, 30.005)])]),
    )
    west, east = segments(tiny, "横路")
    assign(tiny, west["id"])
    assign(tiny, east["id"], tier=2)
    # The new survey stops at the community boundary: the east segment is gone.
    summary = import_file(
        tiny,
        "roads",
        lines_file(tmp_path / "v2.geojson", [("横路", [(100.005, 30.005), (100.010, 30.005)])]),
    )
    assert [s["id"] for s in segments(tiny, "横路")] == [west["id"]]
    assert summary.deleted == 1 and summary.unchanged == 1
    assert summary.lost_assignments == [
        {"segment_id": east["id"], "road": "横路", "tier": 2, "chief": "测试路长"}
    ]
    assert current_chiefs(tiny, west["id"]) == 1


def test_a_new_crossing_road_splits_an_assigned_segment_and_keeps_the_larger_part(tiny, tmp_path):
    import_file(
        tiny,
        "roads",
        lines_file(tmp_path / "v1.geojson", [("横路", [(100.001, 30.005), (100.009, 30.005)])]),
    )
    (segment,) = segments(tiny, "横路")
    assign(tiny, segment["id"])
    summary = import_file(
        tiny,
        "roads",
        lines_file(
            tmp_path / "v2.geojson",
            [
                ("横路", [(100.001, 30.005), (100.009, 30.005)]),
                ("纵路", [(100.007, 30.001), (100.007, 30.009)]),
            ],
        ),
    )
    pieces = segments(tiny, "横路")
    assert len(pieces) == 2 and summary.updated == 1
    kept = next(p for p in pieces if p["id"] == segment["id"])
    split_off = next(p for p in pieces if p["id"] != segment["id"])
    assert kept["length_m"] > 500  # the western three quarters
    assert current_chiefs(tiny, segment["id"]) == 1
    # The eastern quarter is a new segment; its chief is the one of the street it was part of.
    assert summary.inherited == 1 and current_chiefs(tiny, split_off["id"]) == 1


def test_demo_roads_are_adopted_by_name(conn, tmp_path):
    """A survey of a demo road updates that road instead of adding a second one."""
    name, wkt = conn.execute(
        text("""
        SELECT r.name, ST_AsText(ST_LineMerge(ST_Collect(s.geom))) FROM road r
        JOIN road_segment s ON s.road_id = r.id
        WHERE r.road_class = '街巷' GROUP BY r.id HAVING count(*) = 1 ORDER BY r.id LIMIT 1
    """)
    ).one()
    coords = [tuple(map(float, p.split())) for p in wkt[wkt.index("(") + 1 : -1].split(",")]
    summary = import_file(
        conn, "roads", lines_file(tmp_path / "demo.geojson", [(name, coords)], **{"class": "街巷"})
    )
    assert summary.roads_created == 0 and summary.roads_updated == 1
    assert summary.updated + summary.unchanged >= 1 and summary.created == 0
    assert (
        conn.execute(text("SELECT count(*) FROM road WHERE name = :n"), {"n": name}).scalar() == 1
    )


def test_a_grid_over_the_demo_district_reimports_unchanged(conn, tmp_path):
    """Crossings near demo roads cluster the same way whatever order rows come back in."""
    import numpy as np

    rng = np.random.default_rng(3)
    roads = []
    for i in range(20):
        xs = np.linspace(113.681, 113.838, 30)
        ys = 34.658 + 0.0048 * i + rng.normal(0, 0.0001, 30)
        roads.append((f"网格东西路{i}", list(zip(xs.tolist(), ys.tolist(), strict=True))))
        ys = np.linspace(34.656, 34.754, 30)
        xs = 113.683 + 0.0078 * i + rng.normal(0, 0.0001, 30)
        roads.append((f"网格南北路{i}", list(zip(xs.tolist(), ys.tolist(), strict=True))))
    path = lines_file(tmp_path / "grid.geojson", roads)
    first = import_file(conn, "roads", path)
    second = import_file(conn, "roads", path)
    assert first.created > 200
    assert (second.created, second.updated, second.deleted) == (0, 0, 0)
    assert second.unchanged == first.created
