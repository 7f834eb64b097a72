"""The kernel density along the roads, on hand-made geometry (metres)."""

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import LineString

from maps.network_kde import piece_density, quartic, road_pieces


def arm(direction, pieces=20, step=25.0):
    """Midpoints of 25 m pieces going out from the origin along `direction`."""
    distances = (np.arange(pieces) + 0.5) * step
    return np.outer(distances, direction)


def test_one_issue_on_a_straight_road_is_issues_per_km_of_road_around_it():
    road = arm((1.0, 0.0), pieces=40)
    km = np.full(len(road), 0.025)
    density = piece_density(road, km, np.array([[500.0, 0.0]]), bandwidth=200)
    at_issue = np.argmin(np.abs(road[:, 0] - 500))
    distance = np.abs(road[:, 0] - road[at_issue, 0])
    expected = (
        quartic(np.array([abs(road[at_issue, 0] - 500)]), 200)[0]
        / (quartic(distance, 200) * 0.025).sum()
    )
    assert density[at_issue] == pytest.approx(expected)
    assert (density[np.abs(road[:, 0] - 500) >= 200] == 0).all()
    assert density.argmax() in (at_issue, at_issue + 1)


def test_a_cluster_at_a_junction_lights_up_every_road_that_meets_there():
    arms = [arm(d) for d in ((1, 0), (-1, 0), (0, 1), (0, -1))]
    pieces = np.vstack(arms)
    issues = np.array([[5.0, 5.0], [-8.0, 3.0], [2.0, -6.0], [0.0, 0.0]])
    far_issue = np.array([[0.0, 450.0]])
    density = piece_density(pieces, np.full(len(pieces), 0.025), np.vstack([issues, far_issue]))
    nearest = [block[0] for block in np.split(density, 4)]
    # The piece nearest the junction on each of the four arms is hot, about equally so, and
    # hotter than the lone issue's piece far up the north arm.
    assert min(nearest) > 0 and max(nearest) / min(nearest) < 1.3
    assert min(nearest) > density[2 * 20 + 17]


def test_no_issues_means_no_density():
    road = arm((0.0, 1.0))
    assert not piece_density(road, np.full(len(road), 0.025), np.empty((0, 2))).any()


def test_segments_are_cut_into_equal_pieces_of_about_25_m():
    segments = gpd.GeoDataFrame(
        {"segment_id": [7, 8]},
        geometry=[LineString([(0, 0), (100, 0)]), LineString([(0, 0), (0, 10)])],
        crs="EPSG:32649",
    )
    pieces = road_pieces(segments)
    assert pieces["segment_id"].tolist() == [7, 7, 7, 7, 8]
    assert pieces["length_m"].tolist() == pytest.approx([25, 25, 25, 25, 10])
    assert pieces["x"].tolist()[:4] == pytest.approx([12.5, 37.5, 62.5, 87.5])
    assert pieces.geometry.length.sum() == pytest.approx(110)


def test_the_density_is_the_same_whatever_the_block_size(monkeypatch):
    """Kernel sums run a block of pieces at a time (memory stays bounded in a large district);
    the blocks must not change a single value, compared here with every pair at once."""
    from maps import network_kde

    rng = np.random.default_rng(3)
    pieces = rng.uniform(0, 1000, (500, 2))
    km = rng.uniform(0.01, 0.025, 500)
    issues = rng.uniform(0, 1000, (80, 2))
    monkeypatch.setattr(network_kde, "BLOCK", 7)
    blocked = piece_density(pieces, km, issues, bandwidth=200)
    distance = np.hypot(*(pieces[:, None, :] - issues[None, :, :]).transpose(2, 0, 1))
    weight = quartic(distance, 200).sum(axis=1)
    road = (quartic(np.hypot(*(pieces[:, None, :] - pieces[None, :, :]).transpose(2, 0, 1)), 200) * km).sum(axis=1)
    expected = np.where(weight > 0, weight / road, 0)
    assert blocked == pytest.approx(expected, rel=1e-9)
    assert (blocked > 0).sum() > 400


def test_the_road_sums_of_a_whole_network_count_each_pair_once_across_tiles(monkeypatch):
    """The road around each piece, summed tile by tile with each pair once, is the same as
    summed piece by piece, also where the pairs cross tile edges and points coincide."""
    from maps import network_kde

    rng = np.random.default_rng(5)
    pieces = np.vstack([rng.uniform(0, 3000, (1500, 2)), [[1000.0, 1000.0]] * 3])
    km = rng.uniform(0.01, 0.025, len(pieces))
    expected = network_kde.kernel_sums(pieces, pieces, km, 200)
    monkeypatch.setattr(network_kde, "TILE_M", 450.0)  # many tiles, most pairs near an edge
    assert network_kde.self_kernel_sums(pieces, km, 200) == pytest.approx(expected, rel=1e-12)
