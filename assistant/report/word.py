"""The report model as an editable Word document (python-docx): a title page, a contents field Word
fills with page numbers, real headings, tables that fit the page with captions, charts as pictures
with alt text, running headers and "Page n of N" footers, on the engagement's page size."""

from __future__ import annotations

import io

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Inches, Mm, Pt
from docx.text.paragraph import Paragraph

from assistant.report.model import GroupRow, Quote, Report, RoadmapRow

PAGES = {"Letter": (Inches(8.5), Inches(11), Inches(1)), "A4": (Mm(210), Mm(297), Cm(2.2))}
SECTIONS = (
    "Executive summary",
    "Method",
    "Maturity profile",
    "Findings by component",
    "Readiness",
    "Roadmap",
    "Evidence appendix",
)
ACTIVITY_COLUMNS = ["Activity", "Component", "Step", "Owner", "Why"]
ACTIVITY_WIDTHS = [3, 2, 1, 1.4, 3]


# --- fields and page set-up --------------------------------------------------------------------


def _field(para: Paragraph, instruction: str, shown: str) -> None:
    """A complex field (as Word writes them: begin, instruction, separator, current result, end)."""
    for kind, value in (("begin", None), ("instr", instruction), ("separate", None), ("text", shown), ("end", None)):
        run = para.add_run()
        if kind == "text":
            run.text = value
        elif kind == "instr":
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = f" {value} "
            run._r.append(instr)
        else:
            char = OxmlElement("w:fldChar")
            char.set(qn("w:fldCharType"), kind)
            run._r.append(char)


def _caption(doc: DocxDocument, label: str, text: str) -> Paragraph:
    """A Word caption ("Table 3. ...") with a SEQ field, so Word numbers it and lists it in a table of
    figures; the number shown before Word updates fields is counted here, per document and label."""
    counts = doc.__dict__.setdefault("_dm3_captions", {})
    counts[label] = counts.get(label, 0) + 1
    para = doc.add_paragraph(style="Caption")
    para.add_run(f"{label} ")
    _field(para, f"SEQ {label} \\* ARABIC", str(counts[label]))
    para.add_run(f". {text}")
    return para


def _page_setup(doc: DocxDocument, report: Report) -> None:
    """Page size and margins; a first page (the title page) without header or footer; the running
    header and the "Page n of N" footer; fields (contents, page numbers) updated when Word opens it."""
    width, height, margin = PAGES.get(report.title.page_size, PAGES["Letter"])
    section = doc.sections[0]
    section.page_width, section.page_height = width, height
    section.left_margin = section.right_margin = section.top_margin = section.bottom_margin = margin
    section.different_first_page_header_footer = True
    section.header.paragraphs[0].text = f"{report.organisation}: data maturity assessment"
    footer = section.footer.paragraphs[0]
    footer.add_run("Page ")
    _field(footer, "PAGE", "1")
    footer.add_run(" of ")
    _field(footer, "NUMPAGES", "1")
    update = OxmlElement("w:updateFields")
    update.set(qn("w:val"), "true")
    doc.settings.element.append(update)


def _text_width(doc: DocxDocument) -> int:
    section = doc.sections[0]
    return section.page_width - section.left_margin - section.right_margin


# --- blocks ------------------------------------------------------------------------------------


def _table(
    doc: DocxDocument, caption: str, header: list[str], rows: list[list[str]], widths: list[float] | None = None
) -> None:
    """A captioned table whose header row repeats on each page, fitted to the text width."""
    _caption(doc, "Table", caption)
    table = doc.add_table(rows=1, cols=len(header))
    table.style = "Light Grid Accent 1"
    table.alignment = WD_TABLE_ALIGNMENT.LEFT
    table.autofit = False
    for cell, text in zip(table.rows[0].cells, header, strict=False):
        cell.text = text
        for run in cell.paragraphs[0].runs:
            run.bold = True
    repeat = OxmlElement("w:tblHeader")
    repeat.set(qn("w:val"), "true")
    table.rows[0]._tr.get_or_add_trPr().append(repeat)
    for values in rows:
        for cell, text in zip(table.add_row().cells, values, strict=False):
            cell.text = str(text)
    weights = widths or [1] * len(header)
    total = _text_width(doc)
    for i, column in enumerate(table.columns):
        width = int(total * weights[i] / sum(weights))
        for cell in column.cells:
            cell.width = width
    doc.add_paragraph()


def _figure(doc: DocxDocument, png: bytes, caption: str, alt: str) -> None:
    doc.add_picture(io.BytesIO(png), width=min(Inches(6.3), _text_width(doc)))
    pic = doc.inline_shapes[-1]._inline
    pic.docPr.set("descr", alt)  # the text alternative screen readers read in Word
    pic.docPr.set("title", caption)
    _caption(doc, "Figure", caption)


def _quotes(doc: DocxDocument, quotes: list[Quote]) -> None:
    for q in quotes:
        said = f"; said by {q.people} people" if q.people > 1 else ""
        doc.add_paragraph(f"“{q.text}” ({q.ref}{said})", style="Quote")


def _bullets(doc: DocxDocument, lines: list[str]) -> None:
    for line in lines:
        doc.add_paragraph(line, style="List Bullet")


def _groups(groups: list[GroupRow]) -> list[list[str]]:
    return [[g.group, "–" if g.roster is None else str(g.roster), str(g.took_part)] for g in groups]


def _activities(rows: list[RoadmapRow]) -> list[list[str]]:
    return [
        [r.title + (f"\n{r.description}" if r.description else ""), r.component, r.step, r.owner or "–", r.why]
        for r in rows
    ]


# --- sections ----------------------------------------------------------------------------------


def _title_page(doc: DocxDocument, report: Report) -> None:
    doc.add_paragraph(f"{report.organisation}: data maturity assessment", style="Title")
    t = report.title
    for label, value in (
        ("Organisation", t.organisation),
        ("Engagement", t.engagement),
        ("Date", f"{t.date:%d %B %Y}"),
        ("Prepared by", t.prepared_by),
        ("Framework", f"DM3 rubric {report.rubric_version} · roadmap horizon {report.horizon} months"),
    ):
        para = doc.add_paragraph()
        para.add_run(f"{label}: ").bold = True
        para.add_run(value)
    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)


def _contents(doc: DocxDocument) -> None:
    """A contents field (headings 1-2, with page numbers once Word updates it, which it offers on
    opening); until then it lists the sections."""
    para = doc.add_paragraph()
    para.add_run("Contents").bold = True
    toc = doc.add_paragraph()
    _field(toc, 'TOC \\o "1-2" \\h \\z \\u', "; ".join(SECTIONS))
    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)


def _summary(doc: DocxDocument, report: Report) -> None:
    s = report.summary
    doc.add_heading("Executive summary", level=1)
    for para in s.overview:
        doc.add_paragraph(para)
    if s.findings:
        doc.add_heading("Key findings", level=2)
        for f in s.findings:
            doc.add_paragraph(f.sentence, style="List Number")
            _quotes(doc, [f.quote] if f.quote else [])
        doc.add_heading("Maturity at a glance", level=2)
        _bullets(doc, s.profile)
        doc.add_heading(s.priorities_heading, level=2)
        _bullets(doc, s.priorities or ["No activities are planned for this period yet."])
    if s.readiness:
        doc.add_heading("Readiness in brief", level=2)
        doc.add_paragraph(s.readiness)


def _method(doc: DocxDocument, report: Report) -> None:
    doc.add_heading("Method", level=1)
    for p in report.method:
        doc.add_paragraph(p)
    doc.add_heading("Who took part", level=2)
    doc.add_paragraph(f"{report.participation.people} people contributed evidence.")
    header = ["Staff (roster)", "Took part"]
    _table(
        doc, "People who took part, by department", ["Department", *header], _groups(report.participation.by_department)
    )
    _table(doc, "People who took part, by role level", ["Role level", *header], _groups(report.participation.by_role))
    if report.participation.footnote:
        doc.add_paragraph(report.participation.footnote)


def _profile(doc: DocxDocument, report: Report) -> None:
    doc.add_heading("Maturity profile", level=1)
    _figure(doc, report.profile.png, report.profile.caption, report.profile.alt)
    rows = [
        [
            c.name,
            f"{c.decided} {c.level_name}" if c.decided else "awaiting review",
            str(c.target) if c.decided and c.target else "–",
        ]
        for c in report.components
    ]
    _table(doc, "Decided and target levels", ["Component", "Decided level", "Target"], rows)


def _components(doc: DocxDocument, report: Report) -> None:
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
            people = f" ({t.people} {'person' if t.people == 1 else 'people'})"
            para.add_run(people + (f": {t.summary}" if t.summary else ""))
            _quotes(doc, t.quotes)


def _readiness(doc: DocxDocument, report: Report) -> None:
    doc.add_heading("Readiness", level=1)
    rows = [
        [r.name, r.value + ("" if r.confirmed else " (from the evidence, not yet confirmed)"), r.basis, r.note]
        for r in report.readiness
    ]
    _table(doc, "Readiness signals", ["Signal", "Value", "Basis", "Consultant's note"], rows, [1, 1.2, 2, 2])
    for r in report.readiness:
        if r.quotes:
            doc.add_paragraph(f"{r.name} in staff's words:")
            _quotes(doc, r.quotes)


def _dataflow(doc: DocxDocument, report: Report) -> None:
    """The data-flow section: the map as a 200 dpi PNG and the bottleneck table (none without flows)."""
    section = report.dataflow
    if section is None:
        return
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


def _roadmap(doc: DocxDocument, report: Report) -> None:
    doc.add_heading("Roadmap", level=1)
    for note in report.roadmap_notes:
        doc.add_paragraph(note)
    _figure(doc, report.timeline.png, report.timeline.caption, report.timeline.alt)
    for phase in report.phases:
        if phase.rows:
            doc.add_heading(phase.label[0].upper() + phase.label[1:], level=2)
            _table(doc, f"Activities, {phase.label}", ACTIVITY_COLUMNS, _activities(phase.rows), ACTIVITY_WIDTHS)
    if report.beyond:
        doc.add_heading("Beyond the horizon", level=2)
        doc.add_paragraph(report.beyond_reason)
        _table(doc, "Activities beyond the horizon", ACTIVITY_COLUMNS, _activities(report.beyond), ACTIVITY_WIDTHS)
    if report.removed:
        doc.add_heading("Activities left out", level=2)
        _bullets(doc, [f"{title}: {reason}" for title, reason in report.removed])


def _evidence(doc: DocxDocument, report: Report) -> None:
    doc.add_heading("Evidence appendix", level=1)
    if not report.evidence:
        doc.add_paragraph("This report cites no evidence yet.")
        return
    doc.add_paragraph(
        "Every citation (E-number) in this report, with the component and indicator it was cited for. Quotes "
        "appear only where the person agreed to be quoted; department and role level are named only for groups "
        f"of at least {report.k} people."
    )
    rows = [
        [
            e.ref,
            e.component,
            e.indicator or "–",
            e.text + (f" (said by {e.people} people)" if e.people > 1 else ""),
            e.department,
            e.role_level,
        ]
        for e in report.evidence
    ]
    header = ["Citation", "Component", "Indicator", "Quote", "Department", "Role level"]
    _table(doc, "Evidence cited in this report", header, rows, [1, 1.4, 1.6, 3.5, 1.4, 1.2])


def to_docx(report: Report) -> bytes:
    """The report as an editable Word document."""
    doc = Document()
    doc.core_properties.title = f"{report.organisation}: data maturity assessment"
    doc.core_properties.author = report.title.prepared_by
    doc.styles["Normal"].font.size = Pt(10.5)
    _page_setup(doc, report)
    _title_page(doc, report)
    _contents(doc)
    for write in (_summary, _method, _profile, _components, _readiness, _dataflow, _roadmap, _evidence):
        write(doc, report)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
