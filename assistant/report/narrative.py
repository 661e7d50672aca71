"""The report's prose, written offline from its data: the executive summary (key findings, profile,
first priorities, readiness), the method section, the roadmap's notes to the client and the advice
kept for the consultant.

Plain sentences a city council can read; every number comes from the rows the report was built
from, nothing is guessed (a component without a decided level is named as awaiting review). A
department count is given only from departments the engagement's ``suppression.attributor`` names
(groups of at least k).
"""

from __future__ import annotations

import re
from datetime import datetime

from assistant.report.model import ComponentSection, Finding, Report, Summary
from assistant.report.quotes import QuoteBook
from assistant.report.sources import Sources
from assistant.roadmap.targets import phases_for
from assistant.suppression import OTHER_DEPARTMENTS

MAX_FINDINGS = 5
MIN_FINDINGS = 3
_PART = re.compile(r"(?<=[.;])\s+")


def _words(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.lower()))


def say_once(text: str) -> str:
    """``text`` with each thing said once: a repeated sentence or clause is dropped, and so is a
    comma-separated part of a clause that an earlier part already said ("5 of 5 indicators have
    evidence, from 35 people; 5 of 5 indicators, 35 people, 5 departments" keeps "5 departments")."""
    said = ""
    kept = []
    for part in _PART.split(text or ""):
        pieces = [p for p in part.split(", ") if not _words(p) or f" {_words(p)} " not in f" {said} "]
        if not pieces:
            continue
        kept.append(", ".join(pieces) if len(pieces) > 1 or pieces[0] == part else _capital(", ".join(pieces)))
        said += " " + _words(part)
    return " ".join(kept).strip()


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _people(n: int) -> str:
    return f"{n} {'person' if n == 1 else 'people'}"


def departments_of(src: Sources, people: set[int]) -> tuple[int, bool]:
    """(departments that may be named among ``people``, whether some came from smaller groups)."""
    by_person = {e.segment.participant_id: (e.department, e.role_level) for e in src.evidence.values()}
    labels = {src.attribute(*by_person[p])[0] for p in people if p in by_person}
    return len(labels - {OTHER_DEPARTMENTS}), OTHER_DEPARTMENTS in labels


def _finding_sentence(comp: str, level: int, level_name: str, label: str, people: int, depts: tuple[int, bool]) -> str:
    named, pooled = depts
    where = ""
    if named:
        where = f" from {named} {'department' if named == 1 else 'departments'}" + (
            " and smaller groups" if pooled else ""
        )
    return f"{comp} (level {level}, {level_name}): {_people(people)}{where} spoke of ‘{label}’."


def key_findings(src: Sources, book: QuoteBook, themes: dict[str, list], decided: dict[str, int]) -> list[Finding]:
    """3-5 findings: the largest theme of each decided component, then second themes while fewer than
    three; each with its strongest consented quote (taken first, so no later section prints it again)."""
    ranked = []
    for comp_id, level in decided.items():
        for rank, (theme, people, order) in enumerate(themes.get(comp_id, [])):
            ranked.append((rank, -len(people), comp_id, level, theme, people, order))
    ranked.sort(key=lambda r: r[:3])
    chosen = [r for r in ranked if r[0] == 0][:MAX_FINDINGS]
    chosen += [r for r in ranked if r[0] > 0][: max(0, MIN_FINDINGS - len(chosen))]
    out = []
    for _, _, comp_id, level, theme, people, order in chosen:
        comp = src.rubric.component(comp_id)
        label = src.names.scrub(theme.label)
        depts = departments_of(src, people)
        quotes = book.pick(order, "the executive summary", n=1, component=comp_id)
        out.append(
            Finding(
                comp.name,
                _finding_sentence(comp.name, level, src.rubric.level_name(level), label, len(people), depts),
                len(people),
                depts[0] or None,
                quotes[0] if quotes else None,
            )
        )
    return out


def empty_summary() -> Summary:
    return Summary([], [], [], "", [], "")


def _when(dates: list[datetime]) -> str:
    if not dates:
        return ""
    first, last = min(dates), max(dates)
    if (first.year, first.month) != (last.year, last.month):
        return f" between {first:%B %Y} and {last:%B %Y}"
    return f" in {first:%B %Y}"


def _overview(report: Report, src: Sources) -> list[str]:
    decided = [c for c in report.components if c.decided]
    depts = sum(1 for g in report.participation.by_department if g.took_part)
    who = (
        f"{report.organisation} assessed how it collects, shares and uses data across the six components of "
        f"the DM3 maturity model. {report.participation.people} staff from {depts} "
        f"{'department' if depts == 1 else 'departments'} contributed evidence{_when(src.dates)}."
    )
    if not decided:
        return [
            who,
            "No component has a decided level yet, so this report shows no levels and no roadmap; "
            "every rating proposal awaits a consultant's review.",
        ]
    awaiting = [c.name for c in report.components if not c.decided]
    text = f"Consultants decided a level for {len(decided)} of {len(report.components)} components"
    return [who, text + (f"; awaiting review: {', '.join(awaiting)}." if awaiting else ".")]


def _profile(components: list[ComponentSection]) -> list[str]:
    return [
        f"{c.name}: level {c.decided} ({c.level_name})" + (f", target {c.target}" if c.target else "")
        if c.decided
        else f"{c.name}: awaiting review"
        for c in components
    ]


def _priorities(report: Report) -> list[str]:
    first = report.phases[0].rows if report.phases else []
    return [f"{r.title} ({r.component}" + (f"; owner: {r.owner})" if r.owner else ")") for r in first]


def _readiness(report: Report, src: Sources) -> str:
    if not report.readiness:
        return ""
    parts = [
        f"{r.name.lower()} {r.value}" + ("" if r.confirmed else " (from the evidence, not yet confirmed)")
        for r in report.readiness
    ]
    overall = (
        f"Overall readiness to carry out the roadmap is {src.overall_readiness}: "
        if src.overall_readiness
        else ("Readiness: ")
    )
    return overall + "; ".join(parts) + "."


def summary(report: Report, src: Sources, findings: list[Finding]) -> Summary:
    """The executive summary of ``report`` (its findings chosen by ``key_findings``)."""
    return Summary(
        _overview(report, src),
        findings,
        _profile(report.components),
        f"Priorities for the first {phases_for(report.horizon)[0].end} months",
        _priorities(report),
        _readiness(report, src),
    )


def method(report: Report, proposals: dict, *, k: int) -> list[str]:
    """The method section's paragraphs: how evidence was gathered, rated and reviewed, and the
    privacy rules the report follows (``k``: the engagement's small-group threshold)."""
    engines = sorted({p.engine for p in proposals.values()}) or ["none yet"]
    gathered = (
        "Staff were invited by personal link to a guided, self-paced interview of about 20 to 30 minutes with "
        "questions on the six components, fitted to their role level. Everyone agreed to take part before starting "
        "and could skip questions, edit answers, or withdraw at any time; answers of people who withdrew are left out."
    )
    rated = (
        "Answers were split into evidence segments (cited as E-numbers, each listed in the evidence appendix at the "
        "end of this report) and grouped into themes for each component. "
        f"A rubric-constrained engine ({', '.join(engines)}) proposed a level for each component from the rubric's "
        "indicators, citing evidence; a consultant accepted, changed or rejected every proposal. Only levels a "
        f"consultant decided appear in this report (rubric version {report.rubric_version})."
    )
    privacy = (
        f"Participation is counted in people. Groups of fewer than {k} people are shown as "
        f'"fewer than {k}" (and one more group is hidden when a single small one could be worked out from the '
        "total). Quotes appear only from staff who agreed to be quoted, with names of colleagues replaced by "
        '"[colleague]"; words several people said are quoted once, with the number who said them.'
    )
    return [gathered, rated, privacy]


def roadmap_notes(src: Sources, components: list[ComponentSection]) -> list[str]:
    """What the client reads above the roadmap: whether there is one, and what awaits review."""
    planned = [i for i in src.items if i.status == "planned"]
    if not src.items:
        return ["No roadmap has been generated yet." if not src.roadmap_generated else "The roadmap has no activities."]
    awaiting = [c.name for c in components if not c.decided]
    notes = [] if planned else ["The roadmap has no activities."]
    if awaiting:
        notes.append(f"No activities are planned yet for the components awaiting review: {', '.join(awaiting)}.")
    return notes


def beyond_reason(src: Sources, n: int) -> str:
    """Why activities are listed beyond the horizon, in words a client reads ("" when none are)."""
    if not n:
        return ""
    pace = f" at the current level of readiness ({src.overall_readiness})" if src.overall_readiness else ""
    return (
        f"{'This activity follows' if n == 1 else f'These {n} activities follow'} from the agreed targets but "
        f"cannot start within the {src.horizon}-month horizon{pace}: each waits for work planned before it. "
        f"{'It is' if n == 1 else 'They are'} listed so that the next planning round can schedule "
        f"{'it' if n == 1 else 'them'}."
    )


def advice(src: Sources, beyond: int) -> list[str]:
    """Advice for the consultant (the app's report and roadmap pages only, never an export)."""
    notes = [n for n in src.roadmap_notes if "horizon" not in n]
    if beyond:
        notes.append(
            f"{beyond} {'activity falls' if beyond == 1 else 'activities fall'} beyond the {src.horizon}-month "
            "horizon. The exported report lists them under “Beyond the horizon” with the reason in plain words; "
            "before you export, consider lower targets, a longer horizon, or more capacity."
        )
    return notes


def why_text(why: dict, titles: dict[str, str]) -> str:
    """Why a roadmap activity is there, each reason once."""
    parts = []
    gap = why.get("gap")
    if why.get("custom"):
        parts.append("Added by the consultant")
    if gap and gap.get("target"):
        parts.append(f"Gap: decided {gap['decided']}, target {gap['target']}")
    if why.get("prerequisite_for"):
        parts.append("Needed first by: " + "; ".join(titles.get(k, k) for k in why["prerequisite_for"]))
    themes = [t["label"] for t in why.get("themes", []) if t.get("matched")]
    if themes:
        parts.append("Themes: " + "; ".join(themes))
    parts.extend(why.get("readiness", []))
    if why.get("note"):
        parts.append(why["note"])
    if why.get("placement"):
        parts.append("Placed: " + why["placement"])
    text = ". ".join(p[0].upper() + p[1:] for p in parts if p) + ("." if parts else "")
    return say_once(text)
