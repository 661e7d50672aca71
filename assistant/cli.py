"""The ``dm3`` command: serve, demo, migrate, users, engagements and the pipeline stages."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Optional

import typer

from assistant.config import Settings, get_settings
from assistant.db import make_engine, migrate, session_scope

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
    """Run the web app."""
    import uvicorn

    migrate(get_settings().database_url)
    uvicorn.run("assistant.app:create_app", factory=True, host=host, port=port, workers=workers, log_level="info")


@app.command("demo")
def demo(host: str = "127.0.0.1", port: int = 8000, serve_too: bool = typer.Option(True, "--serve/--no-serve")) -> None:
    """Seed a demo engagement (once), print the URLs and credentials, and serve the app."""
    from assistant.demo import seed_demo

    settings = get_settings()
    os.environ.setdefault("DM3_BASE_URL", f"http://{host}:{port}")
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
    typer.echo(f"  Engine: {settings.engine_name}; database: {settings.database_url}")
    typer.echo("")
    if serve_too:
        serve(host=host, port=port)


if __name__ == "__main__":
    app()
