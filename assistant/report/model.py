"""The engagement report as data: plain dataclasses, no queries and no rendering.

``report/build.py`` fills a ``Report`` once per export from stored rows; every format (the web
report page, HTML, PDF, DOCX, and the JSON and CSV data exports) serialises that one object, so no
format queries the database again and none can disagree with another.

What a client document may show is decided when the model is built (consent, names, small groups,
one citation per distinct quote); what only the consultant may see (advice about targets and the
horizon) is kept apart in ``Report.advice`` and never rendered by a document template.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any

from assistant import charts
from assistant.report.dataflow_section import DataflowSection

Cell = int | str
NOT_QUOTED = "not quoted: no consent"
NOT_SHOWN = "not shown"  # the suppression rule's words for a figure hidden only to protect another


@dataclass
class Figure:
    """A chart, its caption and text alternative; drawn as inline SVG (HTML, PDF) or PNG (DOCX) on
    first use, so each format pays only for the form it needs."""

    caption: str
    alt: str
    figure: charts.Figure
    prefix: str

    @cached_property
    def svg(self) -> str:
        return charts.to_svg(self.figure, self.caption, self.alt, self.prefix)

    @cached_property
    def png(self) -> bytes:
        return charts.to_png(self.figure)


@dataclass
class Quote:
    """A consented quote as printed: its citation (``ref``, "E-12", resolved in the evidence appendix),
    its de-identified text and how many people said the same words."""

    ref: str
    text: str
    people: int = 1


@dataclass
class EvidenceEntry:
    """One row of the evidence appendix: what a citation in the document points to."""

    ref: str
    component: str
    indicator: str
    text: str  # the quote, or NOT_QUOTED
    department: str  # named only for groups of at least k (``suppression.attributor``)
    role_level: str
    people: int = 1


@dataclass
class ThemeSection:
    label: str
    summary: str
    people: int
    quotes: list[Quote] = field(default_factory=list)


@dataclass
class ComponentSection:
    id: str
    name: str
    description: str
    decided: int | None
    level_name: str
    target: int | None
    action: str  # accept | change | reject | "" (awaiting review)
    rationale: str
    themes: list[ThemeSection] = field(default_factory=list)

    @property
    def awaiting_review(self) -> bool:
        return self.decided is None


@dataclass
class GroupRow:
    group: str
    roster: int | None
    took_part: Cell


@dataclass
class Participation:
    """Who contributed evidence: how many people, and per department and per role level against the
    roster (groups under the engagement's threshold k hidden)."""

    people: Cell
    by_department: list[GroupRow]
    by_role: list[GroupRow]

    @property
    def footnote(self) -> str:
        """Why a cell reads "not shown" (hidden only so that a smaller group's figure cannot be worked
        out from the others), when one does; "" otherwise."""
        cells = [g.took_part for g in self.by_department + self.by_role]
        if NOT_SHOWN not in cells:
            return ""
        return (
            f"“{NOT_SHOWN}”: a group of at least the threshold, hidden only so that a smaller group's figure "
            "cannot be worked out from the others and the total."
        )


@dataclass
class ReadinessRow:
    name: str
    value: str
    confirmed: bool
    derived: str
    basis: str
    note: str
    quotes: list[Quote] = field(default_factory=list)


@dataclass
class RoadmapRow:
    key: str
    title: str
    description: str
    component: str
    step: str
    owner: str
    depends_on: list[str]
    why: str


@dataclass
class PhaseSection:
    label: str
    rows: list[RoadmapRow] = field(default_factory=list)


@dataclass
class Finding:
    """A key finding of the executive summary: one sentence, the strongest consented quote behind it,
    and how many people (and, when the departments pass the threshold, departments) said it."""

    component: str
    sentence: str
    people: int
    departments: int | None  # None when the count could single out a small group
    quote: Quote | None


@dataclass
class Summary:
    """The executive summary a council member reads in two minutes."""

    overview: list[str]  # paragraphs: who took part and when, what is decided
    findings: list[Finding]
    profile: list[str]  # one line per component: "Data Life Cycle: level 2 (Developing), target 3"
    priorities_heading: str  # "Priorities for the first 6 months" (the first phase of the horizon)
    priorities: list[str]  # the first phase's activities
    readiness: str


@dataclass
class TitlePage:
    organisation: str
    engagement: str
    date: datetime
    prepared_by: str
    page_size: str  # "Letter" or "A4"


@dataclass
class Report:
    title: TitlePage
    generated_at: datetime
    rubric_version: str
    horizon: int
    k: int
    summary: Summary
    method: list[str]
    participation: Participation
    components: list[ComponentSection]
    readiness: list[ReadinessRow]
    phases: list[PhaseSection]  # within the horizon
    beyond: list[RoadmapRow]  # activities that cannot fit the horizon
    beyond_reason: str  # why, in words a client reads
    removed: list[tuple[str, str]]  # (title, reason)
    roadmap_notes: list[str]  # for the client
    advice: list[str]  # for the consultant only: shown in the app, never exported
    evidence: list[EvidenceEntry]
    profile: Figure
    timeline: Figure
    dataflow: DataflowSection | None = None  # report/dataflow_section.py; None when no one described a flow
    summary_note: str = ""  # for the consultant only: whether an LLM reworded the summary, or why it was refused
    data: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # the data exports' tables

    @property
    def organisation(self) -> str:
        return self.title.organisation

    @property
    def refs(self) -> set[str]:
        """Every citation the evidence appendix resolves."""
        return {e.ref for e in self.evidence}
