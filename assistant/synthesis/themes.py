"""Themes within one component: cluster segment embeddings, name the clusters, pick quotes.

Pipeline (each step a function over arrays, callable from tests, the CLI and the DB stage):

1. ``cluster``: a Ward tree over the unit embeddings, cut top-down. A node is split while it
   is less cohesive than a typical neighbourhood in *this* data (the median similarity of a
   segment to its ``min_size``-th nearest neighbour), so the number of themes comes from the
   data, not a constant. Branches smaller than ``min_size`` are peeled off as outliers; an
   outlier joins the nearest theme when it is as close to it as that theme's own members are,
   otherwise it stays in "other voices" (never dropped).
2. ``ctfidf_keywords``: class-based TF-IDF keywords per theme (BERTopic's representation).
3. ``pick_quotes``: typical segments (close to the centroid) from different people and groups.
4. ``offline_label``: a label from the top keywords and the most central segment.

Everything is deterministic for the same input (the tree is exact; ties break by index).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

OTHER = -1  # the label of "other voices"


@dataclass
class ThemeDraft:
    """One machine theme: member indices (into the input), keywords, label, quotes, centroid."""

    members: list[int]
    keywords: list[str] = field(default_factory=list)
    label: str = ""
    central: int = -1
    quotes: list[int] = field(default_factory=list)
    centroid: np.ndarray | None = None
    scores: list[float] = field(default_factory=list)  # cosine of each member to the centroid


@dataclass
class Themes:
    """The result of ``build``: themes (largest first) and the indices left in "other voices"."""

    themes: list[ThemeDraft]
    other: list[int]
    labels: np.ndarray  # per input index: theme number in ``themes`` or OTHER
    min_size: int = 0
    threshold: float = 0.0


# --- clustering ---------------------------------------------------------------------------


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


# --- keywords, labels, quotes -----------------------------------------------------------------

_TOKEN = re.compile(r"[a-z][a-z'\-]+")


def _stop_words() -> frozenset[str]:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return frozenset(ENGLISH_STOP_WORDS) | {"don't", "didn't", "doesn't", "isn't", "it's", "i'm", "we're", "really", "just", "thing", "things", "lot", "use", "used", "like"}


def ctfidf_keywords(texts: Sequence[str], groups: Sequence[list[int]], top: int = 6) -> list[list[str]]:
    """c-TF-IDF keywords for each group of text indices (unigrams and bigrams, English stop words removed)."""
    from sklearn.feature_extraction.text import CountVectorizer

    docs = [" ".join(texts[i] for i in g) for g in groups]
    if not docs or not any(d.strip() for d in docs):
        return [[] for _ in groups]
    vec = CountVectorizer(ngram_range=(1, 2), stop_words=sorted(_stop_words()), token_pattern=r"(?u)\b[a-zA-Z][a-zA-Z'\-]+\b")
    try:
        counts = vec.fit_transform(docs).astype(np.float64).toarray()
    except ValueError:  # only stop words
        return [[] for _ in groups]
    vocab = vec.get_feature_names_out()
    tf = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
    avg_words = counts.sum() / len(docs)
    idf = np.log(1 + avg_words / np.maximum(counts.sum(axis=0), 1))
    scores = tf * idf
    out = []
    for row in scores:
        order = np.argsort(-row, kind="stable")
        words: list[str] = []
        for j in order:
            if row[j] <= 0 or len(words) >= top:
                break
            w = vocab[j]
            # skip a unigram already inside a chosen bigram and vice versa
            if any(w in chosen.split() or chosen in w.split() for chosen in words):
                continue
            words.append(w)
        out.append(words)
    return out


def offline_label(keywords: Sequence[str], central_text: str, max_chars: int = 70) -> str:
    """A short label: the top keywords, and a shortened central segment when they are too few."""
    head = ", ".join(list(keywords)[:3])
    if len(keywords) >= 2:
        return head[:1].upper() + head[1:]
    snippet = re.sub(r"\s+", " ", central_text).strip()
    if len(snippet) > max_chars:
        snippet = snippet[: max_chars - 1].rsplit(" ", 1)[0] + "…"
    return (head + ": " if head else "") + snippet if snippet else (head or "Theme")


def pick_quotes(
    members: Sequence[int],
    scores: Sequence[float],
    people: Sequence[object] | None = None,
    groups: Sequence[object] | None = None,
    n: int = 5,
) -> list[int]:
    """Up to ``n`` representative member indices: typical first, then spread over people and groups.

    Rule: walk members from most to least central; take one only if its person is not yet
    quoted, preferring a group (department/role) not yet quoted. A quote never repeats a person
    while another person is available (count people, not mentions).
    """
    order = [m for _, m in sorted(zip((-s for s in scores), members), key=lambda t: (t[0], t[1]))]
    # only the typical half of the theme competes, so quotes stay on-topic
    pool = order[: max(n, (len(order) + 1) // 2)]
    person = (lambda i: people[i]) if people is not None else (lambda i: i)
    group = (lambda i: groups[i]) if groups is not None else (lambda i: None)
    chosen: list[int] = []
    seen_people: set = set()
    seen_groups: set = set()
    for prefer_new_group in (True, False):
        for i in pool:
            if len(chosen) >= n:
                break
            if i in chosen or person(i) in seen_people:
                continue
            if prefer_new_group and group(i) in seen_groups:
                continue
            chosen.append(i)
            seen_people.add(person(i))
            seen_groups.add(group(i))
    return chosen


# --- the whole stage --------------------------------------------------------------------------


def build(
    texts: Sequence[str],
    embeddings: np.ndarray,
    people: Sequence[object] | None = None,
    groups: Sequence[object] | None = None,
    min_size: int | None = None,
    n_quotes: int = 5,
) -> Themes:
    """Themes for one component's segments.

    Returns themes sorted by size (ties by first member), each with keywords, an offline label,
    the most central segment, quotes from distinct people, and its centroid; indices that fit no
    theme are in ``other`` (never dropped). Deterministic for the same input.
    """
    x = np.asarray(embeddings, dtype=np.float32)
    labels, used_min, threshold = cluster(x, min_size)
    labels = reassign(x, labels)
    cents = centroids(x, labels)
    ordered = sorted(cents, key=lambda k: (-(labels == k).sum(), int(np.flatnonzero(labels == k)[0])))
    remap = {old: new for new, old in enumerate(ordered)}
    final = np.array([remap.get(int(v), OTHER) for v in labels], dtype=int)
    drafts: list[ThemeDraft] = []
    for old in ordered:
        members = np.flatnonzero(labels == old).tolist()
        scores = (x[members] @ cents[old]).astype(float).tolist()
        central = members[int(np.argmax(scores))]
        drafts.append(ThemeDraft(members=members, centroid=cents[old], scores=scores, central=central,
                                 quotes=pick_quotes(members, scores, people, groups, n_quotes)))
    for draft, words in zip(drafts, ctfidf_keywords(texts, [d.members for d in drafts])):
        draft.keywords = words
        draft.label = offline_label(words, texts[draft.central])
    return Themes(themes=drafts, other=np.flatnonzero(final == OTHER).tolist(), labels=final,
                  min_size=used_min, threshold=threshold)


def label_counts(labels: np.ndarray) -> Counter:
    """Size of each label (OTHER included), for summaries."""
    return Counter(labels.tolist())
