"""The progress report: what happened between two assessments of one organisation (HTML, DOCX, PDF).

For the period from the earlier assessment (``Engagement.previous_id``) to this one, or, for a
first assessment, from its roadmap's start to today: what was planned (the roadmap by phase), what
was done (with dates) and dropped (with reasons), what is late, the decided levels then and now
(compared only under one rubric version), what staff say now (themes matched to the earlier ones,
people counted under the engagement's k, quotes only from people who agreed to be quoted, through
the engagement's scrubber: the same rule as the engagement report), and what comes next.

Readable by the organisation's city contact: nothing in it goes beyond what the report itself shows.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlmodel import Session

from assistant.followup.compare import Comparison, LevelRow, compare, level_rows, same_rubric
from assistant.followup.progress import STATUS_NAMES, Tracked, tracked_items
from assistant.followup.questions import ShownQuestion, shown
from assistant.models import Engagement, Theme, utcnow
from assistant.records.engagements import min_cell_of, scrubber_for
from assistant.records.phases import horizon_of, phases_for
from assistant.report.deidentify import quotable
from assistant.rubric import Rubric
from assistant.suppression import count_or_none


@dataclass(frozen=True)
class StaffNow:
    component: str
    label: str
    change: str
    people: int | None  # None: fewer than k
    quote: str  # "" unless its author agreed to be quoted


@dataclass(frozen=True, kw_only=True)
class ProgressReport:
    engagement: Engagement
    previous: Engagement | None
    since: date | None
    until: date
    planned: dict[str, list[Tracked]]  # phase label -> items
    done: list[Tracked]
    dropped: list[Tracked]
    late: list[Tracked]
    upcoming: list[Tracked]  # open, by due date
    levels: list[LevelRow]
    comparable: bool
    staff_now: list[StaffNow]
    component_names: dict[str, str]
    k: int
    questions: list[ShownQuestion] = field(default_factory=list)  # answers to identical questions, suppressed
    status_names: dict[str, str] = field(default_factory=lambda: dict(STATUS_NAMES))


def _staff_now(session: Session, engagement: Engagement, comparison: Comparison) -> list[StaffNow]:
    """Themes of ``engagement`` as matched to the earlier assessment's: the change, people (k) and a
    consented quote."""
    k, scrub = min_cell_of(engagement), scrubber_for(session, engagement).scrub
    out = []
    for component, changes in comparison.changes.items():
        for change in changes:
            if not change.b:
                continue  # gone: said before, no one says it now (shown in the comparison, not here)
            theme = session.get(Theme, change.b[0])
            allowed = quotable(session, engagement.id, (theme.quote_ids or []) if theme else [])
            quote = next((scrub(s.text) for s in allowed.values()), "")
            people = count_or_none(sum(comparison.themes[t].people for t in change.b if t in comparison.themes), k=k)
            out.append(StaffNow(component, scrub(comparison.labels.get(change.b[0], "")), change.change, people, quote))
    return out


def build_progress_report(
    session: Session, engagement: Engagement, rubric: Rubric, today: date | None = None
) -> ProgressReport:
    """The progress report of ``engagement`` (see the module)."""
    today = today or utcnow().date()
    previous = session.get(Engagement, engagement.previous_id) if engagement.previous_id else None
    items = tracked_items(session, engagement, today)
    labels = {p.index: p.label for p in phases_for(horizon_of(engagement))}
    planned: dict[str, list[Tracked]] = {}
    for t in items:
        planned.setdefault(labels.get(t.item.phase, ""), []).append(t)
    open_items = [t for t in items if t.status in ("not_started", "in_progress")]
    levels = (
        level_rows(session, previous, engagement, rubric)
        if previous
        else level_rows(session, engagement, engagement, rubric)
    )
    comparison = compare(session, previous, engagement, rubric) if previous else None
    k = comparison.k if comparison else min_cell_of(engagement)  # figures about both waves: both k
    names = {i.id: i.name for c in rubric.components for i in c.indicators}
    questions = [shown(q, k, names.get(q.indicator, q.indicator)) for q in comparison.questions] if comparison else []
    return ProgressReport(
        engagement=engagement,
        previous=previous,
        since=previous.created_at.date() if previous else min((t.item.created_at.date() for t in items), default=None),
        until=today,
        planned=planned,
        done=sorted((t for t in items if t.status == "done"), key=lambda t: (t.done_at is None, t.done_at or today)),
        dropped=[t for t in items if t.status == "dropped"],
        late=[t for t in items if t.late],
        upcoming=sorted(open_items, key=lambda t: (t.due_on is None, t.due_on or today)),
        levels=levels,
        comparable=previous is None or same_rubric(previous, engagement),
        staff_now=_staff_now(session, engagement, comparison) if comparison else [],
        component_names={c.id: c.name for c in rubric.components},
        k=k,
        questions=questions,
    )


def _docx_list(doc: Any, lines: list[str], empty: str) -> None:
    for line in lines or [empty]:
        doc.add_paragraph(line, style="List Bullet")


def progress_docx(report: ProgressReport) -> bytes:
    """The progress report as a Word document (the same sections as the page)."""
    from docx import Document

    doc = Document()
    doc.add_heading(f"Progress report: {report.engagement.organisation}", 0)
    since = f"From {report.since.isoformat()} " if report.since else ""
    doc.add_paragraph(f"{since}to {report.until.isoformat()}.")
    doc.add_heading("What was planned", 1)
    for phase, items in report.planned.items():
        doc.add_heading(phase, 2)
        _docx_list(
            doc,
            [f"{t.item.title}: {report.status_names[t.status]}{' (late)' if t.late else ''}" for t in items],
            "Nothing planned.",
        )
    doc.add_heading("What was done", 1)
    done = [f"{t.item.title} ({t.done_at.date().isoformat()})" if t.done_at else t.item.title for t in report.done]
    _docx_list(doc, done, "Nothing is marked done yet.")
    if report.dropped:
        doc.add_heading("Dropped", 2)
        _docx_list(doc, [f"{t.item.title}: {t.reason}" for t in report.dropped], "")
    doc.add_heading("Levels then and now", 1)
    if not report.comparable:
        doc.add_paragraph("The two assessments used different rubric versions: their levels are shown apart.")
    table = doc.add_table(rows=1, cols=3)
    for cell, text in zip(table.rows[0].cells, ("Component", "Then", "Now"), strict=True):
        cell.text = text
    for row in report.levels:
        cells = table.add_row().cells
        cells[0].text, cells[1].text, cells[2].text = row.name, str(row.a or "–"), str(row.b or "–")
    if report.staff_now:
        doc.add_heading("What staff say now", 1)
        for s in report.staff_now:
            people = s.people if s.people is not None else f"fewer than {report.k}"
            doc.add_paragraph(f"{s.label}: {s.change}, {people} people", style="List Bullet")
            if s.quote:
                doc.add_paragraph(f"“{s.quote}”", style="Quote")
    _docx_questions(doc, report)
    doc.add_heading("What comes next", 1)
    _docx_list(
        doc,
        [f"{t.item.title}: due {t.due_on.isoformat() if t.due_on else 'beyond the horizon'}" for t in report.upcoming],
        "Nothing open.",
    )
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _share(share: float | None, people: int | None, k: int) -> str:
    """ "75% of 20 people", "share not shown (20 people)" or "fewer than k people"."""
    if people is None:
        return f"fewer than {k} people"
    return f"{round(share * 100)}% of {people} people" if share is not None else f"share not shown ({people} people)"


def _docx_questions(doc: Any, report: ProgressReport) -> None:
    """The answers to the questions both assessments asked (only when there are any)."""
    if not report.questions:
        return
    doc.add_heading("Answers to the same questions", 1)
    doc.add_paragraph(
        "Per indicator, the share of people whose answer is evidence for it, then and now, with the effect "
        f"size (Cohen's h). Groups under {report.k} people, and changes of fewer than {report.k}, are not shown."
    )
    table = doc.add_table(rows=1, cols=5)
    for cell, text in zip(table.rows[0].cells, ("Question", "Indicator", "Then", "Now", "Effect size"), strict=True):
        cell.text = text
    for q in report.questions:
        cells = table.add_row().cells
        cells[0].text, cells[1].text = q.text, q.indicator_name
        cells[2].text = _share(q.then_share, q.then_people, report.k)
        cells[3].text = _share(q.now_share, q.now_people, report.k)
        cells[4].text = f"{q.h:+.2f} ({q.reading})" if q.h is not None else "not shown"


def progress_html(report: ProgressReport) -> str:
    """The progress report as one self-contained HTML document (the page's sections, inline CSS)."""
    from assistant.report.render import TEMPLATES

    return TEMPLATES.get_template("report/progress_document.html").render(report=report)


def progress_pdf(report: ProgressReport) -> bytes:
    """The progress report as PDF, laid out by WeasyPrint from ``progress_html``."""
    from weasyprint import HTML

    return HTML(string=progress_html(report)).write_pdf()
