"""The ``dm3`` command: serve, demo, migrate, users, engagements, the pipeline stages and the logs."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Optional

import typer

from assistant.config import Settings, get_settings
from assistant.db import make_engine, migrate, session_scope
from assistant.jobs import RunAlreadyActive, RunNotClaimable
from assistant.logs_cli import audit_cmd, logs_cmd
from assistant.rubric import get_rubric

app = typer.Typer(help="DM3 Assistant: data-modernization maturity assessment.", no_args_is_help=True, add_completion=False)


def _engine(settings: Optional[Settings] = None):  # noqa: ANN202
    settings = settings or get_settings()
    migrate(settings.database_url)
    return make_engine(settings.database_url)


@app.command("migrate")
def migrate_cmd() -> None:
    """Create or upgrade the database schema."""
    settings = get_settings()
    migrate(settings.database_url)
    typer.echo(f"Database is up to date: {settings.database_url}")


@app.command("create-user")
def create_user_cmd(
    email: str,
    password: str = typer.Option(..., prompt=True, hide_input=True, confirmation_prompt=True, envvar="DM3_NEW_USER_PASSWORD"),
    role: str = typer.Option("consultant", help="consultant or equity_reviewer"),
    name: str = "",
) -> None:
    """Create a consultant (or equity reviewer) account."""
    from assistant.accounts import AccountError, create_user

    try:
        with session_scope(_engine()) as session:
            user = create_user(session, email, password, role=role, name=name)
            typer.echo(f"Created {user.role} {user.email}")
    except AccountError as exc:
        typer.echo(f"Error: {exc}", err=True)
        raise typer.Exit(1) from exc


@app.command("create-engagement")
def create_engagement_cmd(
    organisation: str,
    department: list[str] = typer.Option(..., "--department", "-d", help="repeat for each department"),
    roster: Optional[Path] = typer.Option(None, help="CSV of department,role_level,count"),
    invites: Optional[Path] = typer.Option(None, help="CSV of department,role_level[,email] to invite"),
    open_link: bool = typer.Option(False, help="also enable the open link where staff pick their group"),
) -> None:
    """Create an engagement (optionally with roster counts, invites and an open link); prints the links."""
    import csv

    from assistant.engagements import EngagementError, create_engagement, enable_open_link, import_invites_csv

    settings = get_settings()
    counts: dict[tuple[str, str], int] = {}
    if roster:
        for row in csv.reader(roster.read_text(encoding="utf-8-sig").splitlines()):
            if len(row) == 3 and row[2].strip().isdigit():
                counts[(row[0].strip(), row[1].strip())] = int(row[2])
    try:
        with session_scope(_engine(settings)) as session:
            engagement = create_engagement(session, organisation, department, roster=counts)
            typer.echo(f"Engagement {engagement.id}: {engagement.organisation}")
            if open_link:
                token = enable_open_link(session, engagement, True)
                typer.echo(f"Open link: {settings.base_url}/join/{token}")
            if invites:
                for invite in import_invites_csv(session, engagement, invites.read_bytes()):
                    p = invite.participant
                    typer.echo(f"{p.department},{p.role_level},{p.email or ''},{settings.base_url}/i/{invite.token}")
    except EngagementError as exc:
        typer.echo("Error: " + str(exc), err=True)
        for problem in exc.problems:
            typer.echo(f"  - {problem}", err=True)
        raise typer.Exit(1) from exc


@app.command("serve")
def serve(host: str = "127.0.0.1", port: int = 8000, workers: int = 1) -> None:
    """Run the web app (with --workers N: N processes behind one address; they share DM3_SECRET_KEY and
    the database, so use PostgreSQL for more than one)."""
    import uvicorn

    from assistant.config import ConfigError, require_secret_key

    settings = get_settings()
    try:
        require_secret_key(settings)
    except ConfigError as exc:
        typer.echo(f"Error: {exc}", err=True)
        raise typer.Exit(1) from exc
    migrate(settings.database_url)
    uvicorn.run("assistant.app:create_app", factory=True, host=host, port=port, workers=workers, log_level="info")


@app.command("demo")
def demo(host: str = "127.0.0.1", port: int = 8000, serve_too: bool = typer.Option(True, "--serve/--no-serve")) -> None:
    """Seed a demo engagement (once), print the URLs and credentials, and serve the app."""
    from assistant.demo import seed_demo

    from assistant.config import demo_secret_key

    os.environ.setdefault("DM3_BASE_URL", f"http://{host}:{port}")
    if not os.environ.get("DM3_SECRET_KEY"):
        # the demo keeps its own signing secret in var/ (0600), the same across restarts
        os.environ["DM3_SECRET_KEY"] = demo_secret_key(Path("var"))
    get_settings.cache_clear()
    settings = get_settings()
    base = f"http://{host}:{port}"
    with session_scope(_engine(settings)) as session:
        info = seed_demo(session, settings)
    typer.echo("")
    typer.echo("DM3 Assistant demo is ready.")
    typer.echo(f"  Consultant login:  {base}/login")
    typer.echo(f"    email:    {info.email}")
    typer.echo(f"    password: {info.password}")
    typer.echo(f"  Engagement:        {base}/engagements/{info.engagement_id}")
    for role, token in info.invites:
        typer.echo(f"  Staff invite ({role}): {base}/i/{token}")
    typer.echo(f"  Open link (staff pick their group): {base}/join/{info.open_token}")
    if info.interviews:
        typer.echo("  Demo interviews: " + ", ".join(f"{n} {state}" for state, n in sorted(info.interviews.items())))
    typer.echo(f"  Engine: {settings.engine_name}; database: {settings.database_url}")
    typer.echo("")
    if serve_too:
        serve(host=host, port=port)


# --- synthesis: themes, import (issue 3) ---------------------------------------------------


@app.command("synthesize")
def synthesize_cmd(engagement: int) -> None:
    """Build evidence segments and themes per component for ENGAGEMENT (re-runs keep curation)."""
    from tqdm import tqdm

    from assistant.embeddings import get_embedder
    from assistant.engines import engines_for
    from assistant.synthesis.run import synthesize

    settings = get_settings()
    engine = _engine(settings)
    from assistant.models import Engagement
    from sqlmodel import Session

    with Session(engine) as s:
        if s.get(Engagement, engagement) is None:
            typer.echo(f"Error: engagement {engagement} does not exist (see the engagements page for ids).", err=True)
            raise typer.Exit(1)
    embedder = get_embedder(settings.embedding_model, settings.embedding_batch_size)
    bar = tqdm(total=100, desc="Synthesis", unit="%", file=None)

    def progress(fraction: float, message: str) -> None:
        bar.set_postfix_str(message)
        bar.update(round(fraction * 100) - bar.n)

    try:
        rubric = get_rubric(str(settings.rubric_path))
        labeller = engines_for(settings, engine, rubric, engagement).labeller
        stats = synthesize(engine, engagement, embedder, settings, progress=progress, rubric=rubric, labeller=labeller)
    except (RunAlreadyActive, RunNotClaimable) as exc:
        bar.close()
        typer.echo(f"Error: {exc}", err=True)
        raise typer.Exit(1) from exc
    finally:
        bar.close()
    comps = stats.get("components", {})
    themes = sum(c["themes"] for c in comps.values())
    other = sum(c["other"] for c in comps.values())
    typer.echo(f"Synthesis done: {stats['segments']} segments, {stats['embedded']} newly embedded, "
               f"{themes} themes in {len(comps)} components, {other} in other voices ({stats['seconds']:.1f}s).")


@app.command("import-csv")
def import_csv_cmd(
    engagement: int,
    file: Path,
    text_column: str = typer.Option(..., help="column holding the answer text"),
    component: Optional[str] = typer.Option(None, help="DM3 component id for every row"),
    component_column: Optional[str] = typer.Option(None, help="column naming each row's component"),
    id_column: Optional[str] = typer.Option(None, help="respondent id column (rows with one id are one person)"),
    department_column: Optional[str] = typer.Option(None),
    role_column: Optional[str] = typer.Option(None),
) -> None:
    """Import open-ended survey answers from FILE as evidence (all rows or none)."""
    from sqlmodel import Session

    from assistant.imports import CSVImportError, Mapping, import_csv
    from assistant.models import Engagement

    settings = get_settings()
    engine = _engine(settings)
    components = [c.id for c in get_rubric(str(settings.rubric_path)).components]
    if not file.is_file():
        typer.echo(f"Error: {file} is not a file.", err=True)
        raise typer.Exit(1)
    mapping = Mapping(text_column=text_column, component=component, component_column=component_column,
                      id_column=id_column, department_column=department_column, role_column=role_column)
    with Session(engine) as session:
        if session.get(Engagement, engagement) is None:
            typer.echo(f"Error: engagement {engagement} does not exist.", err=True)
            raise typer.Exit(1)
        try:
            record = import_csv(session, engagement, file.read_bytes(), file.name, mapping, components)
            session.commit()
        except CSVImportError as exc:
            session.rollback()
            typer.echo(f"Error: {exc}", err=True)
            raise typer.Exit(1) from exc
        typer.echo(f"Imported {record.rows} answers from {file.name} (import {record.id}); "
                   f"{record.mapping.get('non_answers', 0)} non-answers counted but not used. Run `dm3 synthesize {engagement}`.")


@app.command("themes")
def themes_cmd(
    input_csv: Path = typer.Argument(..., metavar="INPUT.csv"),
    text_column: str = typer.Option(..., help="column holding the text to cluster"),
    out: Path = typer.Option(..., help="where to write the JSON result"),
) -> None:
    """Cluster any CSV column into themes (no engagement needed); writes OUT.json."""
    import json

    from tqdm import tqdm

    from assistant.imports import CSVImportError
    from assistant.synthesis.csv_themes import themes_for_csv
    from assistant.embeddings import get_embedder

    if not input_csv.is_file():
        typer.echo(f"Error: {input_csv} is not a file.", err=True)
        raise typer.Exit(1)
    settings = get_settings()
    bar = tqdm(total=0, desc="Embedding", unit="rows")  # tqdm writes to stderr

    def on_total(n: int) -> None:
        bar.total = n
        bar.refresh()

    try:
        data = input_csv.read_bytes()
        embedder = get_embedder(settings.embedding_model, settings.embedding_batch_size)
        result = themes_for_csv(data, text_column, embedder, tick=bar.update, on_total=on_total)
    except CSVImportError as exc:
        bar.close()
        typer.echo(f"Error: {exc}", err=True)
        raise typer.Exit(1) from exc
    bar.close()
    summary = result.pop("summary")
    out.write_text(json.dumps(result, indent=1, ensure_ascii=False), encoding="utf-8")
    typer.echo(f"{summary['rows']} rows: {summary['themes']} themes, {summary['assigned']} assigned, "
               f"{summary['other_voices']} other voices, {summary['non_answers']} non-answers, "
               f"{summary['empty']} empty -> {out}")


@app.command("rate-evidence")
def rate_evidence_cmd(
    input_path: Path = typer.Argument(..., metavar="INPUT.json", help='{"component": id, "segments": [{"id", "participant", "text"}]}'),
    out: Path = typer.Option(..., "--out", help="where to write the proposal JSON"),
    engine: str = typer.Option("auto", help="auto (LLM if DM3_LLM_* is set, else offline), offline or llm"),
) -> None:
    """Rate one component from a file of evidence segments; write the proposal (status, level, citations)."""
    from assistant.engines import engines_for
    from assistant.rating.cli import rate_evidence, read_evidence_file

    settings = get_settings()
    try:
        evidence = read_evidence_file(input_path)
        # no engagement: the file's own names are bound into the redaction
        rater = engines_for(settings, None, get_rubric(str(settings.rubric_path)), None, choice=engine,
                            names=evidence.names).rater
        proposal = rate_evidence(evidence, rater, out)
    except ValueError as exc:
        typer.echo(f"Error: {exc}", err=True)
        raise typer.Exit(2) from exc
    level = proposal.level if proposal.level is not None else "-"
    typer.echo(f"{proposal.component}: {proposal.status}, level {level} ({proposal.engine}) -> {out}")
    if proposal.status == "failed":
        raise typer.Exit(1)


@app.command("rate")
def rate_cmd(
    engagement_id: int = typer.Argument(..., metavar="ENGAGEMENT"),
    engine: str = typer.Option("auto", help="auto (LLM if configured, else offline), offline or llm"),
    component: Optional[list[str]] = typer.Option(None, "--component", "-c", help="rate only these components"),
) -> None:
    """Propose a maturity level for each component of an engagement (stored for consultant review)."""
    from assistant.engines import engines_for
    from assistant.rating.run import propose_for_engagement
    from assistant.rubric import COMPONENT_IDS

    settings = get_settings()
    unknown = [c for c in component or [] if c not in COMPONENT_IDS]
    if unknown or engine not in ("auto", "offline", "llm"):
        typer.echo(f"Error: unknown component(s) {unknown} (use {list(COMPONENT_IDS)}) or engine {engine!r}", err=True)
        raise typer.Exit(2)
    try:
        db_engine = _engine(settings)
        rater = engines_for(settings, db_engine, get_rubric(str(settings.rubric_path)), engagement_id,
                            choice=engine).rater
        rows = propose_for_engagement(db_engine, engagement_id, rater, components=component or COMPONENT_IDS)
    except ValueError as exc:
        typer.echo(f"Error: {exc}", err=True)
        raise typer.Exit(2) from exc
    except (RunAlreadyActive, RunNotClaimable) as exc:
        typer.echo(f"Error: {exc}", err=True)
        raise typer.Exit(1) from exc
    for row in rows:
        level = row.level if row.level is not None else "-"
        extra = f"  ({row.error[:120]})" if row.error else ""
        typer.echo(f"{row.component:<24} {row.status:<22} level {level}  engine {row.engine}{extra}")
    typer.echo("Proposals await consultant review; nothing is final until a consultant decides.")


# --- logs: the LLM call log and the audit log (read-only) ----------------------------------

app.command("logs")(logs_cmd)
app.command("audit")(audit_cmd)


if __name__ == "__main__":
    app()
