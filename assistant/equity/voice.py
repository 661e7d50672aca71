"""Voice share: whose words are behind each theme, and behind the evidence of each rating.

For a set of people (a theme's, or the authors of a proposal's cited segments) and each grouping:
a group's people, its share of the set, its share of all voices (``people.voices``), and their
ratio. Flags: "under" when the ratio is below the engagement's ``voice_ratio``, "over" when above
its inverse; a set whose people all come from one department or one role level is called out
(naming the group only when its row is shown). Counts go through ``suppress_rows`` with the
set's size and the voices' counts as the totals a reader could subtract from.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field

from sqlmodel import Session, col, select

from assistant.equity.config import equity_settings
from assistant.equity.people import attribution, group_of, groupings, voices
from assistant.models import Engagement, Participant, RatingProposal, Segment, ThemeMember
from assistant.rating.schema import segment_pk
from assistant.records.evidence import counted_members, live_themes
from assistant.records.review import current_proposals, latest_decisions
from assistant.rubric import Rubric
from assistant.suppression import Attributor, suppress_rows


@dataclass
class ShareRow:
    """A group's people in a set against its share of all voices; None where hidden."""

    grouping: str
    group: str
    people: int | None
    share: float | None
    expected: float | None
    ratio: float | None
    flag: str | None
    suppressed: bool

    def as_json(self) -> dict:
        return asdict(self)


@dataclass
class VoiceSet:
    """The people behind one theme or one rating, by group, with its flags."""

    people: int
    rows: list[ShareRow] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)

    def by(self, grouping: str) -> list[ShareRow]:
        return [r for r in self.rows if r.grouping == grouping]


def voice_set(
    people: list[Participant], population: list[Participant], engagement: Engagement, units: Attributor | None = None
) -> VoiceSet:
    """The people of one set (a theme, a rating's cited authors) by group against all ``population`` (the
    voices); departments and role levels as the engagement's ``units`` name them (no group under k)."""
    cfg = equity_settings(engagement)
    k = cfg.min_cell
    out = VoiceSet(len(people))
    for grouping, name in groupings(engagement):
        mine = Counter(group_of(p, grouping, units) for p in people)
        everyone = Counter(group_of(p, grouping, units) for p in population)
        cells = {g: {"people": mine.get(g, 0), "voices": everyone[g]} for g in everyone}
        hidden = suppress_rows(cells, k=k)
        for g in sorted(cells, key=lambda g: (-cells[g]["people"], g)):
            if g in hidden.hidden or hidden.totals_hidden:
                out.rows.append(ShareRow(grouping, g, None, None, None, None, None, True))
                continue
            share = mine.get(g, 0) / len(people) if people else 0.0
            expected = everyone[g] / len(population) if population else 0.0
            ratio = round(share / expected, 3) if expected else None
            flag = None
            if people and ratio is not None:
                flag = "under" if ratio < cfg.voice_ratio else "over" if ratio > 1 / cfg.voice_ratio else None
            out.rows.append(
                ShareRow(grouping, g, mine.get(g, 0), round(share, 3), round(expected, 3), ratio, flag, False)
            )
        if grouping in ("department", "role_level") and people and len(mine) == 1 and len(everyone) > 1:
            (only,) = mine
            shown = any(r.group == only and not r.suppressed for r in out.by(grouping))
            out.flags.append(f"only one {name.lower()}" + (f": {only}" if shown else " (a group too small to name)"))
    return out


@dataclass
class ThemeVoice:
    component: str
    theme_id: int
    label: str
    voice: VoiceSet


def _people_by_theme(session: Session, engagement_id: int) -> dict[int, list[Participant]]:
    rows = session.exec(
        counted_members(ThemeMember.theme_id, Participant).where(Segment.engagement_id == engagement_id)
    ).all()
    out: dict[int, dict[int, Participant]] = {}
    for theme_id, person in rows:
        out.setdefault(theme_id, {})[person.id] = person
    return {t: list(p.values()) for t, p in out.items()}


def theme_voice(session: Session, engagement: Engagement, rubric: Rubric) -> list[ThemeVoice]:
    """Every live theme (not "other voices") with people behind it, in rubric order, largest first."""
    population = voices(session, engagement.id)
    units = attribution(session, engagement)
    by_theme = _people_by_theme(session, engagement.id)
    themes = session.exec(live_themes(engagement.id, other=False)).all()
    order = {c.id: n for n, c in enumerate(rubric.components)}
    out = [
        ThemeVoice(t.component, t.id, t.label, voice_set(by_theme[t.id], population, engagement, units))
        for t in themes
        if by_theme.get(t.id)
    ]
    return sorted(out, key=lambda v: (order.get(v.component, 99), -v.voice.people, v.theme_id))


def cited_people(session: Session, engagement_id: int, proposal: RatingProposal | None) -> list[Participant]:
    """The distinct, not withdrawn, authors of the segments a proposal cites."""
    if proposal is None:
        return []
    pks = {pk for c in proposal.citations if (pk := segment_pk(str(c.get("segment_id", "")))) is not None}
    if not pks:
        return []
    rows = session.exec(
        select(Participant)
        .join(Segment, Segment.participant_id == Participant.id)
        .where(
            col(Segment.id).in_(pks), Segment.engagement_id == engagement_id, col(Participant.withdrawn_at).is_(None)
        )
    ).all()
    return list({p.id: p for p in rows}.values())


@dataclass
class RatingVoice:
    """One component: the current proposal's cited voices and those behind the decided level."""

    component: str
    name: str
    proposal_status: str | None
    proposal_level: int | None
    proposal: VoiceSet
    decision_action: str | None
    decided_level: int | None
    decided: VoiceSet | None
    flags: list[str] = field(default_factory=list)


def rating_voice(session: Session, engagement: Engagement, rubric: Rubric) -> list[RatingVoice]:
    """One entry per rubric component. The decided level rests on the cited evidence of the
    proposal its decision was made on; a rejected proposal leaves no decided level."""
    population = voices(session, engagement.id)
    units = attribution(session, engagement)
    proposals = current_proposals(session, engagement.id)
    decisions = latest_decisions(session, engagement.id)
    out = []
    for comp in rubric.components:
        proposal = proposals.get(comp.id)
        decision = decisions.get(comp.id)
        current = voice_set(cited_people(session, engagement.id, proposal), population, engagement, units)
        decided = None
        if decision is not None and decision.action != "reject" and decision.final_level is not None:
            basis = session.get(RatingProposal, decision.proposal_id)
            decided = voice_set(cited_people(session, engagement.id, basis), population, engagement, units)
        flags = [f"decided level rests on {f}" for f in (decided.flags if decided else [])]
        flags += [f"proposal rests on {f}" for f in current.flags]
        out.append(
            RatingVoice(
                comp.id,
                comp.name,
                proposal.status if proposal else None,
                proposal.level if proposal else None,
                current,
                decision.action if decision else None,
                decision.final_level if decided else None,
                decided,
                flags,
            )
        )
    return out
