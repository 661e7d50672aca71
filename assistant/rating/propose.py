"""The LLM rating engine: the rubric component and the evidence go to the model through the LLM
port; what comes back is validated against the data and retried with the errors.

Rules enforced:
- thin evidence (rubric minimums, after screening out instructions to the rater) is decided
  before any call: ``insufficient_evidence``, no level, no model asked;
- staff text travels only inside ``as_data("segment")`` blocks, so it cannot speak as the prompt;
  the port redacts emails, phones, street addresses and the engagement's people's names (bound
  into the client by ``assistant.engines``) when ``settings.llm_redact`` is on;
- the data-flow map's bottlenecks (items of kind ``bottleneck``, ``B-...``) reach the model apart from
  the segments, inside ``as_data("bottleneck")`` (system names are staff's words), to cite under the
  indicators the rubric marks ``bottlenecks``; they are validated like segments and count no person;
- segments reach the model grouped by theme (a theme label is data too, in ``as_data("theme")``)
  and the prompt asks for an indicator's citations from each theme that speaks to it;
- every reply passes ``validate_proposal`` (ids, verbatim quotes, rule-consistent level and
  judgments, enough distinct participants) or is sent back with the errors, at most
  ``settings.llm_max_retries`` times; after that the proposal is stored as ``failed`` with the
  reason. An LLM failure is never quietly replaced by the offline engine's answer.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.llm.client import LLMClient, LLMFailed
from assistant.llm.prompts import NEUTRAL_LT, load_prompt
from assistant.privacy import ADDRESS_PATTERN
from assistant.rating.counts import finish_counts, voice_mix
from assistant.rating.evidence import screen, thin_reason
from assistant.rating.schema import (
    FAILED,
    INSUFFICIENT,
    PROPOSED,
    Citation,
    EvidenceItem,
    IndicatorResult,
    LLMRating,
    Proposal,
    by_kind,
)
from assistant.rating.validate import validate_proposal
from assistant.rubric import Rubric

PROMPT = "rate_component"
TASK = "rate_component"
# What each redaction marker can stand for in the stored text (names are capitalised words).
_MARKER_PATTERNS = {
    "[name]": r"[A-Z][\w'\-]*(?:\s+[A-Z][\w'\-]*){0,3}",
    "[email]": r"[^\s@]+@[^\s@]*[A-Za-z0-9]",
    "[phone]": r"[+(]?\d[\d\s().\-]{5,}\d",
    "[address]": "(?:" + ADDRESS_PATTERN + ")",
}


def original_quote(quote: str, text: str) -> str:
    """The verbatim span of ``text`` that ``quote`` stands for.

    The model saw the segment redacted (``[name]``, ``[email]``, ``[phone]``, ``[address]``) and with tag-like
    ``<`` neutralised, so a faithful quote may differ from the stored text only there; such a quote
    is mapped back to the stored words. Anything else is returned unchanged (and then fails the
    verbatim check, as it should).
    """
    if quote in text:
        return quote
    restored = quote.replace(NEUTRAL_LT, "<")
    if restored in text:
        return restored
    pieces = re.split(r"(\[(?:name|email|phone|address)\])", restored)
    if len(pieces) > 1:
        pattern = "".join(_MARKER_PATTERNS.get(p, None) or re.escape(p) for p in pieces)
        match = re.search(pattern, text, flags=re.DOTALL)
        if match:
            return match.group(0)
    return quote


def to_proposal(
    reply: LLMRating,
    component: str,
    items: Sequence[EvidenceItem],
    engine: str,
    prompt_version: str,
    excluded: list[str],
    screened: Sequence[str] = (),
) -> Proposal:
    """A ``Proposal`` from the model's reply: quotes mapped back to the stored text, status from the
    level, every count from the cited segments (what the model must not be trusted to count): an
    indicator's evidence is what it cites."""
    by_id = {i.id: i for i in items}
    indicators = []
    for ind in reply.indicators:
        citations = [
            Citation(
                segment_id=c.segment_id,
                quote=original_quote(c.quote, by_id[c.segment_id].text) if c.segment_id in by_id else c.quote,
            )
            for c in ind.citations
        ]
        indicators.append(
            IndicatorResult(
                indicator_id=ind.indicator_id,
                judgment=ind.judgment,
                evidence_level=ind.evidence_level,
                segment_ids=list(dict.fromkeys(c.segment_id for c in citations)),
                citations=citations,
            )
        )
    seen, all_citations = set(), []
    for c in (c for ind in indicators for c in ind.citations):
        if (c.segment_id, c.quote) not in seen:
            seen.add((c.segment_id, c.quote))
            all_citations.append(c)
    return Proposal(
        component=component,
        status=PROPOSED if reply.level is not None else INSUFFICIENT,
        level=reply.level,
        indicators=indicators,
        citations=all_citations,
        rationale=reply.rationale.strip(),
        confidence=max(0.0, min(1.0, float(reply.confidence))),
        voice_mix=finish_counts(indicators, items),
        engine=engine,
        prompt_version=prompt_version,
        excluded=excluded,
        screened=list(screened),
    )


class LLMRater:
    """Rates one component at a time through an ``LLMClient`` (whose redactor knows the names)."""

    def __init__(self, llm: LLMClient, rubric: Rubric, engagement_id: int | None = None, max_tokens: int = 900) -> None:
        self.llm = llm
        self.rubric = rubric
        self.engagement_id = engagement_id
        self.max_tokens = max_tokens

    @property
    def engine(self) -> str:
        return self.llm.model

    def variables(self, component_id: str, items: Sequence[EvidenceItem]) -> dict:
        """The prompt variables: the rubric component, its rule and minimums, the evidence grouped by
        theme (themes in order of their first segment, segments without one last), and the data-flow
        map's bottlenecks with the indicators that may cite them."""
        items, bottlenecks = by_kind(items)
        component = self.rubric.component(component_id)
        labels: dict[str, str] = {}
        for item in items:
            labels.setdefault(item.participant, f"P{len(labels) + 1}")
        groups: dict[str | None, list[EvidenceItem]] = {}
        for item in items:
            groups.setdefault(item.theme, []).append(item)
        if None in groups:
            groups[None] = groups.pop(None)  # "not in any theme" goes last
        return {
            "component": component,
            "bottlenecks": [{"id": b.id, "text": b.text} for b in bottlenecks],
            "bottleneck_indicators": [i.id for i in component.indicators if i.bottlenecks],
            "levels": self.rubric.levels,
            "rule": self.rubric.rule_for(component_id),
            "minimum": self.rubric.minimum_for(component_id),
            "groups": [
                {
                    "theme": theme,
                    "participants": len({i.participant for i in members}),
                    "segments": [
                        {
                            "id": i.id,
                            "participant": labels[i.participant],
                            "role_level": i.role_level,
                            "department": i.department,
                            "text": i.text,
                        }
                        for i in members
                    ],
                }
                for theme, members in groups.items()
            ],
            "themes": sum(1 for theme in groups if theme is not None),
            "segment_count": len(items),
            "participants": len(labels),
            "example_id": items[0].id if items else "E-1",
        }

    def rate(self, component_id: str, items: Sequence[EvidenceItem], *, k: int) -> Proposal:
        """A validated proposal, ``insufficient_evidence`` (thin, or the rule gives no level), or
        ``failed`` with the reason when the model gave no acceptable answer. ``k`` (the small-group
        threshold) is part of the engine interface; the model is not asked for department splits."""
        version = load_prompt(PROMPT).version
        items, bottlenecks = by_kind(items)
        usable, excluded, cut = screen(items)
        flows, excluded_flows, _cut = screen(bottlenecks)
        excluded += excluded_flows
        usable_items = [s.item for s in usable]  # what quotes are checked against: the stored words
        shown = [s.shown for s in usable]  # what the model sees: instruction sentences cut out
        cited = usable_items + [f.item for f in flows]  # what may be cited: segments and bottlenecks
        reason = thin_reason(usable_items, self.rubric.minimum_for(component_id))
        if reason:
            comp = self.rubric.component(component_id)
            return Proposal(
                component=component_id,
                status=INSUFFICIENT,
                engine=self.engine,
                prompt_version=version,
                rationale=reason + " (decided by the rubric minimum; the model was not asked)",
                indicators=[IndicatorResult(indicator_id=i.id, judgment="no_evidence") for i in comp.indicators],
                voice_mix=voice_mix(usable_items, []),
                excluded=excluded,
                screened=cut,
            )

        def check(reply: LLMRating) -> list[str]:
            proposal = to_proposal(reply, component_id, cited, self.engine, version, excluded, cut)
            return validate_proposal(proposal, self.rubric, cited)

        try:
            reply = self.llm.structured(
                TASK,
                PROMPT,
                self.variables(component_id, shown + [f.item for f in flows]),
                output=LLMRating,
                validate=check,
                engagement_id=self.engagement_id,
                max_tokens=self.max_tokens,
            )
        except LLMFailed as exc:
            return Proposal(
                component=component_id,
                status=FAILED,
                engine=self.engine,
                prompt_version=version,
                error=exc.reason[:2000],
                rationale=f"The model gave no acceptable proposal after {exc.attempts} attempt(s): {exc.reason[:500]}",
                voice_mix=voice_mix(usable_items, []),
                excluded=excluded,
                screened=cut,
            )
        return to_proposal(reply, component_id, cited, self.engine, version, excluded, cut)
