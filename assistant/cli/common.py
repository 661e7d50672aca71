"""What every ``dm3`` command shares: the Typer app, the migrated database engine, how a command fails."""

from __future__ import annotations

import math
import time
from typing import TYPE_CHECKING, NoReturn

import typer

from assistant.config import Settings, get_settings
from assistant.db import make_engine, migrate
from assistant.jobs.lifecycle import step_of

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


class ProgressLines:
    """A long command's progress as lines on stderr ("[ 42%] Embedding 3,200 of 10,000 sentences"), so it
    reads the same in a terminal, a log file and a CI job: a new step (its words, numbers left out, differ:
    ``jobs.lifecycle.step_of``) is always printed, counts within a step at most once every ``every`` seconds."""

    def __init__(self, every: float = 1.0) -> None:
        self.every = every
        self._last = -math.inf
        self._step = ""

    def __call__(self, fraction: float, message: str) -> None:
        step = step_of(message)
        now = time.monotonic()
        if step != self._step or now - self._last >= self.every:
            typer.echo(f"[{round(fraction * 100):3d}%] {message}", err=True)
            self._last, self._step = now, step
