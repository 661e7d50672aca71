"""``dm3`` commands that run the pipeline stages on an engagement or a file: import, synthesis, themes, rating."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer
from sqlmodel import Session

from assistant.cli.common import ProgressLines, app, engagement_or_exit, fail, open_engine
from assistant.config import get_settings
from assistant.jobs import RunAlreadyActive, RunNotClaimable
from assistant.rubric import get_rubric

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from assistant.records.imports import Mapping


@app.command("synthesize")
def synthesize_cmd(engagement: int) -> None:
    """Build evidence segments and themes per component for ENGAGEMENT (re-runs keep curation); prints
    each step with its counts as it goes (on stderr)."""
    from assistant.embeddings import get_embedder
    from assistant.engines import engines_for
    from assistant.synthesis.run import synthesize

    settings = get_settings()
    engine = open_engine(settings)
    with Session(engine) as session:
        engagement_or_exit(session, engagement)
    embedder = get_embedder(settings.embedding_model, settings.embedding_batch_size)
    # every report the run writes is printed: the run itself writes counts at most once a second
    progress = ProgressLines(every=0.0)
    try:
        rubric = get_rubric(str(settings.rubric_path))
        labeller = engines_for(settings, engine, rubric, engagement).labeller
        stats = synthesize(engine, engagement, embedder, settings, rubric, labeller=labeller, on_progress=progress)
    except (RunAlreadyActive, RunNotClaimable) as exc:
        fail(str(exc))
    comps = stats.get("components", {})
    themes = sum(c["themes"] for c in comps.values())
    other = sum(c["other"] for c in comps.values())
    typer.echo(
        f"Synthesis done: {stats['segments']} segments, {stats['embedded']} newly embedded, "
        f"{themes} themes in {len(comps)} components, {other} in other voices ({stats['seconds']:.1f}s)."
    )


@app.command("import-csv")
def import_csv_cmd(
    engagement: int,
    file: Path,
    text_column: str = typer.Option(..., help="column holding the answer text"),
    component: str | None = typer.Option(None, help="DM3 component id for every row"),
    component_column: str | None = typer.Option(None, help="column naming each row's component"),
    id_column: str | None = typer.Option(None, help="respondent id column (rows with one id are one person)"),
    department_column: str | None = typer.Option(None),
    role_column: str | None = typer.Option(None),
    map_department: list[str] = typer.Option(
        [], help='a department the engagement lacks: "FILE VALUE=Department" (or =unknown); repeatable'
    ),
    map_role: list[str] = typer.Option([], help='a role level the engagement lacks: "FILE VALUE=role" (or =unknown)'),
) -> None:
    """Import open-ended survey answers from FILE as evidence (all rows or none), in batches, as a run."""
    from assistant.records.imports import Mapping

    settings = get_settings()
    engine = open_engine(settings)
    components = [c.id for c in get_rubric(str(settings.rubric_path)).components]
    if not file.is_file():
        fail(f"{file} is not a file.")
    with Session(engine) as session:
        row = engagement_or_exit(session, engagement)
        departments, roles = list(row.departments), list(row.role_levels)

    department_map = _pairs(map_department, departments, "department")
    role_map = _pairs(map_role, roles, "role")
    mapping = Mapping(text_column, component, component_column, id_column, department_column, role_column)
    mapping.department_map, mapping.role_map = department_map, role_map
    stats = _check_and_import(engine, engagement, file, mapping, components, departments, roles)
    typer.echo(
        f"Imported {stats['rows']} answers from {file.name} (import {stats['import_id']}); "
        f"{stats['non_answers']} non-answers counted but not used. Run `dm3 synthesize {engagement}`."
    )


def _pairs(values: list[str], allowed: list[str], what: str) -> dict[str, str]:
    """``--map-*`` values as FILE VALUE -> allowed value (or unknown); exits with a clear error on a bad one."""
    from assistant.records.imports import UNKNOWN

    out = {}
    for item in values:
        src, sep, dst = item.rpartition("=")
        if not sep or not src.strip() or dst.strip() not in [*allowed, UNKNOWN]:
            typer.echo(
                f'Error: --map-{what} {item!r}: write "FILE VALUE=one of: {", ".join([*allowed, UNKNOWN])}".',
                err=True,
            )
            raise typer.Exit(1)
        out[src.strip()] = dst.strip()
    return out


def _check_and_import(
    engine: Engine,
    engagement: int,
    file: Path,
    mapping: Mapping,
    components: list[str],
    departments: list[str],
    roles: list[str],
) -> dict:
    """Check the whole FILE, then import it as a background run; exits with the error when it is refused."""
    from assistant.csvfile import file_source
    from assistant.records.imports import CSVImportError, ImportFile, check_file, import_in_background

    with file.open("rb") as opened:  # read as a stream, never whole into memory
        source = file_source(opened)
        try:
            checked = check_file(source, mapping, components, departments, roles)
            if checked.departments or checked.roles:
                lines = [f'  --map-department "{v}=..."' for v in checked.departments] + [
                    f'  --map-role "{v}=..."' for v in checked.roles
                ]
                raise CSVImportError(
                    "Nothing was imported: the file has departments or role levels this engagement does "
                    "not have. Map each to one of the engagement's, or to unknown:\n" + "\n".join(lines)
                )
            return import_in_background(engine, engagement, ImportFile(source, file.name, mapping, components))
        except CSVImportError as exc:
            fail(str(exc))


@app.command("themes")
def themes_cmd(
    input_csv: Path = typer.Argument(..., metavar="INPUT.csv"),
    text_column: str = typer.Option(..., help="column holding the text to cluster"),
    out: Path = typer.Option(..., help="where to write the JSON result"),
) -> None:
    """Cluster any CSV column into themes (no engagement needed); writes OUT.json. Prints each step with
    its counts as it goes (on stderr)."""
    import json

    from assistant.embeddings import get_embedder
    from assistant.records.imports import CSVImportError
    from assistant.synthesis.csv_themes import themes_for_csv

    if not input_csv.is_file():
        fail(f"{input_csv} is not a file.")
    settings = get_settings()
    try:
        data = input_csv.read_bytes()
        embedder = get_embedder(settings.embedding_model, settings.embedding_batch_size)
        result = themes_for_csv(data, text_column, embedder, report=ProgressLines())
    except CSVImportError as exc:
        fail(str(exc))
    summary = result.pop("summary")
    out.write_text(json.dumps(result, indent=1, ensure_ascii=False), encoding="utf-8")
    typer.echo(
        f"{summary['rows']} rows: {summary['themes']} themes ({summary['subthemes']} sub-themes), "
        f"{summary['assigned']} assigned, "
        f"{summary['other_voices']} other voices, {summary['non_answers']} non-answers, "
        f"{summary['empty']} empty -> {out}"
    )


@app.command("rate")
def rate_cmd(
    engagement_id: int = typer.Argument(..., metavar="ENGAGEMENT"),
    engine: str = typer.Option("auto", help="auto (LLM if configured, else offline), offline or llm"),
    component: list[str] | None = typer.Option(None, "--component", "-c", help="rate only these components"),
) -> None:
    """Propose a maturity level for each component of an engagement (stored for consultant review)."""
    from assistant.engines import engines_for
    from assistant.rating.run import propose_for_engagement
    from assistant.rubric import COMPONENT_IDS

    settings = get_settings()
    unknown = [c for c in component or [] if c not in COMPONENT_IDS]
    if unknown or engine not in ("auto", "offline", "llm"):
        fail(f"unknown component(s) {unknown} (use {list(COMPONENT_IDS)}) or engine {engine!r}", 2)
    try:
        db_engine = open_engine(settings)
        rater = engines_for(
            settings, db_engine, get_rubric(str(settings.rubric_path)), engagement_id, choice=engine
        ).rater
        rows = propose_for_engagement(db_engine, engagement_id, rater, components=component or COMPONENT_IDS)
    except ValueError as exc:
        fail(str(exc), 2)
    except (RunAlreadyActive, RunNotClaimable) as exc:
        fail(str(exc))
    for row in rows:
        level = row.level if row.level is not None else "-"
        extra = f"  ({row.error[:120]})" if row.error else ""
        typer.echo(f"{row.component:<24} {row.status:<22} level {level}  engine {row.engine}{extra}")
    typer.echo("Proposals await consultant review; nothing is final until a consultant decides.")
