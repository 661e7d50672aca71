"""Themes within one component, at two levels: cluster segment embeddings into fine groups,
gather the fine groups into the top themes a report can carry, name both, pick quotes.

Pipeline (each step a function over arrays, callable from tests, the CLI and the DB stage):

1. ``cluster``: a Ward tree over the unit embeddings, cut top-down. A node is split while it
   is less cohesive than a typical neighbourhood in *this* data (the median similarity of a
   segment to its ``min_size``-th nearest neighbour), so the number of fine groups comes from
   the data, not a constant. Branches smaller than ``min_size`` are peeled off as outliers; an
   outlier joins the nearest group when it is as close to it as that group's own members are,
   otherwise it stays in "other voices" (never dropped). ``cap_other`` keeps "other voices" to
   at most ``MAX_OTHER`` of the segments (the closest outliers join their nearest group).
2. ``group``: the fine groups' centroids are gathered by average-linkage (cosine) into top
   themes; how many (within ``TOP_RANGE``, the grain of a report) is the cut whose segment-level
   silhouette is highest, so the data chooses it. The fine groups become each top theme's
   sub-themes (a top theme made of one group has none).
3. ``ctfidf_keywords``: class-based TF-IDF keywords per theme (BERTopic's representation).
4. ``pick_quotes``: typical segments (close to the centroid) from different people and groups.
5. ``offline_label``: a label from the top keywords and the most central segment.

Everything is deterministic for the same input (the tree is exact; ties break by index).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

OTHER = -1  # the label of "other voices"
Encode = Callable[[list[str]], np.ndarray]  # the embedder's encode: texts -> unit vectors
TOP_RANGE = (5, 15)  # how many top themes a component may have: the grain a consultant can report on
MAX_OTHER = 0.15  # the most of a component's segments that "other voices" may hold
MIN_PEOPLE = 3  # distinct people a theme needs (``Settings.theme_min_people``)
NEAR_DUPLICATE = 0.9  # cosine at which two answers by one person say the same thing (counted once)

# Words that carry no finding on their own: an answer made only of these (and stop words) is a
# non-answer ("Fine, usually, depends on the day"), set aside in "other voices", never a theme.
_FILLER = frozenset(
    """
    fine ok okay alright good great bad well usually depends depend depending sometimes generally normally mostly
    often rarely pretty quite really very much day days time times thing things stuff yes yeah no nope maybe
    probably guess know think sure unsure idea same above ditto idk etc answer question comment comments
    nothing everything something anything applicable nah meh sort kind just
""".split()
)


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
    summary: str = ""
    subthemes: list[ThemeDraft] = field(default_factory=list)  # a top theme's fine groups (none: one group)


@dataclass
class Themes:
    """The result of ``build``: top themes (largest first, each with its sub-themes) and the indices
    left in "other voices"."""

    themes: list[ThemeDraft]
    other: list[int]
    labels: np.ndarray  # per input index: top theme number in ``themes`` or OTHER
    sublabels: np.ndarray | None = None  # per input index: sub-theme number in ``subthemes()`` or OTHER
    min_size: int = 0
    threshold: float = 0.0

    def subthemes(self) -> list[ThemeDraft]:
        """Every sub-theme, in the order of their top themes (the numbering of ``sublabels``)."""
        return [sub for top in self.themes for sub in top.subthemes]


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
    x: np.ndarray, labels: np.ndarray, top_range: tuple[int, int] = TOP_RANGE, sample: int = 2000, seed: int = 0
) -> dict[int, int]:
    """Top theme of each fine label (OTHER excluded): ``{fine label: top label}``.

    Rule: the fine centroids are gathered by average linkage on cosine distance; every cut into
    k top themes, k within ``top_range`` (and at most the number of fine groups), is scored by the
    silhouette of the segments under it (a seeded sample), and the best cut wins. With no more fine
    groups than ``top_range``'s lower end, the choice is between keeping them all and gathering the
    closest pair (small data: near-duplicate groups still become one theme).
    """
    keys = sorted(set(labels.tolist()) - {OTHER})
    low, high = min(top_range[0], max(2, len(keys) - 1)), min(top_range[1], len(keys))
    if len(keys) <= 2:
        return {k: i for i, k in enumerate(keys)}
    from sklearn.cluster import AgglomerativeClustering
    from sklearn.metrics import silhouette_score

    cents = centroids(x, labels)
    c = np.vstack([cents[k] for k in keys])
    inside = np.flatnonzero(labels != OTHER)
    rng = np.random.default_rng(seed)
    rows = np.sort(rng.choice(inside, size=min(len(inside), sample), replace=False))
    index = {k: i for i, k in enumerate(keys)}
    fine_rows = np.array([index[int(v)] for v in labels[rows]])
    best: tuple[float, list[int]] | None = None
    for k in range(low, high + 1):
        cut = (
            list(range(len(keys)))
            if k == len(keys)
            else AgglomerativeClustering(n_clusters=k, metric="cosine", linkage="average").fit_predict(c).tolist()
        )
        score = float(silhouette_score(x[rows], np.array(cut)[fine_rows], metric="cosine"))
        if best is None or score > best[0]:
            best = (score, cut)
    assert best is not None
    return {k: best[1][i] for i, k in enumerate(keys)}


def is_low_content(text: str) -> bool:
    """True when ``text`` has no word beyond stop words and fillers ("fine", "usually", "depends"):
    a non-answer that must not become a theme (it goes to "other voices")."""
    words = _TOKEN.findall(text.lower().replace("\u2019", "'"))
    stop = _stop_words()
    return not any(w not in stop and w not in _FILLER for w in words)


def near_duplicates(
    x: np.ndarray, people: Sequence[object] | None, threshold: float = NEAR_DUPLICATE
) -> dict[int, int]:
    """``{index: earlier index}`` for answers that repeat an earlier answer by the same person (cosine at
    least ``threshold``): they follow that answer's theme and never count twice towards one."""
    if people is None:
        return {}
    by_person: dict[object, list[int]] = {}
    for i, p in enumerate(people):
        by_person.setdefault(p, []).append(i)
    out: dict[int, int] = {}
    for rows in by_person.values():
        if len(rows) < 2:
            continue
        sims = x[rows] @ x[rows].T
        for b in range(1, len(rows)):
            for a in range(b):
                if rows[a] not in out and sims[a, b] >= threshold:
                    out[rows[b]] = rows[a]
                    break
    return out


def enforce_people(labels: np.ndarray, people: Sequence[object] | None, min_people: int = MIN_PEOPLE) -> np.ndarray:
    """Labels where every group with fewer than ``min_people`` distinct people became OTHER."""
    labels = labels.copy()
    for lab in sorted(set(labels.tolist()) - {OTHER}):
        rows = np.flatnonzero(labels == lab)
        who = {people[i] for i in rows} if people is not None else set(rows.tolist())
        if len(who) < min_people:
            labels[rows] = OTHER
    return labels


# --- keywords, labels, quotes -----------------------------------------------------------------

_TOKEN = re.compile(r"[a-z][a-z'\-]+")


def _stop_words() -> frozenset[str]:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return frozenset(ENGLISH_STOP_WORDS) | {
        "don't",
        "didn't",
        "doesn't",
        "isn't",
        "it's",
        "i'm",
        "we're",
        "really",
        "just",
        "thing",
        "things",
        "lot",
        "use",
        "used",
        "like",
    }


def ctfidf_keywords(texts: Sequence[str], groups: Sequence[list[int]], top: int = 6) -> list[list[str]]:
    """c-TF-IDF keywords for each group of text indices (unigrams and bigrams, English stop words removed)."""
    from sklearn.feature_extraction.text import CountVectorizer

    docs = [" ".join(texts[i] for i in g) for g in groups]
    if not docs or not any(d.strip() for d in docs):
        return [[] for _ in groups]
    vec = CountVectorizer(
        ngram_range=(1, 2), stop_words=sorted(_stop_words()), token_pattern=r"(?u)\b[a-zA-Z][a-zA-Z'\-]+\b"
    )
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
    order = [m for _, m in sorted(zip((-s for s in scores), members, strict=False), key=lambda t: (t[0], t[1]))]
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


def _draft(
    x: np.ndarray, members: list[int], people: Sequence[object] | None, groups: Sequence[object] | None, n_quotes: int
) -> ThemeDraft:
    cent = x[members].mean(axis=0)
    cent = cent / (np.linalg.norm(cent) or 1.0)
    scores = (x[members] @ cent).astype(float).tolist()
    return ThemeDraft(
        members=members,
        centroid=cent,
        scores=scores,
        central=members[int(np.argmax(scores))],
        quotes=pick_quotes(members, scores, people, groups, n_quotes),
    )


def _by_size(groups: dict[int, list[int]]) -> list[int]:
    """Keys of ``groups`` largest first, ties by first member (deterministic)."""
    return sorted(groups, key=lambda k: (-len(groups[k]), groups[k][0]))


def build(
    texts: Sequence[str],
    embeddings: np.ndarray,
    people: Sequence[object] | None = None,
    groups: Sequence[object] | None = None,
    min_size: int | None = None,
    n_quotes: int = 5,
    top_range: tuple[int, int] = TOP_RANGE,
    max_other: float = MAX_OTHER,
    encode: Encode | None = None,
    min_people: int = MIN_PEOPLE,
) -> Themes:
    """Two-level themes for one component's segments.

    Returns top themes sorted by size (ties by first member), each with its sub-themes (sorted the
    same way; none when the top theme is one fine group), keywords, an offline label, the most
    central segment, quotes from distinct people, and its centroid; indices that fit no theme are
    in ``other`` (never dropped, at most ``max_other`` of the clustered input). People count once:
    a theme or sub-theme needs ``min_people`` distinct people, an answer that repeats the same person's
    earlier answer follows it, and non-answers (``is_low_content``) stay in "other voices". With
    ``encode`` (the embedder's), labels, keywords and summaries are key phrases (``phrases``);
    without, c-TF-IDF keywords.
    Deterministic for the same input.
    """
    x = np.asarray(embeddings, dtype=np.float32)
    copies = near_duplicates(x, people)
    voiced = [i for i in range(len(x)) if i not in copies and not is_low_content(texts[i])]
    sub_people = [people[i] for i in voiced] if people is not None else voiced
    xv = x[voiced]
    part, used_min, threshold = cluster(xv, min_size)
    part = reassign(xv, enforce_people(reassign(xv, part), sub_people, min_people))
    part = cap_other(xv, enforce_people(part, sub_people, min_people), max_other)
    fine = np.full(len(x), OTHER, dtype=int)
    fine[voiced] = part
    for copy, original in sorted(copies.items()):
        fine[copy] = fine[original]  # a repeated answer follows the one it repeats
    top_of = group(x, fine, top_range)
    tops: dict[int, list[int]] = {}
    for i, v in enumerate(fine.tolist()):
        if v != OTHER:
            tops.setdefault(top_of[v], []).append(i)
    labels = np.full(len(x), OTHER, dtype=int)
    sublabels = np.full(len(x), OTHER, dtype=int)
    drafts: list[ThemeDraft] = []
    subs: list[ThemeDraft] = []
    for number, key in enumerate(_by_size(tops)):
        members = tops[key]
        labels[members] = number
        draft = _draft(x, members, people, groups, n_quotes)
        parts: dict[int, list[int]] = {}
        for i in members:
            parts.setdefault(int(fine[i]), []).append(i)
        if len(parts) > 1:
            for part in _by_size(parts):
                sublabels[parts[part]] = len(subs)
                sub = _draft(x, parts[part], people, groups, n_quotes)
                draft.subthemes.append(sub)
                subs.append(sub)
        drafts.append(draft)
    for draft, words in zip(drafts, ctfidf_keywords(texts, [d.members for d in drafts]), strict=False):
        draft.keywords = words
        draft.label = offline_label(words, texts[draft.central])
    for draft, words in zip(subs, ctfidf_keywords(texts, [d.members for d in subs]), strict=False):
        draft.keywords = words
        draft.label = offline_label(words, texts[draft.central])
    if encode is not None:
        name_with_phrases(texts, drafts, encode, people)
    return Themes(
        themes=drafts,
        other=np.flatnonzero(labels == OTHER).tolist(),
        labels=labels,
        sublabels=sublabels,
        min_size=used_min,
        threshold=threshold,
    )


def name_with_phrases(
    texts: Sequence[str], tops: list[ThemeDraft], encode: Encode, people: Sequence[object] | None = None
) -> None:
    """Give each theme and sub-theme key phrases as keywords, a phrase label and a one-sentence summary.

    Rules: candidates come from each theme's ``phrases.MAX_TEXTS`` most typical segments (parsed
    once); labels are unique among top themes and among a top theme's sub-themes (and differ from
    the top theme's); a theme with no phrase keeps its c-TF-IDF keywords and label.
    """
    from assistant.synthesis import phrases as P

    every = [d for top in tops for d in (top, *top.subthemes)]

    def typical(d: ThemeDraft) -> list[int]:
        return [m for _, m in sorted(zip((-s for s in d.scores), d.members, strict=False))][: P.MAX_TEXTS]

    wanted = sorted({i for d in every for i in typical(d)})
    parsed = dict(zip(wanted, P.parse([texts[i] for i in wanted]), strict=False))
    pools = {id(d): P.candidate_pool([parsed[i] for i in typical(d)], [texts[i] for i in d.members]) for d in every}
    vectors = P.encode_phrases(encode, {p for pool in pools.values() for p in pool})

    def name(d: ThemeDraft, taken: set[str]) -> None:
        assert d.centroid is not None
        found = P.key_phrases(pools[id(d)], d.centroid, vectors)
        who = len({people[i] for i in d.members}) if people is not None else len(d.members)
        if found:
            d.keywords = found
            d.label = P.label_of(found, taken) or d.label
            rest = [p for p in found if p.lower() != d.label.lower()]
            d.summary = P.one_sentence([d.label.lower(), *rest][:3], who, len(d.members))
        taken.add(d.label.lower())

    top_taken: set[str] = set()
    for top in tops:
        name(top, top_taken)
        sub_taken = {top.label.lower()}
        for sub in top.subthemes:
            name(sub, sub_taken)


def label_counts(labels: np.ndarray) -> Counter:
    """Size of each label (OTHER included), for summaries."""
    return Counter(labels.tolist())
