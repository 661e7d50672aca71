"""Matching the themes of two assessments of one component, and what changed between them.

Naive re-clustering invents "appeared" and "gone" themes, because clusterings differ between runs.
So themes are matched by their centres (unit centroids of their segments' embeddings), within a
component, never by label:

- one-to-one matching maximises the total cosine similarity (the Hungarian method); a pair counts
  only at or above ``threshold``;
- a **split**: an earlier theme two or more later themes are closest to (each at or above the
  threshold); a **merge**: a later theme two or more earlier themes are closest to;
- what is left unmatched earlier is **gone**, later **appeared**;
- a matched pair **grew** or **shrank** when the share of people voicing it moved by more than
  ``margin`` (the re-run noise: what re-running the same data moves a share by), else **same**;
- a consultant's correction (``Correction``) replaces the machine's match for the themes it names.

Pure functions over ``ThemeSide`` lists: callable from the stage, the CLI, the noise measure and tests.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment

THRESHOLD = 0.6  # cosine between theme centres at which two themes are the same theme
DEFAULT_MARGIN = 0.10  # share of people a theme may move by and still be "same", until noise is measured


@dataclass(frozen=True)
class ThemeSide:
    """One theme of one assessment: id, label, unit centre, and people voicing it of people heard."""

    id: int
    label: str
    centre: np.ndarray | None  # None when read back from stored matches (no matching needed)
    people: int
    heard: int

    @property
    def share(self) -> float:
        return self.people / self.heard if self.heard else 0.0


@dataclass(frozen=True)
class Change:
    """One row of what changed: earlier theme ids, later theme ids, the change, and the similarity."""

    a: tuple[int, ...]
    b: tuple[int, ...]
    change: str  # appeared | grew | shrank | gone | same | split | merged
    similarity: float | None = None
    corrected: bool = False


@dataclass(frozen=True)
class Correction:
    """A consultant's match: earlier theme ``a`` is later theme ``b`` (either None: gone / appeared)."""

    a: int | None
    b: int | None


def _unit(m: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(m, axis=1, keepdims=True)
    return m / np.where(norms == 0, 1, norms)


def similarity(a: list[ThemeSide], b: list[ThemeSide]) -> np.ndarray:
    """Cosine similarity of every earlier theme's centre to every later one's (rows: ``a``)."""
    if not a or not b:
        return np.zeros((len(a), len(b)))
    return _unit(np.stack([t.centre for t in a])) @ _unit(np.stack([t.centre for t in b])).T


def size_change(a: ThemeSide, b: ThemeSide, margin: float) -> str:
    """grew, shrank or same: the share of people moved by more than ``margin``, or not."""
    moved = b.share - a.share
    return "grew" if moved > margin else "shrank" if moved < -margin else "same"


def _splits_and_merges(s: np.ndarray, threshold: float) -> tuple[dict[int, list[int]], dict[int, list[int]]]:
    """{earlier: [later...]} for splits and {later: [earlier...]} for merges (two or more each)."""
    splits: dict[int, list[int]] = {}
    merges: dict[int, list[int]] = {}
    if s.size == 0:
        return splits, merges
    best_a = s.argmax(axis=0)  # per later theme, its closest earlier one
    best_b = s.argmax(axis=1)
    for i in range(s.shape[0]):
        near = [j for j in range(s.shape[1]) if best_a[j] == i and s[i, j] >= threshold]
        if len(near) >= 2:
            splits[i] = near
    for j in range(s.shape[1]):
        near = [i for i in range(s.shape[0]) if best_b[i] == j and s[i, j] >= threshold]
        if len(near) >= 2:
            merges[j] = near
    return splits, merges


def match(
    a: list[ThemeSide],
    b: list[ThemeSide],
    *,
    threshold: float = THRESHOLD,
    margin: float = DEFAULT_MARGIN,
    corrections: list[Correction] | None = None,
) -> list[Change]:
    """What changed from ``a`` (earlier) to ``b`` (later) themes of one component (see the module rules),
    each theme in exactly one row; sorted: corrected, split, merged, pairs by similarity, gone, appeared."""
    rows, used_a, used_b = _corrected(a, b, corrections or [], margin)
    free_a = [i for i, t in enumerate(a) if t.id not in used_a]
    free_b = [j for j, t in enumerate(b) if t.id not in used_b]
    s = similarity([a[i] for i in free_a], [b[j] for j in free_b])
    splits, merges = _splits_and_merges(s, threshold)
    taken_a, taken_b = set(), set()
    for i, js in splits.items():
        rows.append(Change((a[free_a[i]].id,), tuple(b[free_b[j]].id for j in js), "split", float(s[i, js].min())))
        taken_a.add(i)
        taken_b.update(js)
    for j, is_ in merges.items():
        if j in taken_b or taken_a & set(is_):
            continue
        rows.append(Change(tuple(a[free_a[i]].id for i in is_), (b[free_b[j]].id,), "merged", float(s[is_, j].min())))
        taken_a.update(is_)
        taken_b.add(j)
    rest_a = [i for i in range(len(free_a)) if i not in taken_a]
    rest_b = [j for j in range(len(free_b)) if j not in taken_b]
    pairs = _one_to_one(s, rest_a, rest_b, threshold)
    for i, j in pairs:
        ta, tb = a[free_a[i]], b[free_b[j]]
        rows.append(Change((ta.id,), (tb.id,), size_change(ta, tb, margin), float(s[i, j])))
    paired_a, paired_b = {i for i, _ in pairs}, {j for _, j in pairs}
    rows += [Change((a[free_a[i]].id,), (), "gone") for i in rest_a if i not in paired_a]
    rows += [Change((), (b[free_b[j]].id,), "appeared") for j in rest_b if j not in paired_b]
    return rows


def _one_to_one(s: np.ndarray, rows: list[int], cols: list[int], threshold: float) -> list[tuple[int, int]]:
    """The one-to-one assignment of ``rows`` to ``cols`` with the largest total similarity, keeping
    only pairs at or above ``threshold``."""
    if not rows or not cols:
        return []
    sub = s[np.ix_(rows, cols)]
    r, c = linear_sum_assignment(-sub)
    return [(rows[i], cols[j]) for i, j in zip(r, c, strict=True) if sub[i, j] >= threshold]


def _corrected(
    a: list[ThemeSide], b: list[ThemeSide], corrections: list[Correction], margin: float
) -> tuple[list[Change], set[int], set[int]]:
    by_a, by_b = {t.id: t for t in a}, {t.id: t for t in b}
    rows: list[Change] = []
    used_a: set[int] = set()
    used_b: set[int] = set()
    for fix in corrections:
        ta, tb = by_a.get(fix.a) if fix.a else None, by_b.get(fix.b) if fix.b else None
        if (fix.a and ta is None) or (fix.b and tb is None) or (ta is None and tb is None):
            continue  # a correction naming a theme no longer live is left out
        if (ta and ta.id in used_a) or (tb and tb.id in used_b):
            continue
        if ta and tb:
            sim = float(similarity([ta], [tb])[0, 0])
            rows.append(Change((ta.id,), (tb.id,), size_change(ta, tb, margin), sim, corrected=True))
        elif ta:
            rows.append(Change((ta.id,), (), "gone", corrected=True))
        else:
            rows.append(Change((), (tb.id,), "appeared", corrected=True))
        used_a.update([ta.id] if ta else [])
        used_b.update([tb.id] if tb else [])
    return rows, used_a, used_b


def changed_share(changes: list[Change]) -> float:
    """The share of themes (counted on both sides) that a comparison reports as changed (not "same")."""
    total = sum(len(c.a) + len(c.b) for c in changes)
    moved = sum(len(c.a) + len(c.b) for c in changes if c.change != "same")
    return moved / total if total else 0.0


def share_noise(changes: list[Change], a: list[ThemeSide], b: list[ThemeSide]) -> float:
    """The largest move in a theme's share of people among matched pairs: the re-run margin."""
    by_a, by_b = {t.id: t for t in a}, {t.id: t for t in b}
    moves = [abs(by_b[c.b[0]].share - by_a[c.a[0]].share) for c in changes if len(c.a) == 1 and len(c.b) == 1]
    return max(moves, default=0.0)
