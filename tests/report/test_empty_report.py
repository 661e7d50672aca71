"""A report with nothing decided yet says so in every format instead of guessing or failing."""

from __future__ import annotations

import io
import json

from docx import Document
from pypdf import PdfReader

from assistant.report.export import FORMATS, export_bytes
from tests.factories import make_engagement


def test_an_engagement_with_nothing_decided_exports_everywhere(session, rubric):
    engagement = make_engagement(session)
    files = {fmt: export_bytes(session, engagement, rubric, fmt) for fmt in FORMATS}
    session.rollback()
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(files["pdf"])).pages)
    assert "No component has a decided level yet" in text and "awaiting review" in text
    doc = Document(io.BytesIO(files["docx"]))
    assert "Equity Lens: awaiting review" in [p.text for p in doc.paragraphs]
    assert "No roadmap has been generated yet." in [p.text for p in doc.paragraphs]
    data = json.loads(files["json"])
    assert data["roadmap"] == [] and data["segments"] == [] and data["decisions"] == []
    assert "awaiting review" in files["html"].decode("utf-8")
