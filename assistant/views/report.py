"""Page data of the report page: the report as it would be exported now (the same model every export
serialises), the advice meant for the consultant only (never exported), and the export panel."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from assistant.models import Engagement
from assistant.report.build import build_report
from assistant.report.model import Report
from assistant.report.relevance import Encoder
from assistant.rubric import Rubric
from assistant.views.roadmap import ExportPanel, export_context


@dataclass(frozen=True, kw_only=True)
class ReportView(ExportPanel):
    """The report page: the report as it would be exported now, the consultant's advice (shown above the
    export form, never in a file), and the export panel."""

    report: Report


def report_page(
    session: Session,
    engagement: Engagement,
    rubric: Rubric,
    *,
    embedder: Encoder | None,
    message: str | None = None,
    problems: list[str] | None = None,
) -> ReportView:
    """The report as it would be exported now (``embedder`` checks readiness quotes), and the export panel."""
    panel = export_context(session, engagement)
    return ReportView(
        **panel.context() | {"message": message, "problems": problems or []},
        report=build_report(session, engagement, rubric, embedder=embedder),
    )
