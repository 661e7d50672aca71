"""``dm3 logs`` and ``dm3 audit``: the LLM call log and an engagement's audit log in a terminal.

``dm3 logs`` lists LLM calls newest first (``-n``, filters by engagement, task, outcome and
time), shows one call in full with ``--id``, or prints full rows (reply included) as JSON with
``--json``. ``dm3 audit ENGAGEMENT`` lists who did what, with the readable before -> after diff.
Both only read; formatting lives in ``assistant.llm.log`` and ``assistant.records.auditlog``.
"""

from __future__ import annotations

import json

import typer
from sqlalchemy.engine import Engine
from sqlmodel import Session

from assistant.config import get_settings
from assistant.db import make_engine, migrate
from assistant.llm.log import (
    OUTCOMES,
    CallFilter,
    LogQueryError,
    call_dict,
    detail,
    find_calls,
    listing,
    parse_since,
    tasks_logged,
    totals,
)
from assistant.models import Engagement, LLMCall
from assistant.records.auditlog import diff, event_dict, find_events, when


def _engine() -> Engine:
    settings = get_settings()
    migrate(settings.database_url)  # a fresh install answers "nothing logged yet", not a missing table
    return make_engine(settings.database_url)


def _fail(message: str, code: int = 2) -> typer.Exit:
    typer.echo(f"Error: {message}", err=True)
    return typer.Exit(code)


def logs_cmd(
    count: int = typer.Option(20, "-n", "--count", min=0, help="how many calls, newest first (0: all)"),
    engagement: int | None = typer.Option(None, "--engagement", "-e", help="only calls for this engagement"),
    task: str | None = typer.Option(None, "--task", "-t", help="only this task (e.g. rate_component, theme_label)"),
    outcome: str | None = typer.Option(None, "--outcome", "-o", help=f"only this outcome: {', '.join(OUTCOMES)}"),
    since: str | None = typer.Option(
        None, "--since", "-s", help="only calls since a time (2026-11-30T09:00, UTC) or an age (30m, 2h, 7d)"
    ),
    as_json: bool = typer.Option(False, "--json", help="full rows, reply text included, as a JSON list"),
    call_id: int | None = typer.Option(None, "--id", help="show this one call in full"),
) -> None:
    """Show the LLM call log: when, task, engagement, model, prompt version, tokens, latency, outcome."""
    with Session(_engine()) as session:
        if call_id is not None:
            call = session.get(LLMCall, call_id)
            if call is None:
                raise _fail(f"there is no LLM call {call_id}; `dm3 logs` lists the ids", 1)
            typer.echo(
                json.dumps(call_dict(call), indent=2, ensure_ascii=False) if as_json else "\n".join(detail(call))
            )
            return
        try:
            flt = CallFilter(
                engagement_id=engagement,
                task=task,
                outcome=outcome,
                since=parse_since(since) if since else None,
                limit=count,
            )
            calls, total = find_calls(session, flt)
        except LogQueryError as exc:
            raise _fail(str(exc)) from exc
        if as_json:
            typer.echo(json.dumps([call_dict(c) for c in calls], indent=2, ensure_ascii=False))
            return
        if not calls:
            filtered = any(v is not None for v in (engagement, task, outcome, since))
            typer.echo(
                "No LLM calls match these filters."
                if filtered
                else "No LLM calls logged yet (the offline engine makes none)."
            )
            known = tasks_logged(session)
            if task and known and task not in known:
                typer.echo(f"Tasks in the log: {', '.join(known)}")
            return
        for line in listing(calls):
            typer.echo(line)
        more = f" of {total} matching (use -n 0 for all)" if total > len(calls) else ""
        typer.echo(f"\n{len(calls)} call(s){more}; {totals(calls)}. `dm3 logs --id N` shows one call in full.")


def audit_cmd(
    engagement_id: int = typer.Argument(..., metavar="ENGAGEMENT"),
    action: str | None = typer.Option(None, "--action", "-a", help="an action (rating.change) or a family (rating)"),
    actor: str | None = typer.Option(
        None, "--actor", help="only what this actor did, as the log names them; 'participant' for all staff"
    ),
    count: int = typer.Option(50, "-n", "--count", min=0, help="how many events, newest first (0: all)"),
    as_json: bool = typer.Option(False, "--json", help="full events (before, after, changes) as a JSON list"),
) -> None:
    """Show an engagement's audit log: who did what, when, and what changed."""
    with Session(_engine()) as session:
        if session.get(Engagement, engagement_id) is None:
            raise _fail(f"engagement {engagement_id} does not exist (see the engagements page for ids)", 1)
        events = find_events(session, engagement_id, action or None, actor or None, limit=count or None)
        if as_json:
            typer.echo(json.dumps([event_dict(e) for e in events], indent=2, ensure_ascii=False))
            return
        if not events:
            typer.echo("No audit events match." if action or actor else "No audit events for this engagement yet.")
            return
        for event in events:
            entity = f"  {event.entity}" if event.entity else ""
            typer.echo(f"{when(event)}  {event.action}{entity}  by {event.actor or 'system'}")
            for change in diff(event.before, event.after):
                typer.echo(f"    {change.text()}")
