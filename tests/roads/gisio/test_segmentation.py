"""Roads become segments: merged per road, cut at crossings, T-junctions and community boundaries."""

import pytest

from roads.gisio.importer import import_file
from tests.roads.gisio.helpers import lines_file, segments, tiny_district

EAST_WEST = ("横路", [(100.001, 30.005), (100.009, 30.005)])


@pytest.fixture
def tiny(conn):
    tiny_district(conn)
    return conn


def test_a_crossing_cuts_both_roads(tiny, tmp_path):
    north_south = ("纵路", [(100.005, 30.001), (100.005, 30.009)])
    summary = import_file(
        tiny, "roads", lines_file(tmp_path / "x.geojson", [EAST_WEST, north_south])
    )
    assert summary.created == 4 and summary.roads_created == 2
    for road in ("横路", "纵路"):
        pieces = segments(tiny, road)
        assert len(pieces) == 2
        assert all(p["community"] == "TINY-W" for p in pieces)
        assert sum(p["length_m"] for p in pieces) == pytest.approx(
            770.0 if road == "横路" else 887.0, rel=0.01
        )


def test_a_t_junction_cuts_only_the_through_road(tiny, tmp_path):
    side = ("支巷", [(100.005, 30.005), (100.005, 30.009)])
    import_file(tiny, "roads", lines_file(tmp_path / "t.geojson", [EAST_WEST, side]))
    assert len(segments(tiny, "横路")) == 2
    assert len(segments(tiny, "支巷")) == 1


def test_an_overshoot_of_two_metres_leaves_no_stub(tiny, tmp_path):
    # The side road runs 2 m past the through road: it is not cut there.
    side = ("支巷", [(100.005, 30.00498), (100.005, 30.009)])
    import_file(tiny, "roads", lines_file(tmp_path / "o.geojson", [EAST_WEST, side]))
    assert len(segments(tiny, "支巷")) == 1
    assert len(segments(tiny, "横路")) == 2


def test_a_road_crossing_a_community_boundary_is_cut_there(tiny, tmp_path):
    across = ("跨界路", [(100.005, 30.005), (100.015, 30.005)])
    import_file(tiny, "roads", lines_file(tmp_path / "b.geojson", [across]))
    pieces = segments(tiny, "跨界路")
    assert [p["community"] for p in pieces] == ["TINY-W", "TINY-E"]
    assert pieces[0]["wkt"].endswith("100.01 30.005)")


def test_duplicate_and_touching_lines_of_one_road_merge(tiny, tmp_path):
    parts = [
        ("横路", [(100.001, 30.005), (100.005, 30.005)]),
        ("横路", [(100.005, 30.005), (100.009, 30.005)]),
        ("横路", [(100.001, 30.005), (100.005, 30.005)]),
    ]  # the first line again
    summary = import_file(tiny, "roads", lines_file(tmp_path / "d.geojson", parts))
    pieces = segments(tiny, "横路")
    assert summary.read == 3 and summary.created == 1
    assert len(pieces) == 1 and pieces[0]["length_m"] == pytest.approx(770.0, rel=0.01)


def test_parts_outside_the_district_are_reported_and_dropped(tiny, tmp_path):
    roads = [
        ("界外路", [(100.05, 30.05), (100.06, 30.05)]),
        ("出界路", [(100.015, 30.005), (100.025, 30.005)]),
    ]
    summary = import_file(tiny, "roads", lines_file(tmp_path / "out.geojson", roads))
    assert summary.outside == [1]
    assert segments(tiny, "界外路") == []
    assert [p["community"] for p in segments(tiny, "出界路")] == ["TINY-E"]
    assert any("partly outside" in note for note in summary.notes)
