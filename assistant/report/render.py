"""The report model as HTML (Jinja) and PDF (WeasyPrint, from the same HTML): a title page, contents
with page numbers, running headers and page-numbered footers, the engagement's page size, and a tagged
PDF (PDF/UA) so screen readers can follow it. The DOCX is ``report/word.py``."""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from assistant.report.model import Report

# the report templates live with the web templates (the report page includes the same body), but
# rendering a document needs no web app: its own environment, autoescaped like the app's
TEMPLATES = Environment(
    loader=FileSystemLoader(str(Path(__file__).resolve().parents[2] / "web" / "templates")),
    autoescape=select_autoescape(["html"]),
)


def to_html(report: Report) -> str:
    """The report as one self-contained HTML page (inline CSS and SVG charts, nothing fetched)."""
    return TEMPLATES.get_template("report/document.html").render(report=report)


def to_pdf(report: Report) -> bytes:
    """The report as a tagged PDF (PDF/UA-1), laid out by WeasyPrint from ``to_html``."""
    from weasyprint import HTML  # loaded on first use: it pulls in Pango, which the web pages never need

    return HTML(string=to_html(report)).write_pdf(pdf_variant="pdf/ua-1", pdf_tags=True)
