"""The ``dm3`` command: serve, demo, migrate, users, engagements, the pipeline stages and the logs."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from assistant.config import Settings, get_settings
from assistant.db import make_engine, migrate, session_scope
from assistant.jobs import RunAlreadyActive, RunNotClaimable
from assistant.logs_cli import audit_cmd, logs_cmd
from assistant.report.cli import export_cmd
from assistant.rubric import get_rubric

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine
    from sqlmodel import Session

    from assistant.models import User

app = typer.Typer(
    help="DM3 Assistant: data-modernization maturity assessment.", no_args_is_help=True, add_completion=False
)


def _engine(settings: Settings | None = None) -> Engine:
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
    password: str = typer.Option(
        ..., prompt=True, hide_input=True, confirmation_prompt=True, envvar="DM3_NEW_USER_PASSWORD"
    ),
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
    roster: Path | None = typer.Option(None, help="CSV of department,role_level,count"),
    invites: Path | None = typer.Option(None, help="CSV of department,role_level[,email] to invite"),
    open_link: bool = typer.Option(False, help="also enable the open link where staff pick their group"),
    lead: str | None = typer.Option(None, help="email of the consultant account that leads it (sees it on the web)"),
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
            lead_user = _lead_account(session, lead) if lead else None
            engagement = create_engagement(session, organisation, department, roster=counts, user=lead_user)
            if lead_user is None:
                typer.echo("No --lead given: add a lead with `dm3 add-member ENGAGEMENT EMAIL --role lead`.")
            typer.echo(f"Engagement {engagement.id}: {engagement.organisation}")
            if open_link:
                token = enable_open_link(session, engagement, True)
                typer.echo(f"Open link: {settings.base_url}/join/{token}")
            if invites:
                with invites.open("rb") as invite_file:  # read in chunks, never whole
                    created = import_invites_csv(session, engagement, invite_file)
                for invite in created:
                    p = invite.participant
                    typer.echo(f"{p.department},{p.role_level},{p.email or ''},{settings.base_url}/i/{invite.token}")
    except EngagementError as exc:
        typer.echo("Error: " + str(exc), err=True)
        for problem in exc.problems:
            typer.echo(f"  - {problem}", err=True)
        raise typer.Exit(1) from exc


def _lead_account(session: Session, email: str) -> User:
    """The consultant account that will lead a new engagement; exits with a message when there is none."""
    from sqlmodel import select

    from assistant.models import User

    user = session.exec(select(User).where(User.email == email.strip().lower())).first()
    if user is None or user.role != "consultant":
        typer.echo(f"Error: {email} is not a consultant account. Create it first: dm3 create-user {email}", err=True)
        raise typer.Exit(1)
    return user


@app.command("add-member")
def add_member_cmd(
    engagement: int,
    email: str,
    role: str = typer.Option("consultant", help="lead, consultant or equity_reviewer"),
) -> None:
    """Put EMAIL on ENGAGEMENT's team (or change their role); a new account gets a one-time set-password link."""
    from assistant.models import Engagement
    from assistant.teams import TeamError, add_member

    settings = get_settings()
    with session_scope(_engine(settings)) as session:
        found = session.get(Engagement, engagement)
        if found is None:
            typer.echo(f"Error: there is no engagement {engagement}.", err=True)
            raise typer.Exit(1)
        try:
            added = add_member(session, found, email, role, None)
        except TeamError as exc:
            typer.echo(f"Error: {exc}", err=True)
            raise typer.Exit(1) from exc
        typer.echo(f"{added.user.email} is on engagement {engagement} as {added.membership.role}.")
        if added.setup_token:
            typer.echo(
                f"New account. Set-password link (shown once, works once, 7 days): "
                f"{settings.base_url}/set-password/{added.setup_token}"
            )


@app.command("equity-audit")
def equity_audit_cmd(
    engagement: int,
    out: Path = typer.Option(..., "--out", help="the JSON file to write"),
    csv_out: Path | None = typer.Option(None, "--csv", help="also write the audit as one CSV table"),
) -> None:
    """Write ENGAGEMENT's equity audit (participation, themes, ratings, voices left out), small groups suppressed."""
    import json

    from assistant.equity.audit import audit_csv, build_audit
    from assistant.models import Engagement
    from assistant.rubric import get_rubric

    settings = get_settings()
    with session_scope(_engine(settings)) as session:
        found = session.get(Engagement, engagement)
        if found is None:
            typer.echo(f"Error: there is no engagement {engagement}.", err=True)
            raise typer.Exit(1)
        audit = build_audit(session, found, get_rubric(str(settings.rubric_path)))
    out.write_text(json.dumps(audit, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    typer.echo(
        f"Wrote {out}: {len(audit['participation'])} participation rows, {len(audit['themes'])} themes, "
        f"{len(audit['ratings'])} components, {len(audit['left_out'])} left-out entries."
    )
    if csv_out is not None:
        csv_out.write_text(audit_csv(audit), encoding="utf-8")
        typer.echo(f"Wrote {csv_out}.")


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
def demo(
    host: str = "127.0.0.1",
    port: int = 8000,
    serve_too: bool = typer.Option(True, "--serve/--no-serve"),
    completed_too: bool = typer.Option(
        True, "--completed/--no-completed", help="also seed the second, completed engagement with its report"
    ),
) -> None:
    """Seed a demo engagement (once), print the URLs and credentials, and serve the app."""
    import threading

    from assistant.config import demo_secret_key
    from assistant.demo import DEMO_REVIEWER_EMAIL, seed_demo
    from assistant.demo_completed import ensure_completed, seed_completed

    os.environ.setdefault("DM3_BASE_URL", f"http://{host}:{port}")
    if not os.environ.get("DM3_SECRET_KEY"):
        # the demo keeps its own signing secret in var/ (0600), the same across restarts
        os.environ["DM3_SECRET_KEY"] = demo_secret_key(Path("var"))
    get_settings.cache_clear()
    settings = get_settings()
    base = f"http://{host}:{port}"
    engine = _engine(settings)
    with session_scope(engine) as session:
        info = seed_demo(session, settings)
    completed, finished = ensure_completed(engine) if completed_too else (None, False)
    if completed is not None and not finished:
        if serve_too:
            # synthesis and rating run for real (about a minute): the server starts meanwhile
            threading.Thread(
                target=seed_completed, args=(engine, settings), name="dm3-demo-completed", daemon=True
            ).start()
        else:
            typer.echo("Seeding the completed demo engagement (interviews, synthesis, rating, decisions, roadmap)...")
            finished = seed_completed(engine, settings) is not None
    typer.echo("")
    typer.echo("DM3 Assistant demo is ready.")
    typer.echo(f"  Consultant login:  {base}/login")
    typer.echo(f"    email:    {info.email}")
    typer.echo(f"    password: {info.password}")
    typer.echo(f"  Equity reviewer login (same page and password): {DEMO_REVIEWER_EMAIL}")
    typer.echo(f"  Engagement:        {base}/engagements/{info.engagement_id}  (in progress: try the buttons)")
    if completed is not None:
        typer.echo(
            f"  Completed engagement, its report: {base}/engagements/{completed}/report"
            f"  (roadmap: {base}/engagements/{completed}/roadmap)"
            + (
                ""
                if finished
                else "\n    (being prepared in the background: interviews, synthesis, rating, "
                "decisions, roadmap; about a minute)"
            )
        )
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
    from sqlmodel import Session

    from assistant.models import Engagement

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
    from sqlmodel import Session

    from assistant.imports import UNKNOWN, CSVImportError, Mapping, import_in_background, unknown_groups
    from assistant.models import Engagement

    settings = get_settings()
    engine = _engine(settings)
    components = [c.id for c in get_rubric(str(settings.rubric_path)).components]
    if not file.is_file():
        typer.echo(f"Error: {file} is not a file.", err=True)
        raise typer.Exit(1)
    with Session(engine) as session:
        row = session.get(Engagement, engagement)
        if row is None:
            typer.echo(f"Error: engagement {engagement} does not exist.", err=True)
            raise typer.Exit(1)
        departments, roles = list(row.departments), list(row.role_levels)

    def pairs(values: list[str], allowed: list[str], what: str) -> dict[str, str]:
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

    mapping = Mapping(
        text_column=text_column,
        component=component,
        component_column=component_column,
        id_column=id_column,
        department_column=department_column,
        role_column=role_column,
        department_map=pairs(map_department, departments, "department"),
        role_map=pairs(map_role, roles, "role"),
    )
    data = file.read_bytes()
    try:
        new_departments, new_roles = unknown_groups(data, mapping, departments, roles)
        if new_departments or new_roles:
            lines = [f'  --map-department "{v}=..."' for v in new_departments] + [
                f'  --map-role "{v}=..."' for v in new_roles
            ]
            raise CSVImportError(
                "Nothing was imported: the file has departments or role levels this engagement does "
                "not have. Map each to one of the engagement's, or to unknown:\n" + "\n".join(lines)
            )
        stats = import_in_background(engine, engagement, data, file.name, mapping, components)
    except CSVImportError as exc:
        typer.echo(f"Error: {exc}", err=True)
        raise typer.Exit(1) from exc
    typer.echo(
        f"Imported {stats['rows']} answers from {file.name} (import {stats['import_id']}); "
        f"{stats['non_answers']} non-answers counted but not used. Run `dm3 synthesize {engagement}`."
    )


@app.command("themes")
def themes_cmd(
    input_csv: Path = typer.Argument(..., metavar="INPUT.csv"),
    text_column: str = typer.Option(..., help="column holding the text to cluster"),
    out: Path = typer.Option(..., help="where to write the JSON result"),
) -> None:
    """Cluster any CSV column into themes (no engagement needed); writes OUT.json."""
    import json

    from tqdm import tqdm

    from assistant.embeddings import get_embedder
    from assistant.imports import CSVImportError
    from assistant.synthesis.csv_themes import themes_for_csv

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
    typer.echo(
        f"{summary['rows']} rows: {summary['themes']} themes ({summary['subthemes']} sub-themes), "
        f"{summary['assigned']} assigned, "
        f"{summary['other_voices']} other voices, {summary['non_answers']} non-answers, "
        f"{summary['empty']} empty -> {out}"
    )


@app.command("rate-evidence")
def rate_evidence_cmd(
    input_path: Path = typer.Argument(
        ..., metavar="INPUT.json", help='{"component": id, "segments": [{"id", "participant", "text"}]}'
    ),
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
        rater = engines_for(
            settings, None, get_rubric(str(settings.rubric_path)), None, choice=engine, names=evidence.names
        ).rater
        proposal = rate_evidence(evidence, rater, out)
    except ValueError as exc:
        typer.echo(f"Error: {exc}", err=True)
        raise typer.Exit(2) from exc
    level = proposal.level if proposal.level is not None else "-"
    typer.echo(f"{proposal.component}: {proposal.status}, level {level} ({proposal.engine}) -> {out}")
    if proposal.status == "failed":
        raise typer.Exit(1)


@app.command("probe")
def probe_cmd(
    input_path: Path = typer.Argument(
        ..., metavar="INPUT.json", help='{"role_level", "component", "question", "follow_up", "answer"} or a list'
    ),
    out: Path = typer.Option(..., "--out", help="where to write {action, reason, message} (a list for a list)"),
    model: bool = typer.Option(True, "--model/--no-model", help="use the embedding model for the off-topic rule"),
) -> None:
    """The interviewer's decision for answers in a file: accept, or which follow-up (the web chat's rule)."""
    from assistant.interview.probe_file import decide_all, read_inputs, write_outputs

    settings = get_settings()
    rubric = get_rubric(str(settings.rubric_path))
    try:
        inputs, many = read_inputs(input_path)
        relate = None
        if model and settings.interview_relatedness and inputs:
            from assistant.interview.relatedness import Relatedness, answer_encoder

            # the encoder the web chat uses (DM3_INTERVIEW_ENCODER), so the file gets the chat's decisions
            relate = Relatedness(
                answer_encoder(
                    settings.embedding_model,
                    settings.embedding_batch_size,
                    settings.interview_encoder,
                    settings.model_cache_dir,
                )
            )
        decisions = decide_all(inputs, rubric, relate, settings.max_probes_per_question)
    except ValueError as exc:
        typer.echo(f"Error: {exc}", err=True)
        raise typer.Exit(2) from exc
    write_outputs(out, decisions, many)
    probes = sum(d.action == "probe" for d in decisions)
    typer.echo(f"{len(decisions)} answer(s): {len(decisions) - probes} accepted, {probes} probed -> {out}")


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
        typer.echo(f"Error: unknown component(s) {unknown} (use {list(COMPONENT_IDS)}) or engine {engine!r}", err=True)
        raise typer.Exit(2)
    try:
        db_engine = _engine(settings)
        rater = engines_for(
            settings, db_engine, get_rubric(str(settings.rubric_path)), engagement_id, choice=engine
        ).rater
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
# --- report and exports (issue 18) ---------------------------------------------------------

app.command("export")(export_cmd)


if __name__ == "__main__":
    app()
