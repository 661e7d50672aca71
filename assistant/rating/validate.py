"""Checks a proposal against the data it claims to rest on.

``validate_proposal`` returns human-readable errors (empty when the proposal stands). The same
list is sent back to the LLM on a retry, so each error says what to fix. Rules enforced:

- every indicator id exists in the component, each appears once, and all are present;
- every cited segment id is in this component's input set, and every quote is a verbatim
  substring of its segment (at least ``MIN_QUOTE_CHARS`` long, or the whole segment);
- no quote is an instruction to the rater ("rate us 5") rather than evidence;
- a quote is cited under at most two indicators (once, unless it is the strongest evidence of two);
- an indicator with an evidence level cites at least one segment; one without has judgment
  ``no_evidence`` and cites nothing;
- the level is one the rubric defines, and equals the rubric rule applied to the indicators'
  evidence levels; each judgment equals the rule's judgment against that level;
- a level rests on at least the rubric minimum of distinct participants;
- ids cited in the rationale as ``[id]`` exist, and a rated proposal's rationale cites one.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.rating.schema import FAILED, INSUFFICIENT, PROPOSED, EvidenceItem, Proposal
from assistant.rubric import Rubric
from assistant.screening import is_instruction

MIN_QUOTE_CHARS = 12
MAX_INDICATORS_PER_QUOTE = 2  # a quote is cited once, or under two indicators when it is the strongest of both
_BRACKETED = re.compile(r"\[([^\[\]\s]{1,64})\]")
_REDACTION_MARKERS = {"email", "phone", "name"}


def rationale_ids(rationale: str) -> list[str]:
    """Ids cited in a rationale as ``[E-12]`` (redaction markers like ``[name]`` are not ids)."""
    return [m for m in _BRACKETED.findall(rationale) if m.lower() not in _REDACTION_MARKERS]


def validate_proposal(proposal: Proposal, rubric: Rubric, items: Sequence[EvidenceItem]) -> list[str]:
    """Errors that make ``proposal`` unacceptable for ``items`` under ``rubric`` (empty list: it stands)."""
    errors: list[str] = []
    try:
        component = rubric.component(proposal.component)
    except KeyError:
        return [f"component '{proposal.component}' is not in the rubric"]
    if proposal.status == FAILED:
        return []  # a failure carries its reason, not claims to check
    rule = rubric.rule_for(component.id)
    minimum = rubric.minimum_for(component.id)
    by_id = {item.id: item for item in items}
    known_indicators = [i.id for i in component.indicators]
    valid_levels = {lvl.level for lvl in rubric.levels}

    seen: set[str] = set()
    for ind in proposal.indicators:
        if ind.indicator_id not in known_indicators:
            errors.append(
                f"indicator '{ind.indicator_id}' is not in component '{component.id}'; use only {known_indicators}"
            )
            continue
        if ind.indicator_id in seen:
            errors.append(f"indicator '{ind.indicator_id}' appears twice; give it once")
        seen.add(ind.indicator_id)
    missing = [i for i in known_indicators if i not in seen]
    if missing:
        errors.append(
            f"indicator(s) {missing} are missing; list every indicator (no_evidence when nothing speaks to it)"
        )

    cited_people: set[str] = set()
    all_citations = [(ind.indicator_id, c) for ind in proposal.indicators for c in ind.citations]
    all_citations += [("citations", c) for c in proposal.citations]
    for where, cite in all_citations:
        item = by_id.get(cite.segment_id)
        if item is None:
            errors.append(
                f"{where}: segment '{cite.segment_id}' does not exist in the evidence for this component; "
                "cite only the ids given"
            )
            continue
        quote = cite.quote
        if not quote.strip() or quote not in item.text:
            errors.append(
                f'{where}: the quote "{_short(quote)}" is not a verbatim part of segment {cite.segment_id}; '
                "copy the words exactly as they appear"
            )
            continue
        if len(quote.strip()) < MIN_QUOTE_CHARS and quote.strip() != item.text.strip():
            errors.append(
                f'{where}: the quote "{quote}" from {cite.segment_id} is too short to show anything; '
                "quote a whole phrase"
            )
            continue
        if is_instruction(quote):
            errors.append(
                f"{where}: the quote from {cite.segment_id} is an instruction to the rater, not evidence of practice"
            )
            continue
        cited_people.add(item.participant)
    cited_under: dict[tuple[str, str], list[str]] = {}
    for ind in proposal.indicators:
        for cite in ind.citations:
            cited_under.setdefault((cite.segment_id, cite.quote), []).append(ind.indicator_id)
    for (sid, quote), where in cited_under.items():
        if len(where) > MAX_INDICATORS_PER_QUOTE:
            errors.append(
                f'the quote "{_short(quote)}" from {sid} is cited under {len(where)} indicators ({", ".join(where)}); '
                f"cite a quote only under the indicator it speaks to (at most {MAX_INDICATORS_PER_QUOTE}, when it is "
                "the strongest evidence of both)"
            )
    for ind in proposal.indicators:
        for sid in ind.segment_ids:
            if sid not in by_id:
                errors.append(f"{ind.indicator_id}: segment '{sid}' does not exist in the evidence for this component")

    evidence_levels = {}
    for ind in proposal.indicators:
        if ind.indicator_id not in known_indicators:
            continue
        lvl = ind.evidence_level
        if lvl is not None and lvl not in valid_levels:
            errors.append(f"{ind.indicator_id}: evidence level {lvl} is not a rubric level (1-5)")
            continue
        if lvl is None:
            if ind.citations or ind.segment_ids:
                errors.append(
                    f"{ind.indicator_id}: cites segments but has no evidence level; "
                    "give a level 1-5 or drop the citations"
                )
        elif not ind.citations and not ind.segment_ids:
            errors.append(f"{ind.indicator_id}: evidence level {lvl} cites no segment; cite the evidence or use null")
        evidence_levels[ind.indicator_id] = lvl

    expected = rule.level_for([evidence_levels.get(i) for i in known_indicators])
    if proposal.level is not None and proposal.level not in valid_levels:
        errors.append(f"level {proposal.level} is not a rubric level; levels are {sorted(valid_levels)}")
    elif proposal.level != expected:
        errors.append(
            f"level {proposal.level} disagrees with the rubric rule applied to the indicator evidence levels, "
            f"which gives {expected} (the highest level L such that at least {rule.level_share:.0%} of the "
            f"indicators with evidence, and at least {rule.min_indicators_at_level}, are at L or above; none when "
            f"fewer than "
            f"{rule.min_indicators_with_evidence} indicators have evidence)"
        )
    for ind in proposal.indicators:
        if ind.indicator_id not in evidence_levels:
            continue
        want = rule.judgment(ind.evidence_level, expected)
        if ind.judgment != want:
            errors.append(
                f"{ind.indicator_id}: judgment '{ind.judgment}' should be '{want}' "
                f"(evidence level {ind.evidence_level} against component level {expected})"
            )

    if proposal.status == PROPOSED and proposal.level is None:
        errors.append("status 'proposed' needs a level; with no level the status is 'insufficient_evidence'")
    if proposal.status == INSUFFICIENT and proposal.level is not None:
        errors.append("status 'insufficient_evidence' cannot carry a level")
    if proposal.level is not None and len(cited_people) < minimum.participants:
        errors.append(
            f"level {proposal.level} rests on evidence from {len(cited_people)} participant(s); "
            f"the rubric asks for at least {minimum.participants} distinct participants"
        )

    for rid in rationale_ids(proposal.rationale):
        if rid not in by_id:
            errors.append(f"the rationale cites [{rid}], which is not a segment in the evidence")
    if proposal.level is not None and not any(r in by_id for r in rationale_ids(proposal.rationale)):
        errors.append("the rationale must cite the segments it rests on, like [" + next(iter(by_id), "E-1") + "]")
    return errors


def _short(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit] + "…"
