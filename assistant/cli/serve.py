"""``dm3 serve`` and ``dm3 demo``: run the web app (the demo seeds its engagements first)."""

from __future__ import annotations

import os
from pathlib import Path

import typer

from assistant.cli.common import app, fail, open_engine
from assistant.config import get_settings
from assistant.db import migrate, session_scope


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
        fail(str(exc))
    migrate(settings.database_url)
    uvicorn.run("assistant.web.app:create_app", factory=True, host=host, port=port, workers=workers, log_level="info")


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
    from assistant.demo.completed import ensure_completed, seed_completed
    from assistant.demo.seed import DEMO_REVIEWER_EMAIL, seed_demo

    os.environ.setdefault("DM3_BASE_URL", f"http://{host}:{port}")
    if not os.environ.get("DM3_SECRET_KEY"):
        # the demo keeps its own signing secret in var/ (0600), the same across restarts
        os.environ["DM3_SECRET_KEY"] = demo_secret_key(Path("var"))
    get_settings.cache_clear()
    settings = get_settings()
    base = f"http://{host}:{port}"
    engine = open_engine(settings)
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
