"""Checks a proposal against the data it claims to rest on.

``validate_proposal`` returns human-readable errors (empty when the proposal stands). The same
list is sent back to the LLM on a retry, so each error says what to fix. Rules enforced:

- every indicator id exists in the component, each appears once, and all are present;
- every cited segment id (or data-flow bottleneck id, ``B-...``) is in this component's input set,
  and every quote is a verbatim substring of its segment (at least ``MIN_QUOTE_CHARS`` long, or the whole segment);
- no quote is an instruction to the rater ("rate us 5") rather than evidence;
- a quote is cited under at most two indicators (once, unless it is the strongest evidence of two);
- an indicator with an evidence level cites at least one segment; one without has judgment
  ``no_evidence`` and cites nothing;
- the level is one the rubric defines, and equals the rubric rule applied to the indicators'
  evidence levels; each judgment equals the rule's judgment against that level;
- a level rests on at least the rubric minimum of distinct participants (a bottleneck is no participant);
- ids cited in the rationale as ``[id]`` exist, and a rated proposal's rationale cites one;
- a data-flow bottleneck is cited only under an indicator the rubric marks ``bottlenecks``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.rating.schema import FAILED, INSUFFICIENT, PROPOSED, EvidenceItem, Proposal
from assistant.rubric import Component, RatingRule, Rubric
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
    try:
        component = rubric.component(proposal.component)
    except KeyError:
        return [f"component '{proposal.component}' is not in the rubric"]
    if proposal.status == FAILED:
        return []  # a failure carries its reason, not claims to check
    rule = rubric.rule_for(component.id)
    minimum = rubric.minimum_for(component.id)
    by_id = {item.id: item for item in items}
    known = [i.id for i in component.indicators]
    valid_levels = {lvl.level for lvl in rubric.levels}

    errors = _check_indicators(proposal, component.id, known)
    citation_errors, cited_people = _check_citations(proposal, by_id)
    errors += citation_errors
    errors += _check_quote_reuse(proposal)
    errors += _check_segment_ids(proposal, by_id)
    level_errors, evidence_levels = _check_evidence_levels(proposal, known, valid_levels)
    errors += level_errors
    expected = rule.level_for([evidence_levels.get(i) for i in known])
    behind = {
        by_id[sid].participant
        for ind in proposal.indicators
        for sid in ind.segment_ids
        if sid in by_id and by_id[sid].kind == "segment"  # a bottleneck of the map counts no person
    }
    if proposal.status == INSUFFICIENT and len(behind) < minimum.participants:
        # the rule's level stands on too few people: declining is what the rubric minimum asks (issue 30)
        expected = None
    errors += _check_level(proposal, rule, expected, valid_levels)
    errors += _check_judgments(proposal, rule, expected, evidence_levels)
    errors += _check_status(proposal)
    errors += _check_participants(proposal, cited_people, minimum.participants)
    errors += _check_rationale(proposal, by_id)
    errors += _check_bottlenecks(proposal, component, by_id)
    return errors


def _check_bottlenecks(proposal: Proposal, component: Component, by_id: dict[str, EvidenceItem]) -> list[str]:
    """A data-flow bottleneck is cited only under an indicator the rubric marks ``bottlenecks``."""
    marked = [i.id for i in component.indicators if i.bottlenecks]
    return [
        f"{ind.indicator_id}: bottleneck {cite.segment_id} speaks only to how data moves; cite it under {marked}"
        if marked
        else f"{ind.indicator_id}: bottleneck {cite.segment_id} is not evidence for this component"
        for ind in proposal.indicators
        for cite in ind.citations
        if ind.indicator_id not in marked
        and (item := by_id.get(cite.segment_id)) is not None
        and item.kind != "segment"
    ]


def _check_indicators(proposal: Proposal, component_id: str, known: list[str]) -> list[str]:
    """Every indicator id exists in the component, each appears once, and all are present."""
    errors: list[str] = []
    seen: set[str] = set()
    for ind in proposal.indicators:
        if ind.indicator_id not in known:
            errors.append(f"indicator '{ind.indicator_id}' is not in component '{component_id}'; use only {known}")
            continue
        if ind.indicator_id in seen:
            errors.append(f"indicator '{ind.indicator_id}' appears twice; give it once")
        seen.add(ind.indicator_id)
    missing = [i for i in known if i not in seen]
    if missing:
        errors.append(
            f"indicator(s) {missing} are missing; list every indicator (no_evidence when nothing speaks to it)"
        )
    return errors


def _check_citations(proposal: Proposal, by_id: dict[str, EvidenceItem]) -> tuple[list[str], set[str]]:
    """Every citation names a segment of the input set and quotes it verbatim, long enough, and not an
    instruction to the rater. Returns the errors and the participants behind the citations that stand."""
    errors: list[str] = []
    cited_people: set[str] = set()
    all_citations = [(ind.indicator_id, c) for ind in proposal.indicators for c in ind.citations]
    all_citations += [("citations", c) for c in proposal.citations]
    for where, cite in all_citations:
        item = by_id.get(cite.segment_id)
        if item is None:
            what = "bottleneck" if cite.segment_id.startswith("B-") else "segment"
            errors.append(
                f"{where}: {what} '{cite.segment_id}' does not exist in the evidence for this component; "
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
        if item.kind == "segment":
            cited_people.add(item.participant)
    return errors, cited_people


def _check_quote_reuse(proposal: Proposal) -> list[str]:
    """A quote is cited under at most ``MAX_INDICATORS_PER_QUOTE`` indicators."""
    errors: list[str] = []
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
    return errors


def _check_segment_ids(proposal: Proposal, by_id: dict[str, EvidenceItem]) -> list[str]:
    """Every segment id an indicator lists is in the input set."""
    return [
        f"{ind.indicator_id}: segment '{sid}' does not exist in the evidence for this component"
        for ind in proposal.indicators
        for sid in ind.segment_ids
        if sid not in by_id
    ]


def _check_evidence_levels(
    proposal: Proposal, known: list[str], valid_levels: set[int]
) -> tuple[list[str], dict[str, int | None]]:
    """Each known indicator's evidence level is a rubric level, cites a segment when it has one and
    nothing when it has none. Returns the errors and the evidence level of each indicator that stands."""
    errors: list[str] = []
    evidence_levels: dict[str, int | None] = {}
    for ind in proposal.indicators:
        if ind.indicator_id not in known:
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
    return errors, evidence_levels


def _check_level(proposal: Proposal, rule: RatingRule, expected: int | None, valid_levels: set[int]) -> list[str]:
    """The level is a rubric level and equals the rubric rule applied to the evidence levels (``expected``)."""
    if proposal.level is not None and proposal.level not in valid_levels:
        return [f"level {proposal.level} is not a rubric level; levels are {sorted(valid_levels)}"]
    if proposal.level != expected:
        return [
            f"level {proposal.level} disagrees with the rubric rule applied to the indicator evidence levels, "
            f"which gives {expected} (the highest level L such that at least {rule.level_share:.0%} of the "
            f"indicators with evidence, and at least {rule.min_indicators_at_level}, are at L or above; none when "
            f"fewer than "
            f"{rule.min_indicators_with_evidence} indicators have evidence)"
        ]
    return []


def _check_judgments(
    proposal: Proposal, rule: RatingRule, expected: int | None, evidence_levels: dict[str, int | None]
) -> list[str]:
    """Each judgment equals the rule's judgment of its evidence level against the expected level."""
    errors: list[str] = []
    for ind in proposal.indicators:
        if ind.indicator_id not in evidence_levels:
            continue
        want = rule.judgment(ind.evidence_level, expected)
        if ind.judgment != want:
            errors.append(
                f"{ind.indicator_id}: judgment '{ind.judgment}' should be '{want}' "
                f"(evidence level {ind.evidence_level} against component level {expected})"
            )
    return errors


def _check_status(proposal: Proposal) -> list[str]:
    """A proposed rating has a level; an insufficient-evidence one has none."""
    errors: list[str] = []
    if proposal.status == PROPOSED and proposal.level is None:
        errors.append("status 'proposed' needs a level; with no level the status is 'insufficient_evidence'")
    if proposal.status == INSUFFICIENT and proposal.level is not None:
        errors.append("status 'insufficient_evidence' cannot carry a level")
    return errors


def _check_participants(proposal: Proposal, cited_people: set[str], minimum: int) -> list[str]:
    """A level rests on at least the rubric minimum of distinct participants."""
    if proposal.level is not None and len(cited_people) < minimum:
        return [
            f"level {proposal.level} rests on evidence from {len(cited_people)} participant(s); "
            f"the rubric asks for at least {minimum} distinct participants"
        ]
    return []


def _check_rationale(proposal: Proposal, by_id: dict[str, EvidenceItem]) -> list[str]:
    """Ids cited in the rationale exist, and a rated proposal's rationale cites one."""
    errors = [
        f"the rationale cites [{rid}], which is not a segment in the evidence"
        for rid in rationale_ids(proposal.rationale)
        if rid not in by_id
    ]
    if proposal.level is not None and not any(r in by_id for r in rationale_ids(proposal.rationale)):
        errors.append("the rationale must cite the segments it rests on, like [" + next(iter(by_id), "E-1") + "]")
    return errors


def _short(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit] + "…"
