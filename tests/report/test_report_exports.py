"""The report and data exports read back: DOCX with python-docx, PDF with pypdf, HTML, JSON, CSV.

Every format must carry the same sections, suppress groups under 5, quote only people who agreed
to be quoted, and never show a roster name."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile

from docx import Document
from pypdf import PdfReader

from assistant.security import csv_cell
from tests.report.conftest import ROSTER_NAME, SECRET_PHRASE

SECTIONS = ["Executive summary", "Method", "Maturity profile", "Findings by component", "Readiness", "Roadmap"]


def _docx(exported) -> Document:
    return Document(io.BytesIO(exported.files["docx"]))


def _pdf_text(exported) -> str:
    reader = PdfReader(io.BytesIO(exported.files["pdf"]))
    return "\n".join(page.extract_text() for page in reader.pages)


def _texts(exported) -> dict[str, str]:
    doc = _docx(exported)
    docx_text = "\n".join(
        [p.text for p in doc.paragraphs] + [c.text for t in doc.tables for r in t.rows for c in r.cells]
    )
    with zipfile.ZipFile(io.BytesIO(exported.files["csv"])) as z:
        csv_text = "\n".join(z.read(n).decode("utf-8-sig") for n in z.namelist())
    return {
        "docx": docx_text,
        "pdf": _pdf_text(exported),
        "html": exported.files["html"].decode("utf-8"),
        "json": exported.files["json"].decode("utf-8"),
        "csv": csv_text,
    }


def test_docx_has_real_headings_tables_captions_and_charts(exported):
    doc = _docx(exported)
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]
    assert headings[:1] == ["Executive summary"]
    for title in SECTIONS:
        assert title in headings
    assert "Data Life Cycle: level 2 (Developing)" in headings
    assert "Equity Lens: awaiting review" in headings
    assert any(p.style.name == "Title" for p in doc.paragraphs)
    assert len(doc.tables) >= 5
    header = [c.text for c in doc.tables[0].rows[0].cells]
    assert header == ["Department", "Staff (roster)", "Took part"]
    captions = [p.text for p in doc.paragraphs if p.style.name == "Caption"]
    assert any(c.startswith("Figure 1. Maturity profile") for c in captions)
    assert any(c.startswith("Table 1. People who took part") for c in captions)
    assert len(doc.inline_shapes) >= 2  # the maturity profile and the timeline, as pictures
    roadmap_rows = [r.cells[0].text for t in doc.tables for r in t.rows[1:] if t.rows[0].cells[0].text == "Activity"]
    assert any("Maintain an organisation-wide inventory" in r for r in roadmap_rows)
    owners = [r.cells[3].text for t in doc.tables for r in t.rows[1:] if t.rows[0].cells[0].text == "Activity"]
    assert "City Clerk" in owners


def test_pdf_is_valid_with_the_same_sections(exported):
    assert exported.files["pdf"].startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(exported.files["pdf"]))
    assert len(reader.pages) >= 3
    text = _pdf_text(exported)
    lines = [line.strip() for line in text.splitlines()]
    positions = [lines.index(title) if title in lines else -1 for title in SECTIONS]  # headings are lines of their own
    assert all(p >= 0 for p in positions), dict(zip(SECTIONS, positions, strict=False))
    assert positions == sorted(positions)
    assert "awaiting review" in text and exported.organisation in text


def test_html_is_self_contained_with_charts(exported):
    html = exported.files["html"].decode("utf-8")
    assert html.count("<svg") >= 2 and "<script" not in html
    assert not re.search(r'(src|href)="(https?:)?//', html)  # nothing fetched from elsewhere (XML namespaces are names)
    ids = re.findall(r'\bid="([^"]+)"', html)
    assert len(ids) == len(set(ids))  # two inline charts never share an element id
    for title in SECTIONS:
        assert f">{title}</h2>" in html


def test_no_roster_name_and_no_unconsented_quote_in_any_export(exported):
    assert any(ROSTER_NAME.split()[0] in t for t in exported.quoted)  # the test data really names someone
    texts = _texts(exported)
    for fmt, text in texts.items():
        assert "maria" not in text.lower() and "lopez" not in text.lower(), fmt
        assert SECRET_PHRASE not in text, fmt
        for unquoted in exported.unquoted:
            assert unquoted not in text, (fmt, unquoted)
    assert "[colleague]" in texts["json"]  # the consented quote is there, name replaced
    segments = json.loads(exported.files["json"])["segments"]
    assert any(s["quote_consent"] and s["text"] for s in segments)
    assert all(s["text"] == "" for s in segments if not s["quote_consent"])
    assert all(
        set(s) == {"segment", "component", "theme_id", "theme", "source", "quote_consent", "text"} for s in segments
    )


def test_small_groups_are_suppressed_in_every_export(exported):
    data = json.loads(exported.files["json"])
    by_dept = {r["group"]: r["took_part"] for r in data["participation"] if r["by"] == "department"}
    # departments of fewer than 5 people invited are never named: pooled
    # as "other departments"; every figure shown is at least 5, or hidden
    assert "other departments" in by_dept, by_dept
    assert all(v in ("fewer than 5", "not shown") or v >= 5 for v in by_dept.values())
    texts = _texts(exported)
    for fmt in ("docx", "pdf", "html"):
        assert "fewer than 5" in texts[fmt], fmt  # the method says how groups under 5 are shown
    doc = _docx(exported)
    dept_table = doc.tables[0]
    for row in dept_table.rows[1:]:
        cell = row.cells[2].text
        assert cell in ("fewer than 5", "not shown") or int(cell) >= 5 or int(cell) == 0


def test_csv_tables_and_formula_cells(exported):
    with zipfile.ZipFile(io.BytesIO(exported.files["csv"])) as z:
        names = set(z.namelist())
        assert names == {
            "themes.csv",
            "segments.csv",
            "proposals.csv",
            "decisions.csv",
            "readiness.csv",
            "roadmap.csv",
            "participation.csv",
        }
        roadmap = list(csv.DictReader(io.StringIO(z.read("roadmap.csv").decode("utf-8-sig"))))
        assert roadmap and {"phase", "title", "owner", "why"} <= set(roadmap[0])
        readiness = list(csv.DictReader(io.StringIO(z.read("readiness.csv").decode("utf-8-sig"))))
        funding = next(r for r in readiness if r["signal"] == "Funding")
        assert funding["value"] == "low" and funding["note"].startswith("The 2027 budget")
    for raw, expected in (
        ("=SUM(A1)", "'=SUM(A1)"),
        ("+1", "'+1"),
        ("-2", "'-2"),
        ("@x", "'@x"),
        ("ok", "ok"),
        (3, "3"),
    ):
        assert csv_cell(raw) == expected
