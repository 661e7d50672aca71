"""The demo's completed engagement, reported as a consultant would send it to a city council (issue 28):
the PDF and the DOCX read back, at the default k = 5 and at k = 7.

A report a consultant can send as is: no name of the engagement's people nor of the demo's answer bank,
no quote printed twice, every citation resolved in the evidence appendix, a title page, contents and
page numbers, a tagged PDF, nothing meant for the consultant only, and an executive summary whose
numbers are the data's."""

from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass
from functools import cached_property

import pytest
from docx import Document
from markupsafe import escape
from pypdf import PdfReader
from sqlmodel import Session

from assistant.demo.completed import seed_completed
from assistant.demo.vectors import DemoEmbedder, packaged_store
from assistant.models import Engagement, Participant
from assistant.records.engagements.names import people_names, roster_names
from assistant.records.evidence import counted_segments
from assistant.report.build import build_report
from assistant.report.export import export_bytes, serialise
from assistant.report.model import Report
from assistant.rubric import get_rubric
from assistant.web.app import create_app
from tests.factories import demo_database, logged_in_client, make_consultant, make_engagement, set_min_cell

pytestmark = [pytest.mark.db, pytest.mark.demo]  # the SQLite pass only (pyproject.toml)

ANSWER_BANK_NAMES = ("Dave", "Maria")  # colleagues the demo's staff name in their answers
CONSULTANT_ONLY = ("consider lower targets", "longer horizon", "more capacity", "For you, not the client")


@dataclass
class Exported:
    report: Report
    pdf: bytes
    docx: bytes
    html: str
    data: dict
    names: list[str]
    departments: dict[str, int]  # people with evidence per department

    @cached_property
    def texts(self) -> dict[str, str]:
        """The text of each document, read back once (reading a PDF's text takes seconds)."""
        return {"pdf": _pdf_text(self.pdf), "docx": _docx_text(self.docx), "html": self.html}


def _export(session: Session, engagement: Engagement, rubric, embedder) -> Exported:
    report = build_report(session, engagement, rubric, embedder=embedder)
    names = [*people_names(session, engagement), *roster_names(engagement)]
    people = session.exec(
        counted_segments(Participant.id, Participant.department, engagement_id=engagement.id).distinct()
    ).all()
    departments: dict[str, int] = {}
    for _, dept in people:
        departments[dept] = departments.get(dept, 0) + 1
    files = {fmt: serialise(report, fmt) for fmt in ("pdf", "docx", "html", "json")}
    session.rollback()
    html = files["html"].decode()
    return Exported(report, files["pdf"], files["docx"], html, json.loads(files["json"]), names, departments)


@pytest.fixture(scope="module")
def demo_reports(tmp_path_factory) -> dict[int, Exported]:
    """The completed demo engagement exported at k = 5 and k = 7 (built once: the packaged vectors)."""
    with demo_database(tmp_path_factory.mktemp("demo-report"), relatedness=False) as (settings, engine, _):
        embedder = DemoEmbedder(settings.embedding_model, store=packaged_store())
        engagement_id = seed_completed(engine, settings, embedder=embedder)
        rubric = get_rubric(str(settings.rubric_path))
        out = {}
        with Session(engine, expire_on_commit=False) as session:
            engagement = session.get(Engagement, engagement_id)
            out[5] = _export(session, engagement, rubric, embedder)
            set_min_cell(session, engagement, 7)
            out[7] = _export(session, engagement, rubric, embedder)
    return out


def _pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def _docx_text(data: bytes) -> str:
    doc = Document(io.BytesIO(data))
    return "\n".join([p.text for p in doc.paragraphs] + [c.text for t in doc.tables for r in t.rows for c in r.cells])


KS = pytest.mark.parametrize("k", [5, 7])


@KS
def test_no_name_of_the_engagement_or_the_answer_bank(demo_reports, k):
    e = demo_reports[k]
    words = {w for name in [*e.names, *ANSWER_BANK_NAMES] for w in re.findall(r"[A-Z][a-z]{2,}", name)}
    assert "Dave" in words
    for fmt, text in e.texts.items():
        found = sorted(w for w in words if re.search(rf"\b{w}\b", text))
        assert not found, (fmt, found)


def _quotes(text: str) -> list[str]:
    """Every quoted passage of a document (curly quotes, as the report prints them), normalised."""
    return [" ".join(re.findall(r"\w+", q.lower())) for q in re.findall(r"“([^”]{12,})”", text, re.S)]


@KS
def test_no_quote_printed_twice(demo_reports, k):
    e = demo_reports[k]
    for fmt, text in e.texts.items():
        quotes = _quotes(text)
        assert len(quotes) >= 5, fmt
        assert len(quotes) == len(set(quotes)), (fmt, [q for q in quotes if quotes.count(q) > 1][:3])


@KS
def test_every_citation_resolves_in_the_evidence_appendix(demo_reports, k):
    e = demo_reports[k]
    assert e.report.evidence
    doc = Document(io.BytesIO(e.docx))
    appendix = next(t for t in doc.tables if t.rows[0].cells[0].text == "Citation")
    listed = {r.cells[0].text for r in appendix.rows[1:]}
    assert listed == e.report.refs
    for fmt, text in e.texts.items():
        cited = set(re.findall(r"\bE-\d+\b", text))
        assert cited and cited <= listed, (fmt, sorted(cited - listed)[:5])
    # the appendix quotes only the consented, names a group only when it has at least k people (a quote
    # several people said lists each of their departments, "; " apart)
    allowed = {d for d, n in e.departments.items() if n >= k} | {"other departments"}
    for entry in e.report.evidence:
        assert set(entry.department.split("; ")) - {""} <= allowed, entry


@KS
def test_title_page_contents_and_page_numbers(demo_reports, k):
    e = demo_reports[k]
    doc = Document(io.BytesIO(e.docx))
    xml = doc.element.xml
    assert "TOC \\o" in xml and "Contents" in [p.text for p in doc.paragraphs]
    footer = doc.sections[0].footer._element.xml
    assert " PAGE " in footer and " NUMPAGES " in footer
    assert doc.sections[0].different_first_page_header_footer
    title = [p.text for p in doc.paragraphs[:8]]
    assert any(t.startswith("Prepared by:") for t in title) and any(t.startswith("Organisation:") for t in title)
    pages = PdfReader(io.BytesIO(e.pdf)).pages
    first = pages[0].extract_text()
    assert "Prepared by" in first and "Page 1" not in first  # the title page has no footer
    assert "Contents" in pages[1].extract_text() and "Evidence appendix" in pages[1].extract_text()
    assert f"Page 3 of {len(pages)}" in pages[2].extract_text()
    width, height = float(pages[0].mediabox.width), float(pages[0].mediabox.height)
    assert (round(width), round(height)) == (612, 792)  # US Letter, the default, as the DOCX
    assert round(doc.sections[0].page_width.inches, 1) == 8.5


def test_the_pdf_is_tagged_and_every_figure_has_a_text_alternative(demo_reports):
    e = demo_reports[5]
    reader = PdfReader(io.BytesIO(e.pdf))
    root = reader.trailer["/Root"]
    assert "/StructTreeRoot" in root and root["/MarkInfo"]["/Marked"]
    doc = Document(io.BytesIO(e.docx))
    alts = [s._inline.docPr.get("descr") for s in doc.inline_shapes]
    # the maturity profile, the roadmap timeline and the demo's data-flow map
    assert len(alts) == 3 and all(alts)
    assert "How data moves" in e.html
    # matplotlib charts carry a <desc>; the Graphviz map an aria-label
    assert e.html.count('role="img"') == 3 and e.html.count("<desc ") == 2 and 'role="img" aria-label="' in e.html


@KS
def test_nothing_for_the_consultant_only(demo_reports, k):
    e = demo_reports[k]
    assert e.report.advice, "the demo plans work beyond the horizon: the consultant is told"
    for fmt, text in e.texts.items():
        lowered = " ".join(text.lower().split())
        assert not [c for c in CONSULTANT_ONLY if c.lower() in lowered], fmt
    assert "Beyond the horizon" in e.texts["pdf"] and e.report.beyond_reason in e.html


@KS
def test_the_executive_summary_numbers_are_the_datas(demo_reports, k):
    e = demo_reports[k]
    summary = e.report.summary
    assert 3 <= len(summary.findings) <= 5
    themes = e.data["themes"]
    for f in summary.findings:
        theme = next(t for t in themes if t["label"] in f.sentence and t["component_name"] == f.component)
        assert f.people == theme["people"] and f"{f.people} people" in f.sentence
        assert f.quote is None or str(escape(f.quote.text)) in e.html
    assert f"{e.report.participation.people} staff" in summary.overview[0]
    decided = [c for c in e.report.components if c.decided]
    for c in decided:
        assert f"{c.name}: level {c.decided} ({c.level_name})" in " ".join(summary.profile)
    first = e.report.phases[0].rows
    assert len(summary.priorities) == len(first) and all(
        r.title in p for r, p in zip(first, summary.priorities, strict=True)
    )
    assert "Key findings" in e.texts["pdf"]


def test_the_page_size_is_a_setting_for_both_formats(settings, session, rubric):
    app = create_app(settings)
    make_consultant(session)
    client = logged_in_client(app)
    engagement = make_engagement(session)
    url = f"/engagements/{engagement.id}/report/page-size"
    assert client.post(url, data={"csrf_token": client.csrf, "page_size": "B5"}).status_code == 422
    r = client.post(url, data={"csrf_token": client.csrf, "page_size": "A4"}, follow_redirects=False)
    assert r.status_code == 303
    assert '<option value="A4" selected>' in client.get(f"/engagements/{engagement.id}/report").text
    app.state.jobs.shutdown()
    session.refresh(engagement)
    pdf = PdfReader(io.BytesIO(export_bytes(session, engagement, rubric, "pdf"))).pages[0]
    assert (round(float(pdf.mediabox.width)), round(float(pdf.mediabox.height))) == (595, 842)
    section = Document(io.BytesIO(export_bytes(session, engagement, rubric, "docx"))).sections[0]
    assert round(section.page_width.mm) == 210 and round(section.page_height.mm) == 297
