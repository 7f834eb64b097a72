"""Density classes (mapclassify), shared by the PNG/PDF heatmap and the HTML map so both agree.
Segments with no issue are a class of their own (grey); the scheme splits the positive values."""

import hashlib
import threading
import warnings
from collections import OrderedDict

import mapclassify
import numpy as np
from matplotlib import colormaps
from matplotlib.colors import to_hex

SCHEMES = {
    "fisher_jenks": ("FisherJenks", "自然断点（Fisher-Jenks）"),
    "natural_breaks": ("NaturalBreaks", "自然断点（k-means）"),
    "quantiles": ("Quantiles", "分位数"),
    "equal_interval": ("EqualInterval", "等间距"),
    "jenks_caspall": ("JenksCaspall", "Jenks-Caspall"),
    "headtail_breaks": ("HeadTailBreaks", "头尾断点"),
    "max_breaks": ("MaximumBreaks", "最大断点"),
}
FISHER_JENKS_MAX = 400
CLASS_CMAP = "YlOrRd"


def classify(values: np.ndarray, scheme: str, k: int) -> tuple[np.ndarray, list[float]]:
    """Class index per positive value (-1 for zero) and the class upper bounds."""
    positive = values[values > 0]
    classes = np.full(len(values), -1)
    if len(positive) == 0:
        return classes, []
    distinct = len(np.unique(positive))
    bins = (
        [float(positive.max())] if distinct < 2 else class_bins(positive, scheme, min(k, distinct))
    )
    bins[-1] = max(bins[-1], float(positive.max()))
    index = np.searchsorted(np.asarray(bins), positive, side="left")
    classes[values > 0] = np.minimum(index, len(bins) - 1)
    return classes, bins


BINS_KEPT = 16  # the bounds of the last few value sets: the same week's PNG, A4, PDF and HTML agree
_bins: OrderedDict[tuple, list[float]] = OrderedDict()
_bins_lock = threading.Lock()


def class_bins(positive: np.ndarray, scheme: str, k: int) -> list[float]:
    """The class upper bounds, computed once for the same values, scheme and k."""
    key = (hashlib.sha1(np.ascontiguousarray(positive, dtype=np.float64).tobytes()).hexdigest(), scheme, k)
    with _bins_lock:
        if key in _bins:
            _bins.move_to_end(key)
            return list(_bins[key])
    bins = computed_bins(positive, scheme, k)
    with _bins_lock:
        _bins[key] = list(bins)
        while len(_bins) > BINS_KEPT:
            _bins.popitem(last=False)
    return bins


def computed_bins(positive: np.ndarray, scheme: str, k: int) -> list[float]:
    np.random.seed(0)  # k-means and sampled schemes start at random; exports must be reproducible
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "Numba not installed": we sample instead
        if scheme == "headtail_breaks":
            classifier = mapclassify.HeadTailBreaks(positive)
        elif scheme == "fisher_jenks" and len(positive) > FISHER_JENKS_MAX:
            # Fisher-Jenks is O(k n^2) (mapclassify's pure Python: 25 s at n = 2,000). Beyond
            # FISHER_JENKS_MAX values it runs on a sample (mapclassify's FisherJenksSampled),
            # seeded above.
            classifier = FisherJenksSampled(positive, k=k, pct=FISHER_JENKS_MAX / len(positive))
        elif scheme == "fisher_jenks":
            classifier = FisherJenks(positive, k=k)
        else:
            classifier = getattr(mapclassify, SCHEMES[scheme][0])(positive, k=k)
    return [float(b) for b in classifier.bins]


def fisher_jenks_means(values: np.ndarray, classes: int) -> np.ndarray:
    """mapclassify's _fisher_jenks_means (its pure-Python fallback without numba: 0.35 s for 400
    values) with the loop over the candidate first values of the last class in numpy: the same
    float32 sums (cumsum adds in order, as the loop did), the same sums and comparisons, and on a
    tie the same choice (the loop kept the last candidate equal to the minimum), so the same
    breaks to the bit. `values` sorted, as float64."""
    n = len(values)
    mat1 = np.zeros((n + 1, classes + 1), dtype=np.int32)
    mat2 = np.zeros((n + 1, classes + 1), dtype=np.float32)
    mat1[1, 1:] = 1
    mat2[2:, 1:] = np.inf
    single = values.astype(np.float32)
    for last in range(2, n + 1):
        tail = single[last - 1 :: -1]  # m = 1..last: the class values[last - m .. last - 1]
        s1 = np.cumsum(tail, dtype=np.float32)
        s2 = np.cumsum(tail * tail, dtype=np.float32)
        v = s2 - (s1 * s1) / np.arange(1, last + 1, dtype=np.float32)
        # m < last: the classes before it end at row last - m (rows last-1 .. 1).
        cost = v[: last - 1, None] + mat2[last - 1 : 0 : -1, 1:classes]
        best = cost.min(axis=0)
        final = (last - 2) - np.argmax((cost == best)[::-1], axis=0)  # the last m at the minimum
        mat2[last, 2:] = best
        mat1[last, 2:] = last - final  # i3 = last - m + 1 with m = final + 1
        mat1[last, 1] = 1
        mat2[last, 1] = v[-1]
    k = n
    kclass = np.zeros(classes + 1, dtype=values.dtype)
    kclass[classes] = values[n - 1]
    kclass[0] = values[0]
    for count_num in range(classes, 1, -1):
        pivot = mat1[k, count_num]
        kclass[count_num - 1] = values[int(pivot - 2)]
        k = int(pivot - 1)
    return np.delete(kclass, 0)


class FisherJenks(mapclassify.FisherJenks):
    """mapclassify's FisherJenks with the breaks from fisher_jenks_means."""

    def _set_bins(self):
        self.bins = fisher_jenks_means(np.sort(self.y).astype("f8"), self.k)


class FisherJenksSampled(mapclassify.FisherJenksSampled):
    """mapclassify's FisherJenksSampled (the same sample) with the breaks of FisherJenks above."""

    def _set_bins(self):
        self.bins = FisherJenks(self.y, self.k).bins


def class_colours(n: int) -> list[str]:
    if n == 0:
        return []
    cmap = colormaps[CLASS_CMAP]
    return [to_hex(cmap(x)) for x in np.linspace(0.3, 1.0, n)] if n > 1 else [to_hex(cmap(0.85))]
