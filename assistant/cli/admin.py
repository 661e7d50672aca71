"""``dm3`` commands that set things up: the schema, accounts, engagements and their teams."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from assistant.cli.common import app, engagement_or_exit, fail, open_engine
from assistant.config import get_settings
from assistant.db import migrate, session_scope

if TYPE_CHECKING:
    from sqlmodel import Session

    from assistant.models import User


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
    from assistant.records.accounts import AccountError, create_user

    try:
        with session_scope(open_engine()) as session:
            user = create_user(session, email, password, role=role, name=name)
            typer.echo(f"Created {user.role} {user.email}")
    except AccountError as exc:
        fail(str(exc))


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

    from assistant.records.engagements import EngagementError, create_engagement, enable_open_link, import_invites_csv

    settings = get_settings()
    counts: dict[tuple[str, str], int] = {}
    if roster:
        for row in csv.reader(roster.read_text(encoding="utf-8-sig").splitlines()):
            if len(row) == 3 and row[2].strip().isascii() and row[2].strip().isdigit():  # "²" is a digit to Python
                counts[(row[0].strip(), row[1].strip())] = int(row[2])
    try:
        with session_scope(open_engine(settings)) as session:
            lead_user = _lead_account(session, lead) if lead else None
            engagement = create_engagement(
                session,
                organisation,
                department,
                roster=counts,
                user=lead_user,
                invite_ttl_days=settings.invite_ttl_days,
            )
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
        fail(f"{email} is not a consultant account. Create it first: dm3 create-user {email}")
    return user


@app.command("add-member")
def add_member_cmd(
    engagement: int,
    email: str,
    role: str = typer.Option("consultant", help="lead, consultant or equity_reviewer"),
) -> None:
    """Put EMAIL on ENGAGEMENT's team (or change their role); a new account gets a one-time set-password link."""
    from assistant.records.teams import TeamError, add_member

    settings = get_settings()
    with session_scope(open_engine(settings)) as session:
        found = engagement_or_exit(session, engagement)
        try:
            added = add_member(session, found, email, role, None)
        except TeamError as exc:
            fail(str(exc))
        typer.echo(f"{added.user.email} is on engagement {engagement} as {added.membership.role}.")
        if added.setup_token:
            typer.echo(
                f"New account. Set-password link (shown once, works once, 7 days): "
                f"{settings.base_url}/set-password/{added.setup_token}"
            )
