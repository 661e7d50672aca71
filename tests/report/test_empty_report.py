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


def test_export_job_stores_its_file_in_the_database_and_keeps_the_newest_five(session, engine, rubric):
    from sqlmodel import select

    from assistant.models import ExportFile, Run
    from assistant.report.export import KEEP_FILES, export_file, run_export

    engagement = make_engagement(session)
    runs = []
    for _ in range(KEEP_FILES + 1):
        run = Run(engagement_id=engagement.id, kind="export", status="queued", params={"format": "json"})
        session.add(run)
        session.commit()
        run_export(engine, engagement.id, rubric, "json", run.id)
        runs.append(run.id)
    session.expire_all()
    rows = [session.get(Run, rid) for rid in runs]
    assert all(r.status == "done" and r.stats["filename"] == "town-of-testville-dm3-data.json" for r in rows)
    assert export_file(session, rows[0]) is None  # the oldest file was deleted
    kept = session.exec(select(ExportFile).order_by(ExportFile.run_id)).all()
    assert [f.run_id for f in kept] == runs[1:]
    newest = export_file(session, rows[-1])
    assert newest.media_type == "application/json" and newest.size == len(newest.data) == rows[-1].stats["bytes"]
    assert json.loads(newest.data)["organisation"] == "Town of Testville"
