"""One export of an engagement to a file, for the CLI and the background job alike."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from assistant.jobs import track_run
from assistant.models import Engagement, Run
from assistant.report import exports, render
from assistant.report.cli import FORMATS
from assistant.report.document import build_report
from assistant.rubric import Rubric

MEDIA_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
    "html": "text/html; charset=utf-8",
    "json": "application/json",
    "csv": "application/zip",
}


KEEP_FILES = 5  # finished export files kept per engagement; older ones are deleted (export again to get one)


class ExportError(ValueError):
    """An export that cannot be made; the message says why."""


def filename_for(engagement: Engagement, fmt: str) -> str:
    """A readable file name: "city-of-riverton-dm3-report.docx" (the CSV tables come zipped)."""
    slug = "".join(ch if ch.isalnum() else "-" for ch in engagement.organisation.lower()).strip("-")
    while "--" in slug:
        slug = slug.replace("--", "-")
    kind = "data" if fmt in ("json", "csv") else "report"
    return f"{slug or 'engagement'}-dm3-{kind}{FORMATS[fmt]}"


def export_bytes(
    session: Session,
    engagement: Engagement,
    rubric: Rubric,
    fmt: str,
    progress: Callable[[float, str], None] | None = None,
) -> bytes:
    """The engagement in ``fmt`` (docx, pdf, html, json or csv, the last a ZIP of CSV files)."""
    if fmt not in FORMATS:
        raise ExportError(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}")
    step = progress or (lambda _f, _m: None)
    step(0.1, "Reading decisions, themes and the roadmap")
    report = build_report(session, engagement, rubric)
    step(0.5, f"Writing the {fmt.upper()} file")
    if fmt == "html":
        data = render.to_html(report).encode("utf-8")
    elif fmt == "pdf":
        data = render.to_pdf(report)
    elif fmt == "docx":
        data = render.to_docx(report)
    elif fmt == "json":
        data = exports.to_json(session, engagement, rubric, report)
    else:
        data = exports.to_csv_zip(session, engagement, rubric, report)
    step(1.0, "Done")
    return data


def run_export(engine: Engine, engagement_id: int, rubric: Rubric, fmt: str, out_dir: Path, run_id: int) -> Path:
    """The background job: write the export under ``out_dir`` and record it on the Run (progress,
    file name, size) through the run lifecycle (``assistant.jobs.track_run``: a failure marks the run
    failed with the reason). Only the newest ``KEEP_FILES`` files of an engagement are kept on disk."""
    with track_run(engine, engagement_id, "export", run_id=run_id, message="Building the report") as run:
        with Session(engine, expire_on_commit=False) as session:
            engagement = session.get(Engagement, engagement_id)
            if engagement is None:
                raise ExportError("the engagement no longer exists")
            data = export_bytes(session, engagement, rubric, fmt, run.progress)
            filename = filename_for(engagement, fmt)
            session.rollback()  # end the read transaction before writing the file and the run
        out_dir.mkdir(parents=True, exist_ok=True)
        path = out_dir / f"export-{run_id}{FORMATS[fmt]}"
        path.write_bytes(data)
        run.done(
            stats={"format": fmt, "file": path.name, "filename": filename, "bytes": len(data)},
            message=f"{fmt.upper()} ready ({len(data) // 1024 + 1} KB)",
        )
    with Session(engine) as s:
        older = s.exec(
            select(Run)
            .where(Run.engagement_id == engagement_id, Run.kind == "export", Run.status == "done", Run.id != run_id)
            .order_by(col(Run.id).desc())
        ).all()[KEEP_FILES - 1 :]
        for old in older:
            if old.stats.get("file"):
                (out_dir / str(old.stats["file"])).unlink(missing_ok=True)
                old.stats = {**old.stats, "file": None}
                s.add(old)
        s.commit()
    return path
