"""``dm3 export``: the engagement report or data to a file, with a progress bar."""

from __future__ import annotations

from pathlib import Path

import typer
from sqlmodel import Session

from assistant.config import get_settings
from assistant.db import make_engine, migrate
from assistant.models import Engagement
from assistant.report.formats import FORMATS, ExportError, check_format
from assistant.rubric import get_rubric


def export_cmd(
    engagement_id: int = typer.Argument(..., metavar="ENGAGEMENT"),
    fmt: str = typer.Option(..., "--format", "-f", help="docx, pdf, html, json or csv (a ZIP of CSV tables)"),
    out: Path = typer.Option(..., "--out", "-o", help="the file to write"),
) -> None:
    """Export the engagement report (docx, pdf, html) or its data (json, csv) to OUT."""
    from tqdm import tqdm

    from assistant.engines import engines_for
    from assistant.report.export import embedder_for, export_report  # matplotlib and docx load only for this command

    try:
        check_format(fmt)
    except ExportError as exc:
        typer.echo(f"Error: {exc}.", err=True)
        raise typer.Exit(2) from exc
    if out.exists() and out.is_dir():
        typer.echo(f"Error: {out} is a folder; give a file name, e.g. {out / ('report' + FORMATS[fmt])}.", err=True)
        raise typer.Exit(2)
    settings = get_settings()
    migrate(settings.database_url)
    engine = make_engine(settings.database_url)
    bar = tqdm(total=100, desc=f"Exporting {fmt}", unit="%", delay=0.5)  # shown only when it takes a moment

    def progress(fraction: float, message: str) -> None:
        bar.set_postfix_str(message)
        bar.update(round(fraction * 100) - bar.n)

    try:
        with Session(engine, expire_on_commit=False) as session:
            engagement = session.get(Engagement, engagement_id)
            if engagement is None:
                raise ExportError(f"there is no engagement {engagement_id}")
            rubric = get_rubric(str(settings.rubric_path))
            writer = engines_for(settings, engine, rubric, engagement).summary_writer
            data, report = export_report(
                session, engagement, rubric, fmt, progress, embedder=embedder_for(settings, fmt), writer=writer
            )
            session.rollback()  # exporting only reads
    except ExportError as exc:
        bar.close()
        typer.echo(f"Error: {exc}", err=True)
        raise typer.Exit(1) from exc
    finally:
        engine.dispose()
    bar.close()
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(data)
    typer.echo(f"Wrote {out} ({len(data) // 1024 + 1} KB)")
    if report.summary_note:
        typer.echo(f"Executive summary: {report.summary_note}")
