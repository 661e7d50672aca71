"""The executive summary reworded by an LLM, and checked against the offline summary's data.

The offline summary (``report/narrative.py``) is the truth: it is written from the rows and reads well
alone. With an LLM configured for the engagement (the engine seam's ``summary_writer``), its prose (the
overview paragraphs, one sentence per key finding, the readiness paragraph) may be reworded, prompt
``prompts/summary_reword.j2`` (staff-derived text in data tags). The reworded text is used only when
every check holds (``problems``):

- numbers: the numbers each paragraph and finding states (digits, and number words from two to twenty)
  are, as a multiset, those of its offline counterpart: none added, dropped, changed or moved to another
  finding (numbers inside a checked quote aside);
- levels: each finding names the level of its component ("level N", and only that level's name),
  and the text names no maturity level the offline text does not;
- quotes: every quoted passage is copied verbatim from a consented quote of the summary or from a
  passage the offline text quotes (a theme's words);
- no new names: no department or role level of the engagement and no capitalised word inside a
  sentence that the offline text (or its quotes) does not use;
- the same shape: as many overview paragraphs and findings as the offline summary.

A reply that fails is sent back once with the errors (``RETRIES``); a second failure, or an LLM that
does not answer, keeps the offline text, and ``Rewording.note`` says why for the consultant (the
report page; never a client document).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, replace

from pydantic import BaseModel

from assistant.llm.client import LLMClient, LLMFailed
from assistant.report.model import Summary

RETRIES = 1  # the rule: one retry with the errors, then refuse
PROMPT = "summary_reword"
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_WORDS = ["two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve"]
_WORDS += ["thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty"]
_NUMBER_WORD = re.compile(r"\b(" + "|".join(_WORDS) + r")\b", re.IGNORECASE)
_LEVEL = re.compile(r"\blevel\s+(\d+)", re.IGNORECASE)
_QUOTED = re.compile(r"“([^”]+)”|\"([^\"]+)\"|‘([^’]+)’(?!\w)")
_SENTENCE = re.compile(r"(?<=[.!?:;])\s+")
_CAPITALISED = re.compile(r"\b[A-Z][A-Za-z'’-]*")


class SummaryWording(BaseModel):
    """What the LLM returns: the summary's prose, reworded, in the offline summary's shape."""

    overview: list[str]
    findings: list[str]
    readiness: str


@dataclass(frozen=True)
class Facts:
    """What the offline summary states, which a rewording must state the same."""

    offline: SummaryWording
    quotes: tuple[str, ...]  # passages that may be quoted: consented quotes, the theme words quoted
    level_names: dict[int, str]  # the rubric's level names
    groups: tuple[str, ...]  # the engagement's departments and role levels


@dataclass(frozen=True)
class Rewording:
    """The outcome: the summary to print and, for the consultant, what happened to the rewording."""

    summary: Summary
    note: str
    accepted: bool


def _squash(text: str) -> str:
    return " ".join(text.replace("’", "'").split()).lower()


def _prose(w: SummaryWording) -> str:
    return "\n".join([*w.overview, *w.findings, w.readiness])


def facts_of(summary: Summary, *, level_names: dict[int, str], groups: list[str]) -> Facts:
    """The facts of the offline ``summary`` (``level_names``: the rubric's; ``groups``: the engagement's
    departments and role levels)."""
    offline = SummaryWording(
        overview=list(summary.overview), findings=[f.sentence for f in summary.findings], readiness=summary.readiness
    )
    said = [q for m in _QUOTED.finditer(_prose(offline)) for q in m.groups() if q]
    quotes = [f.quote.text for f in summary.findings if f.quote] + said
    return Facts(offline, tuple(quotes), dict(level_names), tuple(g for g in groups if g))


def _numbers(text: str) -> Counter:
    found = Counter(n.replace(",", "") for n in _NUMBER.findall(text))
    found.update(str(_WORDS.index(w.lower()) + 2) for w in _NUMBER_WORD.findall(text))
    return found


def _unquoted(text: str, facts: Facts) -> tuple[str, list[str]]:
    """``text`` with its quoted passages cut out, and an error for each passage not copied verbatim."""
    errors = []
    allowed = [_squash(q) for q in facts.quotes]
    for m in _QUOTED.finditer(text):
        passage = next(g for g in m.groups() if g)
        if not any(_squash(passage) in a for a in allowed):
            errors.append(f"the quote “{passage}” is not copied exactly from a quote given; quote only given words")
    return _QUOTED.sub(" ", text), errors


def _level_errors(findings: list[str], offline: list[str], facts: Facts) -> list[str]:
    errors = []
    for n, (new, old) in enumerate(zip(findings, offline, strict=True), start=1):
        want = {int(x) for x in _LEVEL.findall(old)}
        got = {int(x) for x in _LEVEL.findall(new)}
        if got != want:
            errors.append(
                f"finding {n} must name level {', '.join(map(str, sorted(want)))} as given, not {sorted(got)}"
            )
        for level, name in facts.level_names.items():
            if level not in want and re.search(rf"\b{re.escape(name)}\b", new):
                errors.append(f"finding {n} names the level “{name}”; its level is {sorted(want)}")
    return errors


def _new_names(text: str, offline: str, facts: Facts) -> list[str]:
    known = set(_CAPITALISED.findall(offline)) | {w for q in facts.quotes for w in _CAPITALISED.findall(q)}
    errors = []
    for group in facts.groups:
        pattern = rf"\b{re.escape(group)}\b"
        if re.search(pattern, text, re.IGNORECASE) and not re.search(pattern, offline, re.IGNORECASE):
            errors.append(f"“{group}” is not named in the summary given; add no department or group")
    for sentence in _SENTENCE.split(text):
        for word in _CAPITALISED.findall(sentence)[1:]:
            if word not in known and word.rstrip("'’s") not in known:
                errors.append(f"“{word}” is not in the summary given; add no name")
    return list(dict.fromkeys(errors))


def _units(w: SummaryWording) -> list[tuple[str, str]]:
    return [(f"overview paragraph {n}", t) for n, t in enumerate(w.overview, start=1)] + [
        *((f"finding {n}", t) for n, t in enumerate(w.findings, start=1)),
        ("the readiness paragraph", w.readiness),
    ]


def _number_errors(wording: SummaryWording, facts: Facts) -> list[str]:
    """Each paragraph and finding states exactly the numbers its offline counterpart states (so two
    figures cannot trade places between findings)."""
    errors = []
    for (where, new), (_, old) in zip(_units(wording), _units(facts.offline), strict=True):
        want, got = _numbers(_unquoted(old, facts)[0]), _numbers(_unquoted(new, facts)[0])
        if got != want:
            missing = sorted((want - got).elements())
            added = sorted((got - want).elements())
            errors.append(
                f"{where}: the numbers must be exactly those given, in digits"
                + (f"; missing: {', '.join(missing)}" if missing else "")
                + (f"; not given: {', '.join(added)}" if added else "")
            )
    return errors


def problems(wording: SummaryWording, facts: Facts) -> list[str]:
    """Every way ``wording`` departs from the offline summary's data (empty: it may be printed)."""
    offline = facts.offline
    if len(wording.overview) != len(offline.overview) or len(wording.findings) != len(offline.findings):
        return [
            f"give {len(offline.overview)} overview paragraph(s) and {len(offline.findings)} finding(s), "
            f"one for each given, in order (got {len(wording.overview)} and {len(wording.findings)})"
        ]
    if bool(wording.readiness.strip()) != bool(offline.readiness.strip()):
        return ["reword the readiness paragraph (empty only when the given one is empty)"]
    text, errors = _unquoted(_prose(wording), facts)
    before, _ = _unquoted(_prose(offline), facts)
    errors += _number_errors(wording, facts)
    errors += _level_errors(wording.findings, offline.findings, facts)
    errors += _new_names(text, before, facts)
    return errors


class SummaryWriter:
    """Rewords an offline summary through the LLM port (validated, logged, cached), or keeps it."""

    def __init__(self, llm: LLMClient, engagement_id: int | None) -> None:
        self.llm = llm
        self.engagement_id = engagement_id

    def reword(self, summary: Summary, facts: Facts, organisation: str) -> Rewording:
        """``summary`` with its prose reworded when the LLM's text passes every check (``problems``)
        within one retry; else ``summary`` unchanged and the reason."""
        variables = {
            "organisation": organisation,
            "overview": list(summary.overview),
            "findings": [{"sentence": f.sentence, "quote": f.quote.text if f.quote else ""} for f in summary.findings],
            "readiness": summary.readiness,
        }
        try:
            wording = self.llm.structured(
                "summary",
                PROMPT,
                variables,
                SummaryWording,
                validate=lambda w: problems(w, facts),
                engagement_id=self.engagement_id,
                max_tokens=900,
                retries=RETRIES,
            )
        except LLMFailed as failed:
            return Rewording(
                summary, f"The LLM's rewording was refused; the offline text is kept ({failed.reason}).", False
            )
        findings = [replace(f, sentence=s) for f, s in zip(summary.findings, wording.findings, strict=True)]
        reworded = replace(summary, overview=wording.overview, findings=findings, readiness=wording.readiness)
        return Rewording(reworded, f"Reworded by {self.llm.model}; every number, level and quote checked.", True)
