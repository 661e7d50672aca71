"""Re-run noise: what synthesising the same answers again, with another seed, reports as changed.

A comparison of two assessments calls a theme change a change only when it is larger than this:
naive re-clustering invents "appeared" and "gone" themes. The measure: for each component, the
counted answers are synthesised twice (``synthesis.themes.build``), each time in the order of a
seeded shuffle (the seed decides the order, and with it how ties break and which sample the
thresholds read), and the two sets of themes are compared with the comparison's own matching
(``followup.match``). Reported: the share of themes called changed (appeared, gone, split, merged,
grew or shrank) and the largest move in a matched theme's share of people, which becomes the
comparison's margin for "grew" and "shrank".

Layer 4: it reads a stage (synthesis) and another (followup); neither reads the other.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sqlmodel import Session

from assistant.embeddings import Embedder, embed_cached
from assistant.followup.match import DEFAULT_MARGIN, Change, ThemeSide, changed_share, match, share_noise
from assistant.models import Segment
from assistant.records.evidence import counted_segments
from assistant.synthesis.themes import build

SEEDS = (1, 2)


@dataclass(frozen=True)
class Noise:
    """What a re-run of the same answers reported as changed."""

    changed_share: float  # of themes on both sides
    margin: float  # largest move in a matched theme's share of people
    themes: int  # themes compared (both runs together)
    seeds: tuple[int, int] = SEEDS

    def as_stats(self) -> dict:
        return {
            "changed_share": self.changed_share,
            "margin": self.margin,
            "themes": self.themes,
            "seeds": list(self.seeds),
        }


def _sides(texts: Sequence[str], x: np.ndarray, people: Sequence[int], seed: int) -> list[ThemeSide]:
    order = np.random.default_rng(seed).permutation(len(texts))
    shuffled = [people[i] for i in order]
    result = build([texts[i] for i in order], x[order], people=shuffled)
    heard = len(set(people))
    return [
        ThemeSide(n, d.label, d.centroid, len({shuffled[i] for i in d.members}), heard)
        for n, d in enumerate(result.themes)
        if d.centroid is not None
    ]


def rerun(
    texts: Sequence[str], x: np.ndarray, people: Sequence[int], seeds: tuple[int, int] = SEEDS
) -> tuple[list[Change], list[ThemeSide], list[ThemeSide]]:
    """The changes a comparison reports between two syntheses of the same answers (seeded orders),
    with each synthesis's themes."""
    first, second = _sides(texts, x, people, seeds[0]), _sides(texts, x, people, seeds[1])
    return match(first, second, margin=DEFAULT_MARGIN), first, second


def measure(session: Session, engagement_id: int, components: Sequence[str], embedder: Embedder) -> Noise:
    """The re-run noise of ``engagement_id``'s counted answers over ``components`` (see the module)."""
    changes: list[Change] = []
    margin = 0.0
    for component in components:
        rows = session.exec(
            counted_segments(Segment.text, Segment.participant_id, engagement_id=engagement_id)
            .where(Segment.component == component)
            .order_by(Segment.id)
        ).all()
        if len(rows) < 6:
            continue
        texts, people = [r[0] for r in rows], [r[1] for r in rows]
        x, _ = embed_cached(session, embedder, texts)
        found, first, second = rerun(texts, x, people)
        changes += found
        margin = max(margin, share_noise(found, first, second))
    themes = sum(len(c.a) + len(c.b) for c in changes)
    return Noise(changed_share(changes), margin, themes)
