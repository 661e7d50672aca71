"""The numbers a proposal shows, each defined once and derived from the same segment ids.

An indicator's evidence is its ``segment_ids`` (every segment its evidence level rests on); its
``participants`` and ``segments`` are counted from them here. The proposal's headline and voice mix
are counted from the union of those ids, so the headline is never smaller than any indicator's count
and the departments and role levels add up to the headline's people. ``quoted`` is how many of those
people are quoted. Both engines finish a proposal with ``finish_counts``; the review page and the CLI
explain the confidence with ``explain_confidence`` from the stored fields.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from assistant.rating.schema import EvidenceItem, IndicatorResult, Proposal, VoiceMix

FRONTLINE_SIDE = ("frontline", "supervisor")
LEADERSHIP_SIDE = ("manager", "executive")


@dataclass(frozen=True)
class Tally:
    """Distinct people and segments behind a set of segment ids, with departments and role levels of the people."""

    participants: int = 0
    segments: int = 0
    departments: dict[str, int] = field(default_factory=dict)
    role_levels: dict[str, int] = field(default_factory=dict)


def tally(items: Sequence[EvidenceItem], segment_ids: Iterable[str]) -> Tally:
    """People (each counted once, with the department and role level of their first segment) and
    segments among ``items`` whose id is in ``segment_ids``; ids not in ``items`` are not counted, nor
    are the data-flow map's bottlenecks (no one person's words)."""
    wanted = set(segment_ids)
    people: dict[str, EvidenceItem] = {}
    segments = 0
    for item in items:
        if item.id in wanted and item.kind == "segment":
            segments += 1
            people.setdefault(item.participant, item)
    departments: dict[str, int] = {}
    roles: dict[str, int] = {}
    for item in people.values():
        departments[item.department or "unknown"] = departments.get(item.department or "unknown", 0) + 1
        roles[item.role_level or "unknown"] = roles.get(item.role_level or "unknown", 0) + 1
    return Tally(len(people), segments, dict(sorted(departments.items())), dict(sorted(roles.items())))


def voice_mix(items: Sequence[EvidenceItem], evidence_ids: Iterable[str], quoted_ids: Iterable[str] = ()) -> VoiceMix:
    """The people behind ``evidence_ids`` (departments and role levels, counted once each), how many of
    them are quoted (``quoted_ids``), and the input the engine was given (usable segments and people)."""
    behind = tally(items, evidence_ids)
    return VoiceMix(
        participants=behind.participants,
        quoted=tally(items, quoted_ids).participants,
        departments=behind.departments,
        role_levels=behind.role_levels,
        input_participants=len({i.participant for i in items if i.kind == "segment"}),
        input_segments=sum(1 for i in items if i.kind == "segment"),
    )


def finish_counts(indicators: list[IndicatorResult], items: Sequence[EvidenceItem]) -> VoiceMix:
    """Set every indicator's ``participants`` and ``segments`` from its ``segment_ids`` and return the
    proposal's voice mix over their union (the one definition both engines use)."""
    evidence: list[str] = []
    quoted: list[str] = []
    for ind in indicators:
        counted = tally(items, ind.segment_ids)
        ind.participants, ind.segments = counted.participants, counted.segments
        evidence.extend(ind.segment_ids)
        quoted.extend(c.segment_id for c in ind.citations)
    return voice_mix(items, evidence, quoted)


def _plural(n: int, word: str, plural: str | None = None) -> str:
    return f"{n} {word if n == 1 else (plural or word + 's')}"


def explain_confidence(proposal: Proposal) -> str:
    """The confidence in words, from what the proposal rests on: indicators with evidence of all
    indicators, people, departments, and whether frontline and leadership accounts (and departments)
    agree, e.g. "5 of 5 indicators, 15 people, 3 departments, frontline and leadership agree".

    "Agree" means no indicator has accounts from the two sides (or from two departments of at least
    five people) two or more levels apart; where one side is absent the sentence says so instead.
    """
    if proposal.status == "failed":
        return "no confidence: the rating failed"
    total = len(proposal.indicators)
    rated = [i for i in proposal.indicators if i.evidence_level is not None]
    mix = proposal.voice_mix
    parts = [
        f"{len(rated)} of {total} indicators",
        _plural(mix.participants, "person", "people"),
        _plural(len([d for d in mix.departments if d != "unknown"]), "department"),
    ]
    front = sum(n for r, n in mix.role_levels.items() if r in FRONTLINE_SIDE)
    lead = sum(n for r, n in mix.role_levels.items() if r in LEADERSHIP_SIDE)
    role_splits = [i.indicator_id for i in rated if i.split is not None and i.split.kind == "role"]
    dept_splits = [i.indicator_id for i in rated if i.split is not None and i.split.kind == "department"]
    if role_splits:
        parts.append(f"frontline and leadership disagree on {_plural(len(role_splits), 'indicator')}")
    elif front and lead:
        parts.append("frontline and leadership agree")
    elif front:
        parts.append("frontline and supervisor voices only")
    elif lead:
        parts.append("manager and executive voices only")
    if dept_splits:
        parts.append(f"departments disagree on {_plural(len(dept_splits), 'indicator')}")
    return ", ".join(parts)
