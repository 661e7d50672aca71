"""Quotes and citations in one document: each distinct quote printed once, every citation resolved.

Rules (``QuoteBook``, one per document):
- two segments that are the same quote (``assistant.sameness``: equal once normalised, or
  near-identical by embedding when the document has an encoder) are one quote: one citation (the
  lower segment id), counted with the number of people who said it; a citation of the other segment
  in a rationale is rewritten to it;
- a quote is printed at most once in a document (the first place that asks for it, in reading order:
  the executive summary, then the findings, then readiness); a later place takes its next candidate;
- only people who agreed to be quoted are quoted; every cited segment gets a row in the evidence
  appendix, whose text is the quote, "quoted in <section>" when it is printed elsewhere, or
  "not quoted: no consent";
- the department and role level in the appendix are the engagement's ``suppression.attributor``'s
  units of everyone who said the words (each named only for a group of at least k; several units
  are listed, "; " apart; none when a unit would stand for fewer than k people).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable

import numpy as np

from assistant import sameness
from assistant.report.model import NOT_QUOTED, EvidenceEntry, Quote
from assistant.report.relevance import Encoder
from assistant.report.sources import Sources
from assistant.sameness import normalised

_CITED = re.compile(r"\[(E-\d+)\]")
_RUN = re.compile(r"(?:\[E-\d+\])+")  # citations side by side: each once


def ref_of(segment_id: int) -> str:
    return f"E-{segment_id}"


def segment_of(ref: str) -> int | None:
    return int(ref[2:]) if ref.startswith("E-") and ref[2:].isdigit() else None


def _each_once(run: re.Match[str]) -> str:
    return "".join(f"[{ref}]" for ref in dict.fromkeys(_CITED.findall(run.group(0))))


def same_quotes(sources: Sources, encoder: Encoder | None) -> dict[int, int]:
    """Each counted segment's quote: the lowest segment id of the texts that are the same quote
    (``sameness.groups``; raw texts, as scrubbing every text would cost seconds, and the stored
    vectors are of the raw texts). Without ``encoder``, sameness once normalised only."""
    ids = sorted(sources.evidence)
    texts = [sources.evidence[sid].segment.text for sid in ids]
    vectors = None
    if encoder is not None and texts:
        heads = {normalised(t): t for t in reversed(texts)}  # one vector per distinct text, the first's
        found = dict(zip(heads, encoder.encode(list(heads.values())), strict=True))
        vectors = [found[normalised(t)] for t in texts]
    lead = sameness.groups(texts, np.vstack(vectors) if vectors else None)
    return {sid: ids[lead[n]] for n, sid in enumerate(ids)}


class QuoteBook:
    """The quotes and citations of one document (see the module rules)."""

    def __init__(self, sources: Sources, encoder: Encoder | None = None) -> None:
        self.sources = sources
        self._canonical = same_quotes(sources, encoder)
        self._people: dict[int, set[int]] = defaultdict(set)
        self._units: dict[int, set[tuple[str, str]]] = defaultdict(set)  # canonical id -> its speakers' units
        for sid, first in self._canonical.items():
            ev = sources.evidence[sid]
            self._people[first].add(ev.segment.participant_id)
            self._units[first].add(sources.attribute(ev.department, ev.role_level))
        everyone = {ev.segment.participant_id: (ev.department, ev.role_level) for ev in sources.evidence.values()}
        self._unit_size = Counter(sources.attribute(*who) for who in everyone.values())
        self._voice: dict[int, int] = {}  # canonical id -> the first consented segment with its words
        for sid in sorted(self._canonical):
            if sources.evidence[sid].consented:
                self._voice.setdefault(self._canonical[sid], sid)
        self._printed: dict[int, str] = {}  # canonical id -> the section it is printed in
        self._cited: dict[int, tuple[str, str]] = {}  # canonical id -> (component, indicator)
        self._printed_texts: set[str] = set()  # printed quotes, normalised after scrubbing

    def canonical(self, segment_id: int) -> int | None:
        return self._canonical.get(segment_id)

    def quotable(self, segment_id: int) -> bool:
        """Whether the segment may still be printed as a quote here (consented, not printed yet)."""
        first = self._canonical.get(segment_id)
        return first is not None and first not in self._printed and self._consented(first)

    def _consented(self, first: int) -> bool:
        """Whether someone who agreed to be quoted said these words."""
        return first in self._voice

    def _consented_text(self, first: int) -> str:
        return self.sources.names.scrub(self.sources.evidence[self._voice[first]].segment.text)

    def take(self, segment_id: int, section: str, component: str = "", indicator: str = "") -> Quote | None:
        """The quote of ``segment_id`` printed in ``section`` (and cited), or None when it may not be."""
        if not self.quotable(segment_id):
            return None
        first = self._canonical[segment_id]
        text = self._consented_text(first)
        if normalised(text) in self._printed_texts:  # two names scrubbed to the same words
            return None
        self._printed_texts.add(normalised(text))
        self._printed[first] = section
        self.cite(first, component, indicator)
        return Quote(ref_of(first), text, len(self._people[first]))

    def pick(self, candidates: Iterable[int], section: str, *, n: int, component: str = "") -> list[Quote]:
        """Up to ``n`` quotes from ``candidates`` (best first), one per person."""
        out: list[Quote] = []
        seen: set[int] = set()
        for sid in candidates:
            ev = self.sources.evidence.get(sid)
            if ev is None or ev.segment.participant_id in seen or not self.quotable(sid):
                continue
            quote = self.take(sid, section, component)
            if quote:
                seen.add(ev.segment.participant_id)
                out.append(quote)
            if len(out) == n:
                break
        return out

    def cite(self, segment_id: int, component: str = "", indicator: str = "") -> str | None:
        """The citation of ``segment_id`` (its canonical ref), recorded for the appendix; None when the
        segment no longer counts (withdrawn, inactive): the citation is then dropped from the text."""
        first = self._canonical.get(segment_id)
        if first is None:
            return None
        known = self._cited.get(first, ("", ""))
        self._cited[first] = (known[0] or component, known[1] or indicator)
        return ref_of(first)

    def cite_in_text(self, text: str, component: str, indicators: dict[str, str]) -> str:
        """``text`` with each "[E-n]" rewritten to its canonical citation (or dropped when it no longer
        counts); ``indicators`` gives the indicator each ref was cited for."""

        def repl(m: re.Match[str]) -> str:
            sid = segment_of(m.group(1))
            ref = self.cite(sid, component, indicators.get(m.group(1), "")) if sid is not None else None
            return f"[{ref}]" if ref else ""

        return _RUN.sub(_each_once, _CITED.sub(repl, text))

    def _appendix_text(self, first: int) -> str:
        if not self._consented(first):
            return NOT_QUOTED
        text = self._consented_text(first)
        if normalised(text) in self._printed_texts:
            return "the same words as a quote printed earlier"
        self._printed_texts.add(normalised(text))
        return text

    def appendix(self, section_names: dict[str, str]) -> list[EvidenceEntry]:
        """One row per citation in the document, in citation order (``section_names``: component id ->
        name, for "quoted in ...")."""
        out = []
        for first in sorted(self._cited):
            component, indicator = self._cited[first]
            if first in self._printed:
                text = f"quoted in {self._printed[first]}"
            else:
                text = self._appendix_text(first)
            dept, role = self.attribution(first)
            out.append(
                EvidenceEntry(
                    ref_of(first),
                    section_names.get(component, component),
                    indicator,
                    text,
                    dept,
                    role,
                    len(self._people[first]),
                )
            )
        return out

    def attribution(self, first: int) -> tuple[str, str]:
        """(departments, role levels) of everyone who said the quote ``first``: their disclosure units
        (``suppression.attributor``), each once, "; " apart; ("", "") when one of those units holds
        fewer than k people (the leftover pool of a small engagement), so no one is narrowed below k."""
        units = sorted(self._units[first])
        if any(self._unit_size[u] < self.sources.k for u in units):
            return "", ""
        return "; ".join(dict.fromkeys(d for d, _ in units)), "; ".join(dict.fromkeys(r for _, r in units))
