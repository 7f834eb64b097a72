"""The density classes' Fisher-Jenks in numpy gives mapclassify's breaks to the bit."""

import warnings

import mapclassify
import numpy as np
import pytest
from mapclassify.classifiers import _fisher_jenks_means

from maps.classes import FISHER_JENKS_MAX, classify, fisher_jenks_means


def samples():
    rng = np.random.default_rng(16)
    for case in range(120):
        n = int(rng.integers(2, 90))
        values = [
            rng.random(n) * 100,
            np.round(rng.exponential(5, n), 1),  # ties
            rng.integers(1, 6, n).astype(float),  # mostly ties
            np.round(rng.lognormal(1, 1, n), 2),
        ][case % 4]
        yield np.sort(values).astype("f8"), int(rng.integers(2, 10))


@pytest.mark.parametrize(("values", "k"), list(samples()))
def test_the_breaks_are_mapclassifys(values, k):
    assert fisher_jenks_means(values, k).tolist() == _fisher_jenks_means(values, classes=k).tolist()


def test_a_sampled_district_has_mapclassifys_classes():
    rng = np.random.default_rng(62)
    per_km = np.round(rng.lognormal(2, 1, 5000), 2)  # well beyond FISHER_JENKS_MAX
    per_km[rng.random(5000) < 0.4] = 0
    classes, bins = classify(per_km, "fisher_jenks", 5)
    positive = per_km[per_km > 0]
    np.random.seed(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reference = mapclassify.FisherJenksSampled(
            positive, k=5, pct=FISHER_JENKS_MAX / len(positive)
        ).bins.tolist()
    reference[-1] = max(reference[-1], float(positive.max()))
    assert bins == reference
    assert set(classes.tolist()) == {-1, 0, 1, 2, 3, 4}
