"""Clustering one component's segment embeddings into fine groups and gathering them into top themes.

1. ``cluster``: a Ward tree over the unit embeddings, cut top-down. A node is split while it
   is less cohesive than a typical neighbourhood in *this* data (the median similarity of a
   segment to its ``min_size``-th nearest neighbour), so the number of fine groups comes from
   the data, not a constant. Branches smaller than ``min_size`` are peeled off as outliers; an
   outlier joins the nearest group when it is as close to it as that group's own members are
   (``reassign``), otherwise it stays in "other voices" (never dropped). ``cap_other`` keeps
   "other voices" to at most ``MAX_OTHER`` of the segments (the closest outliers join their
   nearest group).
2. ``group``: the fine groups' centroids are gathered by average-linkage (cosine) into top
   themes; how many (within ``TOP_RANGE``, the grain of a report) is the cut whose segment-level
   silhouette is highest, so the data chooses it.

Pure functions over arrays, deterministic for the same input (the tree is exact; ties break by index).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

OTHER = -1  # the label of "other voices"
TOP_RANGE = (5, 15)  # how many top themes a component may have: the grain a consultant can report on
MAX_OTHER = 0.15  # the most of a component's segments that "other voices" may hold


def default_min_size(n: int) -> int:
    """The smallest group that counts as a theme: grows like sqrt(n) (3 for 50 segments, ~24 for 5,000)."""
    return max(3, round(math.sqrt(n) / 3))


def _cohesion_threshold(x: np.ndarray, min_size: int, sample: int = 2000, seed: int = 0) -> float:
    """Median cosine of a segment to its ``min_size``-th nearest neighbour (on a seeded sample)."""
    n = len(x)
    rng = np.random.default_rng(seed)
    rows = np.sort(rng.choice(n, size=min(n, sample), replace=False))
    sims = x[rows] @ x.T
    k = min(min_size, n - 1)
    # the k-th largest similarity other than the point itself (which is the largest, 1.0)
    kth = np.partition(-sims, k, axis=1)[:, k]
    return float(np.median(-kth))


def _ward_children(x: np.ndarray) -> np.ndarray:
    from sklearn.cluster import AgglomerativeClustering

    model = AgglomerativeClustering(n_clusters=None, distance_threshold=0.0, linkage="ward", compute_full_tree=True)
    model.fit(x)
    return model.children_


def cluster(x: np.ndarray, min_size: int | None = None, neighbours: int | None = None) -> tuple[np.ndarray, int, float]:
    """Theme labels for unit vectors ``x`` (OTHER for outliers), the min size and cohesion threshold used.

    Rule: a Ward-tree node is a theme when its mean pairwise cosine reaches the data's
    neighbourhood cohesion, or when splitting it would leave no child of ``min_size``.
    Outliers are then reassigned by ``reassign``.
    """
    n = len(x)
    labels = np.full(n, OTHER, dtype=int)
    if n == 0:
        return labels, 0, 0.0
    min_size = min_size or default_min_size(n)
    if n < 2 * min_size:
        labels[:] = 0 if n >= min_size else OTHER
        return labels, min_size, 0.0
    threshold = _cohesion_threshold(x, neighbours or max(min_size, round(math.sqrt(n))))
    children = _ward_children(x)
    size = np.ones(2 * n - 1, dtype=int)
    total = np.zeros((2 * n - 1, x.shape[1]), dtype=np.float64)
    total[:n] = x
    for i, (a, b) in enumerate(children):
        size[n + i] = size[a] + size[b]
        total[n + i] = total[a] + total[b]

    def cohesion(node: int) -> float:
        # mean pairwise cosine of unit vectors (self-pairs excluded) from the sum vector
        s, m = total[node], size[node]
        return float((s @ s - m) / (m * (m - 1))) if m > 1 else 1.0

    def leaves(node: int) -> list[int]:
        out, stack = [], [node]
        while stack:
            v = stack.pop()
            if v < n:
                out.append(v)
            else:
                stack.extend(children[v - n])
        return out

    next_label = 0
    stack = [2 * n - 2]
    while stack:
        node = stack.pop()
        if size[node] < min_size:
            continue  # outliers: stay OTHER for now
        if node < n:
            continue
        a, b = children[node - n]
        big = [c for c in (a, b) if size[c] >= min_size]
        if cohesion(node) >= threshold or not big:
            labels[leaves(node)] = next_label
            next_label += 1
        elif len(big) == 1:
            # a small branch peels off as outliers; keep splitting the big one
            stack.append(big[0])
        else:
            stack.extend([b, a])
    return labels, min_size, threshold


def centroids(x: np.ndarray, labels: np.ndarray) -> dict[int, np.ndarray]:
    """Unit centroid of each label except OTHER."""
    out = {}
    for lab in sorted(set(labels.tolist()) - {OTHER}):
        c = x[labels == lab].mean(axis=0)
        out[lab] = c / (np.linalg.norm(c) or 1.0)
    return out


def reassign(x: np.ndarray, labels: np.ndarray, quantile: float = 0.0) -> np.ndarray:
    """Outliers join their nearest theme when at least as close as that theme's bottom-``quantile`` member
    (by default its least typical member: the outlier would not be the odd one out there).

    Returns new labels; the rest stay OTHER ("other voices"). One pass, so a theme's bar is set
    by its own members, not by the outliers it gains.
    """
    labels = labels.copy()
    cents = centroids(x, labels)
    if not cents or not (labels == OTHER).any():
        return labels
    keys = list(cents)
    c = np.vstack([cents[k] for k in keys])
    bars = np.array([np.quantile(x[labels == k] @ cents[k], quantile) for k in keys])
    out_idx = np.flatnonzero(labels == OTHER)
    sims = x[out_idx] @ c.T
    best = sims.argmax(axis=1)
    ok = sims[np.arange(len(out_idx)), best] >= bars[best]
    labels[out_idx[ok]] = np.array(keys)[best[ok]]
    return labels


def cap_other(x: np.ndarray, labels: np.ndarray, max_share: float = MAX_OTHER) -> np.ndarray:
    """Labels with at most ``max_share`` of the points left OTHER: the outliers closest to a theme's
    centroid join it first (a report cannot leave most voices unread). Returns new labels."""
    labels = labels.copy()
    cents = centroids(x, labels)
    out_idx = np.flatnonzero(labels == OTHER)
    excess = len(out_idx) - int(max_share * len(labels))
    if not cents or excess <= 0:
        return labels
    keys = np.array(list(cents))
    sims = x[out_idx] @ np.vstack([cents[k] for k in keys]).T
    best = sims.argmax(axis=1)
    closest = np.argsort(-sims[np.arange(len(out_idx)), best], kind="stable")[:excess]
    labels[out_idx[closest]] = keys[best[closest]]
    return labels


def group(
    x: np.ndarray,
    labels: np.ndarray,
    top_range: tuple[int, int] = TOP_RANGE,
    sample: int = 2000,
    seed: int = 0,
    counted: Callable[[int, int], None] | None = None,
) -> dict[int, int]:
    """Top theme of each fine label (OTHER excluded): ``{fine label: top label}``.

    Rule: the fine centroids are gathered by average linkage on cosine distance; every cut into
    k top themes, k within ``top_range`` (and at most the number of fine groups), is scored by the
    silhouette of the segments under it (a seeded sample), and the best cut wins. With no more fine
    groups than ``top_range``'s lower end, the choice is between keeping them all and gathering the
    closest pair (small data: near-duplicate groups still become one theme). ``counted(done, total)``
    hears each cut scored.
    """
    keys = sorted(set(labels.tolist()) - {OTHER})
    low, high = min(top_range[0], max(2, len(keys) - 1)), min(top_range[1], len(keys))
    if len(keys) <= 2:
        return {k: i for i, k in enumerate(keys)}
    from sklearn.cluster import AgglomerativeClustering
    from sklearn.metrics import pairwise_distances, silhouette_score

    cents = centroids(x, labels)
    c = np.vstack([cents[k] for k in keys])
    inside = np.flatnonzero(labels != OTHER)
    rng = np.random.default_rng(seed)
    rows = np.sort(rng.choice(inside, size=min(len(inside), sample), replace=False))
    index = {k: i for i, k in enumerate(keys)}
    fine_rows = np.array([index[int(v)] for v in labels[rows]])
    # every cut is scored on the same sampled segments: their distances once, not once per cut (the
    # same matrix silhouette_score computes from them, so the same scores)
    dist = pairwise_distances(x[rows], metric="cosine")
    best: tuple[float, list[int]] | None = None
    for k in range(low, high + 1):
        cut = (
            list(range(len(keys)))
            if k == len(keys)
            else AgglomerativeClustering(n_clusters=k, metric="cosine", linkage="average").fit_predict(c).tolist()
        )
        score = float(silhouette_score(dist, np.array(cut)[fine_rows], metric="precomputed"))
        if best is None or score > best[0]:
            best = (score, cut)
        if counted is not None:
            counted(k - low + 1, high - low + 1)
    assert best is not None
    return {k: best[1][i] for i, k in enumerate(keys)}
