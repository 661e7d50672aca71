"""Engagement pages' data: the list, the set-up and progress page, and a de-identified transcript."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from sqlmodel import Session, select

from assistant.equity.people import attribution
from assistant.interview.actions import load_turns
from assistant.models import Engagement, Interview, Membership, Participant, Turn, User
from assistant.records.duplicates import flagged_participants
from assistant.records.engagements import (
    NewInvite,
    engagement_counts,
    group_tables,
    min_cell_of,
    roster_names,
    roster_rows,
    scrubber_for,
    settings_of,
)
from assistant.records.teams import ROLE_NAMES, engagements_for
from assistant.rubric import Rubric
from assistant.security import csv_text
from assistant.suppression import UNIT, Cell
from assistant.views import Page
from assistant.views.lookup import answer_anchor, readable_transcript_rows

# interviews a consultant can open: only submitted ones (unsubmitted text is shown to nobody);
# declined and withdrawn ones are not evidence


@dataclass(frozen=True, kw_only=True)
class EngagementsView(Page):
    """The engagement list: (engagement, membership, where the viewer's work starts) newest first,
    participant counts, whether the viewer may create one, what a background seeding is doing to an
    engagement it still prepares, and the engagements whose report is ready."""

    engagements: list[tuple[Engagement, Membership, str]]
    counts: dict[int, int]
    role_names: dict[str, str]
    can_create: bool
    preparing: dict[int, str]
    reports: set[int]


def engagement_list(session: Session, user: User) -> EngagementsView:
    """The engagement list page: the engagements ``user`` is a member of (only those), newest first,
    with their role, where their work starts (set-up for consultants, the equity audit for
    reviewers) and the participant count; for consultants, a report link once a roadmap was
    generated, and what a background seeding is doing to an engagement it still prepares (the
    page then reloads its table every few seconds)."""
    rows = engagements_for(session, user)
    home = {"equity_reviewer": "/engagements/{id}/equity", "city_contact": "/engagements/{id}/progress-tracking"}
    settings = {e.id: settings_of(e) for e, _ in rows}
    # an engagement a background seeding is still building (the demo's completed one) says what it
    # is doing in its ``preparing`` setting; the list shows it, and its report link once it is done
    preparing = {e.id: settings[e.id].preparing for e, _ in rows if settings[e.id].preparing}
    return EngagementsView(
        engagements=[(e, m, home.get(m.role, "/engagements/{id}").format(id=e.id)) for e, m in rows],
        counts=engagement_counts(session),
        role_names=ROLE_NAMES,
        can_create=user.role == "consultant",
        preparing=preparing,
        reports={
            e.id
            for e, m in rows
            if m.role in ("lead", "consultant")
            and e.id not in preparing
            and (summary := settings[e.id].roadmap) is not None
            and summary.generated_at
        },
    )


def invite_links_csv(new_invites: Iterable[NewInvite], base_url: str) -> str:
    """The links just created, as CSV text for download (they are not stored in readable form).

    Every cell goes through ``security.csv_cell``: a department typed as ``=HYPERLINK(...)`` stays
    text when the file is opened in a spreadsheet."""
    header = ["department", "role_level", "email", "name", "link"]
    rows = []
    for inv in new_invites:
        p = inv.participant
        rows.append((p.department, p.role_level, p.email, p.name, f"{base_url}/i/{inv.token}"))
    return csv_text(header, rows)


PROGRESS_COLUMNS = ("roster", "invited", "started", "submitted", "withdrawn")


@dataclass(frozen=True)
class ProgressRow:
    """One named group of the progress table: its department, role level and a ``suppression.Cell``
    per column of ``PROGRESS_COLUMNS``."""

    department: str
    role_level: str
    cells: dict[str, Cell]


@dataclass(frozen=True)
class ProgressTable:
    """The progress table as shown: one row per group that may be named, the totals, and whether a
    "not shown" footnote is due. Cells are ``suppression.Cell``."""

    rows: list[ProgressRow]
    totals: dict[str, Cell]
    protects: bool
    anyone: bool = True  # someone has been invited (the table may still name no group)


def progress_table(session: Session, engagement: Engagement) -> ProgressTable:
    """Progress per group under the disclosure rule: the unit table of ``group_tables`` (the same
    computation as the equity audit's and the report's tables, so no cell hidden here is shown
    there), in the engagement's order of departments and role levels."""
    table = group_tables(session, engagement)[UNIT]
    order = {d: n for n, d in enumerate(engagement.departments)}
    roles = {r: n for n, r in enumerate(engagement.role_levels)}
    rows = []
    for label, cells in table.rows.items():
        department, role = label.split(" · ", 1)
        rows.append(ProgressRow(department, role, {c: cells[c] for c in PROGRESS_COLUMNS}))
    rows.sort(key=lambda r: (order.get(r.department, len(order)), r.department, roles.get(r.role_level, 99)))
    anyone = session.exec(
        select(Participant.id).where(Participant.engagement_id == engagement.id, Participant.source != "import")
    ).first()
    return ProgressTable(rows, {c: table.totals[c] for c in PROGRESS_COLUMNS}, table.protects, anyone is not None)


@dataclass(frozen=True, kw_only=True)
class EngagementView(Page):
    """The engagement page (and its progress partial): roster, progress with small groups hidden,
    submitted interviews (public label, pooled group), invites and the open link just made (shown
    once), the redaction names (as stored or as a refused post typed them), flagged duplicates."""

    engagement: Engagement
    progress: ProgressTable
    roster: dict[tuple[str, str], int]
    interviews: list[tuple[Interview, Participant, tuple[str, str]]]
    min_cell: int
    new_invites: list[NewInvite] = field(default_factory=list)
    invite_links_csv: Callable[[Iterable[NewInvite], str], str] = invite_links_csv
    roster_names: str
    flagged: list[Participant]
    new_open_link: str | None = None


def detail_context(
    session: Session,
    engagement: Engagement,
    *,
    message: str | None = None,
    problems: list[str] | None = None,
    new_invites: list[NewInvite] | None = None,
    new_open_link: str | None = None,
    typed_names: str | None = None,
) -> EngagementView:
    """The engagement page (see ``EngagementView``).

    Interviews are listed by their random public label (not invite order) with the department and
    role level pooled as the suppression rule says (``assistant.suppression.Attributor``): a
    consultant reads transcripts de-identified, and a small group's transcript cannot be singled out.
    """
    roster = {(r.department, r.role_level): r.count for r in roster_rows(session, engagement)}
    rows = session.exec(readable_transcript_rows(engagement.id)).all()
    attribute = attribution(session, engagement)
    k = min_cell_of(engagement)
    interviews = sorted(
        ((iv, p, attribute(p.department, p.role_level)) for iv, p in rows), key=lambda r: (r[1].public_label, r[1].id)
    )
    return EngagementView(
        engagement=engagement,
        progress=progress_table(session, engagement),
        roster=roster,
        interviews=interviews,
        min_cell=k,
        new_invites=new_invites or [],
        roster_names="\n".join(roster_names(engagement)) if typed_names is None else typed_names,
        flagged=flagged_participants(session, engagement.id),
        new_open_link=new_open_link,
        message=message,
        problems=problems or [],
    )


@dataclass(frozen=True, kw_only=True)
class TranscriptView(Page):
    """A de-identified transcript: the participant's public label and pooled group, the current text."""

    engagement: Engagement
    interview: Interview
    participant: Participant
    rubric: Rubric
    turns: list[Turn]
    texts: dict[int, str]  # each turn's text through the engagement's scrubber
    anchor: Callable[[Turn], str]  # a turn's place in the transcript, by question and probe (no row id)
    attribution: tuple[str, str]


def transcript_context(
    session: Session, engagement: Engagement, interview: Interview, participant: Participant, rubric: Rubric
) -> TranscriptView:
    """A de-identified transcript: the participant's public label and pooled department and role
    level, never name or email; only the current text (an answer replaced by an edit is kept for
    the audit of edits but shown to nobody)."""
    turns = load_turns(session, interview)
    superseded = {t.supersedes_id for t in turns if t.supersedes_id}
    shown = [t for t in turns if t.id not in superseded]
    # what staff wrote (and follow-ups that may echo it) through the engagement's scrubber
    texts = scrubber_for(session, engagement).scrub_all([t.text for t in shown])
    return TranscriptView(
        engagement=engagement,
        interview=interview,
        participant=participant,
        rubric=rubric,
        turns=shown,
        texts=dict(zip([t.id for t in shown], texts, strict=True)),
        anchor=lambda t: answer_anchor(t.question_id, t.probe_index),
        attribution=attribution(session, engagement)(participant.department, participant.role_level),
    )
