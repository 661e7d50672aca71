"""The report's prose, written from its data: the executive summary and the method section.

Plain sentences a city council can read; every number comes from the report model, nothing is
guessed (a component without a decided level is named as awaiting review).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the model imports this module to fill its text
    from assistant.report.document import Report


def summary(report: Report, dates: list[datetime]) -> list[str]:
    """The executive summary's paragraphs: who took part, decided levels (and what awaits review),
    the strongest component and largest planned step, readiness, and the roadmap by phase."""
    decided = [c for c in report.components if c.decided]
    awaiting = [c for c in report.components if not c.decided]
    depts = sum(1 for g in report.participation.by_department if g.took_part)
    out = []
    when = ""
    if dates:
        first, last = min(dates), max(dates)
        when = (
            f" between {first:%B %Y} and {last:%B %Y}"
            if (first.year, first.month) != (last.year, last.month)
            else f" in {first:%B %Y}"
        )
    out.append(
        f"{report.organisation} assessed how it collects, shares and uses data across the six components of "
        f"the DM3 maturity model. {report.participation.people} staff from {depts} "
        f"{'department' if depts == 1 else 'departments'} contributed evidence{when}."
    )
    if not decided:
        out.append(
            "No component has a decided level yet, so this report shows no levels and no roadmap; "
            "every rating proposal awaits a consultant's review."
        )
        return out
    levels = "; ".join(f"{c.name} {c.decided} ({c.level_name})" for c in decided)
    out.append(
        f"Consultants decided a level for {len(decided)} of {len(report.components)} components: {levels}."
        + (f" Awaiting review: {', '.join(c.name for c in awaiting)}." if awaiting else "")
    )
    strongest = max(decided, key=lambda c: c.decided or 0)
    gaps = sorted(decided, key=lambda c: -((c.target or 0) - (c.decided or 0)))
    text = f"The most mature component is {strongest.name} (level {strongest.decided})."
    if gaps and (gaps[0].target or 0) > (gaps[0].decided or 0):
        text += f" The largest step planned is in {gaps[0].name}, from level {gaps[0].decided} to {gaps[0].target}."
    out.append(text)
    if report.readiness:
        parts = [
            f"{r.name.lower()} {r.value}" + ("" if r.confirmed else " (from the evidence, not yet confirmed)")
            for r in report.readiness
        ]
        out.append("Readiness: " + "; ".join(parts) + ".")
    counts = [(p.label, len(p.rows)) for p in report.phases]
    total = sum(n for _, n in counts)
    if total:
        inside = ", ".join(f"{n} in {label}" for label, n in counts[:-1])
        beyond = counts[-1][1]
        out.append(
            f"The roadmap plans {total} activities over {report.horizon} months: {inside}"
            + (f"; {beyond} do not fit inside the horizon." if beyond else ".")
        )
    return out


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
        "Answers were split into evidence segments (cited as E-numbers) and grouped into themes for each component. "
        f"A rubric-constrained engine ({', '.join(engines)}) proposed a level for each component from the rubric's "
        "indicators, citing evidence; a consultant accepted, changed or rejected every proposal. Only levels a "
        f"consultant decided appear in this report (rubric version {report.rubric_version})."
    )
    privacy = (
        f"Participation is counted in people. Groups of fewer than {k} people are shown as "
        f'"fewer than {k}" (and one more group is hidden when a single small one could be worked out from the '
        "total). Quotes appear only from staff who agreed to be quoted, with names of colleagues replaced by "
        '"[colleague]".'
    )
    return [gathered, rated, privacy]
