"""What every ``dm3`` command shares: the Typer app, the migrated database engine, how a command fails."""

from __future__ import annotations

from typing import TYPE_CHECKING, NoReturn

import typer

from assistant.config import Settings, get_settings
from assistant.db import make_engine, migrate

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine
    from sqlmodel import Session

    from assistant.models import Engagement

app = typer.Typer(
    help="DM3 Assistant: data-modernization maturity assessment.", no_args_is_help=True, add_completion=False
)


def open_engine(settings: Settings | None = None) -> Engine:
    """The database engine for ``settings``, its schema upgraded first (a command never meets an old schema)."""
    settings = settings or get_settings()
    migrate(settings.database_url)
    return make_engine(settings.database_url)


def fail(message: str, code: int = 1) -> NoReturn:
    """Print ``Error: message`` on stderr and exit with ``code``: 1 for a wrong state or input, 2 for a bad
    file or option (the shell sees which)."""
    typer.echo(f"Error: {message}", err=True)
    raise typer.Exit(code)


def engagement_or_exit(session: Session, engagement_id: int) -> Engagement:
    """The engagement ``engagement_id``; a command given an unknown id exits 1 with a message, never a traceback."""
    from assistant.models import Engagement

    found = session.get(Engagement, engagement_id)
    if found is None:
        fail(f"there is no engagement {engagement_id} (see the engagements page for ids).")
    return found
