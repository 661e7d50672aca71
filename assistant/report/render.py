"""Renderers of the report model: HTML (Jinja), PDF (WeasyPrint, from the same HTML) and DOCX
(python-docx: real headings, tables with captions, charts as pictures, so a consultant can edit it
in Word)."""

from __future__ import annotations

import io
from pathlib import Path

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Inches, Pt
from docx.text.paragraph import Paragraph
from jinja2 import Environment, FileSystemLoader, select_autoescape

from assistant.report.dataflow_section import DataflowSection
from assistant.report.document import Quote, Report

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
    """The report as PDF, laid out by WeasyPrint from ``to_html`` (same text, tables and charts)."""
    from weasyprint import HTML  # loaded on first use: it pulls in Pango, which the web pages never need

    return HTML(string=to_html(report)).write_pdf()


# --- DOCX ----------------------------------------------------------------------------------


def _caption(doc: Document, label: str, text: str) -> Paragraph:
    """A Word caption ("Table 3. ...") with a SEQ field, so Word numbers it and lists it in a table of
    figures; the number shown before Word updates fields is counted here, per document and label."""
    counts = doc.__dict__.setdefault("_dm3_captions", {})
    counts[label] = counts.get(label, 0) + 1
    para = doc.add_paragraph(style="Caption")
    para.add_run(f"{label} ")
    # a complex field, as Word writes captions: begin, instruction, separator, current number, end
    for kind, value in (
        ("begin", None),
        ("instr", f" SEQ {label} \\* ARABIC "),
        ("separate", None),
        ("text", str(counts[label])),
        ("end", None),
    ):
        run = para.add_run()
        if kind == "text":
            run.text = value
        elif kind == "instr":
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = value
            run._r.append(instr)
        else:
            char = OxmlElement("w:fldChar")
            char.set(qn("w:fldCharType"), kind)
            run._r.append(char)
    para.add_run(f". {text}")
    return para


def _table(doc: Document, caption: str, header: list[str], rows: list[list[str]]) -> None:
    _caption(doc, "Table", caption)
    table = doc.add_table(rows=1, cols=len(header))
    table.style = "Light Grid Accent 1"
    table.alignment = WD_TABLE_ALIGNMENT.LEFT
    for cell, text in zip(table.rows[0].cells, header, strict=False):
        cell.text = text
        for run in cell.paragraphs[0].runs:
            run.bold = True
    # the header row repeats on every page a long table spans
    tr_pr = table.rows[0]._tr.get_or_add_trPr()
    repeat = OxmlElement("w:tblHeader")
    repeat.set(qn("w:val"), "true")
    tr_pr.append(repeat)
    for values in rows:
        cells = table.add_row().cells
        for cell, text in zip(cells, values, strict=False):
            cell.text = str(text)
    doc.add_paragraph()


def _figure(doc: Document, png: bytes, caption: str, alt: str) -> None:
    doc.add_picture(io.BytesIO(png), width=Inches(6.3))
    pic = doc.inline_shapes[-1]._inline
    pic.docPr.set("descr", alt)  # the text alternative screen readers read in Word
    _caption(doc, "Figure", caption)


def _quotes(doc: Document, quotes: list[Quote]) -> None:
    for q in quotes:
        doc.add_paragraph(f"“{q.text}” ({q.ref})", style="Quote")


def to_docx(report: Report) -> bytes:
    """The report as an editable Word document."""
    doc = Document()
    doc.core_properties.title = f"{report.organisation}: data maturity assessment"
    doc.core_properties.author = "DM3 Assistant"
    doc.styles["Normal"].font.size = Pt(10.5)
    doc.add_heading(f"{report.organisation}: data maturity assessment", level=0)
    doc.add_paragraph(
        f"Report generated {report.generated_at:%d %B %Y} · DM3 rubric {report.rubric_version} · "
        f"roadmap horizon {report.horizon} months"
    )

    doc.add_heading("Executive summary", level=1)
    for p in report.summary:
        doc.add_paragraph(p)

    doc.add_heading("Method", level=1)
    for p in report.method:
        doc.add_paragraph(p)
    doc.add_heading("Who took part", level=2)
    doc.add_paragraph(f"{report.participation.people} people contributed evidence.")
    for caption, groups, label in (
        ("People who took part, by department", report.participation.by_department, "Department"),
        ("People who took part, by role level", report.participation.by_role, "Role level"),
    ):
        _table(
            doc,
            caption,
            [label, "Staff (roster)", "Took part"],
            [[g.group, "–" if g.roster is None else str(g.roster), str(g.took_part)] for g in groups],
        )

    doc.add_heading("Maturity profile", level=1)
    _figure(doc, report.profile.png, report.profile.caption, report.profile.alt)
    _table(
        doc,
        "Decided and target levels",
        ["Component", "Decided level", "Target"],
        [
            [
                c.name,
                f"{c.decided} {c.level_name}" if c.decided else "awaiting review",
                str(c.target) if c.decided and c.target else "–",
            ]
            for c in report.components
        ],
    )

    doc.add_heading("Findings by component", level=1)
    for c in report.components:
        level = f"level {c.decided} ({c.level_name})" if c.decided else "awaiting review"
        doc.add_heading(f"{c.name}: {level}", level=2)
        doc.add_paragraph(c.description)
        para = doc.add_paragraph()
        para.add_run("Rationale. ").bold = True
        para.add_run(c.rationale)
        if c.themes:
            doc.add_heading("What staff said", level=3)
            for t in c.themes:
                para = doc.add_paragraph(style="List Bullet")
                para.add_run(t.label).bold = True
                para.add_run(
                    f" ({t.people} {'person' if t.people == 1 else 'people'})" + (f": {t.summary}" if t.summary else "")
                )
                _quotes(doc, t.quotes)

    doc.add_heading("Readiness", level=1)
    _table(
        doc,
        "Readiness signals",
        ["Signal", "Value", "Basis", "Consultant's note"],
        [
            [r.name, r.value + ("" if r.confirmed else " (from the evidence, not yet confirmed)"), r.basis, r.note]
            for r in report.readiness
        ],
    )
    for r in report.readiness:
        if r.quotes:
            doc.add_paragraph(f"{r.name} in staff's words:")
            _quotes(doc, r.quotes)

    if report.dataflow is not None:
        _dataflow(doc, report.dataflow)

    doc.add_heading("Roadmap", level=1)
    for note in report.roadmap_notes:
        doc.add_paragraph(note)
    _figure(doc, report.timeline.png, report.timeline.caption, report.timeline.alt)
    for phase in report.phases:
        if not phase.rows:
            continue
        doc.add_heading(phase.label[0].upper() + phase.label[1:], level=2)
        _table(
            doc,
            f"Activities, {phase.label}",
            ["Activity", "Component", "Step", "Owner", "Why"],
            [
                [r.title + (f"\n{r.description}" if r.description else ""), r.component, r.step, r.owner or "–", r.why]
                for r in phase.rows
            ],
        )
    if report.removed:
        doc.add_heading("Activities left out", level=2)
        for title, reason in report.removed:
            doc.add_paragraph(f"{title}: {reason}", style="List Bullet")
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _dataflow(doc: Document, section: DataflowSection) -> None:
    """The data-flow section: the map as a 200 dpi PNG and the bottleneck table."""
    doc.add_heading("How data moves", level=1)
    doc.add_paragraph(
        f"{section.flows} flows described by staff in the optional data-flow section of their interviews."
    )
    _figure(doc, section.png, section.caption, section.alt)
    _table(
        doc,
        "Largest bottlenecks",
        ["Hand-off", "How", "Hours a year", "People", "Score"],
        [list(r) for r in section.rows],
    )
