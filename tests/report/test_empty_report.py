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


def test_export_job_records_its_file_and_keeps_the_newest_five(session, engine, rubric, tmp_path):
    from assistant.models import Run
    from assistant.report.export import KEEP_FILES, run_export

    engagement = make_engagement(session)
    out = tmp_path / "exports"
    runs = []
    for _ in range(KEEP_FILES + 1):
        run = Run(engagement_id=engagement.id, kind="export", status="queued")
        session.add(run)
        session.commit()
        run_export(engine, engagement.id, rubric, "json", out, run.id)
        runs.append(run.id)
    session.expire_all()
    rows = [session.get(Run, rid) for rid in runs]
    assert all(r.status == "done" and r.stats["filename"] == "town-of-testville-dm3-data.json" for r in rows)
    assert rows[0].stats["file"] is None and not (out / f"export-{runs[0]}.json").exists()
    assert sorted(p.name for p in out.iterdir()) == sorted(f"export-{rid}.json" for rid in runs[1:])
    assert json.loads((out / f"export-{runs[-1]}.json").read_text())["organisation"] == "Town of Testville"
