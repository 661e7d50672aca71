"""One export of an engagement to a file, for the CLI and the background job alike."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import delete
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from assistant.config import Settings
from assistant.jobs import track_run
from assistant.models import Engagement, ExportFile, Run, User
from assistant.models.settings import PageSize
from assistant.records.engagements import change_settings, settings_of
from assistant.report import exports, render, word
from assistant.report.build import build_report
from assistant.report.formats import FORMATS, MEDIA_TYPES, ExportError, check_format
from assistant.report.model import Report
from assistant.report.relevance import Encoder
from assistant.report.reword import SummaryWriter
from assistant.rubric import Rubric

DOCUMENTS = ("docx", "pdf", "html")  # the formats that print readiness quotes (the data exports carry none)
KEEP_FILES = 5  # finished export files kept per engagement (in the database); older ones are deleted


def set_page_size(session: Session, engagement: Engagement, size: PageSize, user: User) -> None:
    """Store the report's paper size ("Letter" or "A4"), one for the PDF and the DOCX, audited."""
    before = settings_of(engagement).page_size
    change_settings(
        session,
        engagement,
        "report.page_size",
        user,
        {"page_size": size},
        role="consultant",
        before={"page_size": before},
    )


def embedder_for(settings: Settings, fmt: str) -> Encoder | None:
    """The embedding model that checks readiness quotes for a document ``fmt`` (loaded once per process),
    None for the data exports, which print no readiness quote."""
    if fmt not in DOCUMENTS:
        return None
    from assistant.embeddings import get_embedder

    return get_embedder(settings.embedding_model, settings.embedding_batch_size)


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
    *,
    embedder: Encoder | None = None,
    writer: SummaryWriter | None = None,
) -> bytes:
    """The engagement in ``fmt`` (docx, pdf, html, json or csv, the last a ZIP of CSV files): the report
    model built once (``build_report``; ``embedder`` checks readiness quotes and finds near-identical
    quotes, ``writer`` may reword the executive summary), then serialised."""
    return export_report(session, engagement, rubric, fmt, progress, embedder=embedder, writer=writer)[0]


def export_report(
    session: Session,
    engagement: Engagement,
    rubric: Rubric,
    fmt: str,
    progress: Callable[[float, str], None] | None = None,
    *,
    embedder: Encoder | None = None,
    writer: SummaryWriter | None = None,
) -> tuple[bytes, Report]:
    """``export_bytes`` and the report model it serialised (its ``summary_note`` is for the consultant)."""
    check_format(fmt)
    step = progress or (lambda _f, _m: None)
    step(0.1, "Reading decisions, themes and the roadmap")
    report = build_report(session, engagement, rubric, embedder=embedder, writer=writer if fmt in DOCUMENTS else None)
    step(0.5, f"Writing the {fmt.upper()} file")
    data = serialise(report, fmt)
    step(1.0, "Done")
    return data, report


def serialise(report: Report, fmt: str) -> bytes:
    """``report`` in ``fmt``; no format reads the database."""
    writers: dict[str, Callable[[Report], bytes]] = {
        "html": lambda r: render.to_html(r).encode("utf-8"),
        "pdf": render.to_pdf,
        "docx": word.to_docx,
        "json": exports.to_json,
        "csv": exports.to_csv_zip,
    }
    return writers[check_format(fmt)](report)


def run_export(
    engine: Engine,
    engagement_id: int,
    rubric: Rubric,
    fmt: str,
    run_id: int,
    *,
    embedder: Encoder | None = None,
    writer: SummaryWriter | None = None,
) -> int:
    """The background job: build the export, store the file in the database (``ExportFile``, so the
    download works on any app process) and record it on the Run (progress, file name, size) through the
    run lifecycle (``assistant.jobs.track_run``: a failure marks the run failed with the reason).
    Returns the stored file's id. Only the newest ``KEEP_FILES`` files of an engagement are kept. What
    happened to an LLM rewording of the summary (``writer``) is kept in the run's stats as "summary"."""
    check_format(fmt)
    with track_run(engine, engagement_id, "export", run_id=run_id, message="Building the report") as run:
        with Session(engine, expire_on_commit=False) as session:
            engagement = session.get(Engagement, engagement_id)
            if engagement is None:
                raise ExportError("the engagement no longer exists")
            data, report = export_report(
                session, engagement, rubric, fmt, run.progress, embedder=embedder, writer=writer
            )
            filename = filename_for(engagement, fmt)
            session.rollback()  # end the read transaction before writing the file and the run
            stored = ExportFile(
                run_id=run_id,
                engagement_id=engagement_id,
                filename=filename,
                media_type=MEDIA_TYPES[fmt],
                size=len(data),
                data=data,
            )
            session.add(stored)
            session.commit()
            file_id = stored.id
        assert file_id is not None
        run.done(
            stats={
                "format": fmt,
                "file": file_id,
                "filename": filename,
                "bytes": len(data),
                "summary": report.summary_note,
            },
            message=f"{fmt.upper()} ready ({len(data) // 1024 + 1} KB)",
        )
    with Session(engine) as s:
        older = s.exec(
            select(ExportFile.id)
            .where(ExportFile.engagement_id == engagement_id)
            .order_by(col(ExportFile.id).desc())
            .offset(KEEP_FILES)
        ).all()
        if older:
            s.execute(delete(ExportFile).where(col(ExportFile.id).in_(older)))
        s.commit()
    return file_id


def export_file(session: Session, run: Run) -> ExportFile | None:
    """The file the finished export ``run`` made, or None when it was deleted (only the newest
    ``KEEP_FILES`` of an engagement are kept) or the run made none."""
    return session.exec(select(ExportFile).where(ExportFile.run_id == run.id)).first()
