"""Voices left out: what synthesis and rating set aside, de-identified.

- "other voices": per component, the segments that fit no theme: how many, from how many people,
  by group (suppressed), and their words through the engagement's one scrubber
  (``records.engagements.scrubber_for``: names, emails, phones, street addresses) with no attribution;
- themes merged away: the label and the theme it went into;
- groups never cited: department and role-level groups with voices whose words no current
  proposal cites; a group with fewer voices than the threshold is not named, only counted.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from sqlmodel import Session, col, select

from assistant.equity.config import equity_settings
from assistant.equity.people import GROUPING_NAMES, attribution, group_of, voices
from assistant.equity.voice import VoiceSet, cited_people, voice_set
from assistant.models import Engagement, Participant, Segment, Theme, ThemeMember
from assistant.records.engagements import scrubber_for
from assistant.records.evidence import counted_members, live_themes
from assistant.records.review import current_proposals
from assistant.rubric import Rubric


@dataclass
class OtherVoices:
    component: str
    name: str
    segments: int
    voice: VoiceSet
    texts: list[str] = field(default_factory=list)


@dataclass
class MergedTheme:
    component: str
    label: str
    into: str | None


@dataclass
class NeverCited:
    grouping: str
    group: str | None  # None: a group too small to name
    voices: int | None


@dataclass
class LeftOut:
    other: list[OtherVoices]
    merged: list[MergedTheme]
    never_cited: list[NeverCited]
    unnamed_never_cited: int  # groups under the threshold whose words are never cited


def _shuffled(texts: list[str]) -> list[str]:
    # a stable order that follows neither the interview order nor the segment ids
    return sorted(texts, key=lambda t: hashlib.sha256(t.encode()).hexdigest())


def left_out(session: Session, engagement: Engagement, rubric: Rubric) -> LeftOut:
    """What was left out of themes and ratings, for the reviewer (see the module rules)."""
    k = equity_settings(engagement).min_cell
    scrubber = scrubber_for(session, engagement)  # the one scrubber every page and the LLM path use
    population = voices(session, engagement.id)
    units = attribution(session, engagement)  # groups as every page names them (none under k)
    other_themes = session.exec(live_themes(engagement.id, other=True)).all()
    other_rows = session.exec(
        counted_members(ThemeMember.theme_id, Segment, Participant).where(
            col(ThemeMember.theme_id).in_([t.id for t in other_themes])
        )
    ).all()
    component_of = {t.id: t.component for t in other_themes}
    other = []
    for comp in rubric.components:
        rows = [(seg, person) for tid, seg, person in other_rows if component_of[tid] == comp.id]
        if not rows:
            continue
        people = list({p.id: p for _, p in rows}.values())
        texts = _shuffled(scrubber.scrub_all([seg.text for seg, _ in rows]))
        other.append(
            OtherVoices(comp.id, comp.name, len(rows), voice_set(people, population, engagement, units), texts)
        )
    titles = {t.id: t.label for t in session.exec(select(Theme).where(Theme.engagement_id == engagement.id)).all()}
    merged = [
        MergedTheme(t.component, t.label, titles.get((t.changes or {}).get("merged_into") or 0))
        for t in session.exec(
            select(Theme)
            .where(Theme.engagement_id == engagement.id, col(Theme.archived).is_(True))
            .order_by(Theme.component, Theme.label)
        ).all()
        if (t.changes or {}).get("merged_into")
    ]
    cited: set[int] = set()
    for proposal in current_proposals(session, engagement.id).values():
        cited |= {p.id for p in cited_people(session, engagement.id, proposal)}
    with_words = set(
        session.exec(
            select(Segment.participant_id).where(Segment.engagement_id == engagement.id, col(Segment.active).is_(True))
        ).all()
    )
    never: list[NeverCited] = []
    unnamed = 0
    for grouping in ("department", "role_level"):
        groups: dict[str, list[Participant]] = {}
        for p in population:
            if p.id in with_words:
                groups.setdefault(group_of(p, grouping, units), []).append(p)
        for g, members in sorted(groups.items()):
            if any(p.id in cited for p in members):
                continue
            if len(members) >= k:
                never.append(NeverCited(GROUPING_NAMES[grouping], g, len(members)))
            else:
                unnamed += 1
    return LeftOut(other, merged, never, unnamed)
