"""Reading the LLM call log: every ``LLMCall`` row the port wrote, filtered and made readable.

The port (``assistant/llm/client.py``) writes one row per attempt; this module only reads them, for
``dm3 logs``: a one-line summary per call (when, task, engagement, model, prompt name and version,
tokens, latency, outcome, error), the full record of one call (with the reply text), and the
plain-data form ``--json`` prints. Rows come newest first, as a reader looking for the call that
just went wrong expects.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from sqlmodel import Session, col, func, select
from sqlmodel.sql.expression import Select, SelectOfScalar

from assistant.models import LLMCall, as_utc

_Query = TypeVar("_Query", Select, SelectOfScalar)
OUTCOMES = ("ok", "invalid", "failed", "cached")
VERSION_CHARS = 12  # the prompt version shown is the first 12 hex characters of its hash, as in the UI
_RELATIVE = re.compile(r"^\s*(\d+)\s*([mhdw])\s*$", re.IGNORECASE)
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


class LogQueryError(ValueError):
    """A filter that cannot be applied; the message says what to write instead."""


@dataclass(frozen=True)
class CallFilter:
    """Which calls to show. ``limit`` 0 means all of them."""

    engagement_id: int | None = None
    task: str | None = None
    outcome: str | None = None
    since: datetime | None = None
    limit: int = 20


def parse_since(text: str, now: datetime | None = None) -> datetime:
    """The aware UTC time ``text`` names: an ISO date or time (``2026-11-30``, ``2026-11-30T09:00``,
    read as UTC when it has no offset) or an age (``30m``, ``2h``, ``7d``, ``1w`` before ``now``).

    Raises ``LogQueryError`` for anything else, so a typo never silently shows every call.
    """
    now = now or datetime.now(UTC)
    match = _RELATIVE.match(text)
    if match:
        return now - timedelta(**{_UNITS[match.group(2).lower()]: int(match.group(1))})
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise LogQueryError(
            f"--since {text!r}: use a date or time (2026-11-30, 2026-11-30T09:00) or an age (30m, 2h, 7d, 1w)"
        ) from None
    return as_utc(moment)


def _where(query: _Query, flt: CallFilter) -> _Query:
    if flt.outcome is not None and flt.outcome not in OUTCOMES:
        raise LogQueryError(f"--outcome {flt.outcome!r}: use one of {', '.join(OUTCOMES)}")
    if flt.engagement_id is not None:
        query = query.where(LLMCall.engagement_id == flt.engagement_id)
    if flt.task:
        query = query.where(LLMCall.task == flt.task)
    if flt.outcome:
        query = query.where(LLMCall.outcome == flt.outcome)
    if flt.since is not None:
        query = query.where(LLMCall.created_at >= flt.since)
    return query


def find_calls(session: Session, flt: CallFilter) -> tuple[list[LLMCall], int]:
    """(the matching calls newest first, at most ``flt.limit`` unless it is 0; how many match in all)."""
    total = session.exec(_where(select(func.count()).select_from(LLMCall), flt)).one()
    query = _where(select(LLMCall), flt).order_by(col(LLMCall.id).desc())
    if flt.limit > 0:
        query = query.limit(flt.limit)
    return list(session.exec(query).all()), int(total)


def tasks_logged(session: Session) -> list[str]:
    """The task names that appear in the log, sorted (to suggest when a ``--task`` matches nothing)."""
    return sorted(session.exec(select(LLMCall.task).distinct()).all())


def when(call: LLMCall) -> str:
    """The call's time as ``2026-11-30 09:42:07 UTC``."""
    return as_utc(call.created_at).strftime("%Y-%m-%d %H:%M:%S UTC")


def version(call: LLMCall) -> str:
    """The prompt version: the first 12 characters of the prompt hash."""
    return (call.prompt_hash or "")[:VERSION_CHARS]


def call_dict(call: LLMCall) -> dict[str, Any]:
    """Every field of the row as plain JSON data (times in ISO UTC), plus the short prompt version."""
    data = call.model_dump(mode="json")
    data["created_at"] = as_utc(call.created_at).isoformat()
    data["prompt_version"] = version(call)
    return data


HEADER = ("id", "when (UTC)", "task", "eng", "model", "prompt@version", "tokens in/out", "ms", "outcome")


def summary_row(call: LLMCall) -> tuple[str, ...]:
    """The cells of one call's line in the listing (see ``HEADER``)."""
    return (
        str(call.id),
        as_utc(call.created_at).strftime("%Y-%m-%d %H:%M:%S"),
        call.task,
        "-" if call.engagement_id is None else str(call.engagement_id),
        call.model,
        f"{call.prompt_name}@{version(call)}",
        f"{call.tokens_in}/{call.tokens_out}",
        f"{call.latency_ms:.0f}",
        call.outcome + (f" (try {call.attempt})" if call.attempt > 1 else ""),
    )


def _one_line(text: str, limit: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def listing(calls: list[LLMCall], error_width: int = 160) -> list[str]:
    """The listing as text lines: a header, one aligned line per call, and under a call that went
    wrong its error on an indented line (cut to ``error_width`` characters; ``--id`` shows it whole)."""
    rows = [HEADER] + [summary_row(c) for c in calls]
    widths = [max(len(r[i]) for r in rows) for i in range(len(HEADER))]
    right = {0, 3, 6, 7}  # numbers line up on the right

    def fmt(cells: tuple[str, ...]) -> str:
        return "  ".join(
            c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    lines = [fmt(HEADER)]
    for call, row in zip(calls, rows[1:], strict=True):
        lines.append(fmt(row))
        if call.error:
            lines.append("    error: " + _one_line(call.error, error_width))
    return lines


def totals(calls: list[LLMCall]) -> str:
    """One line summing what the listed calls cost: tokens in and out, and time spent waiting."""
    tokens_in = sum(c.tokens_in for c in calls)
    tokens_out = sum(c.tokens_out for c in calls)
    seconds = sum(c.latency_ms for c in calls) / 1000.0
    return f"tokens in {tokens_in:,}, out {tokens_out:,}; {seconds:.1f}s waiting for the model"


def detail(call: LLMCall) -> list[str]:
    """Every field of one call as ``name: value`` lines, then its reply in full (JSON indented)."""
    fields = [
        ("call", str(call.id)),
        ("when", when(call)),
        ("task", call.task),
        ("engagement", "-" if call.engagement_id is None else str(call.engagement_id)),
        ("model", call.model),
        ("prompt", f"{call.prompt_name} version {version(call)}"),
        ("prompt hash", call.prompt_hash),
        ("request hash", call.request_hash),
        ("attempt", str(call.attempt)),
        ("outcome", call.outcome),
        ("tokens", f"{call.tokens_in} in, {call.tokens_out} out"),
        ("latency", f"{call.latency_ms:.0f} ms"),
    ]
    if call.error:
        fields.append(("error", call.error))
    width = max(len(name) for name, _ in fields)
    lines = [f"{name.ljust(width)}  {value}" for name, value in fields]
    lines.append("")
    lines.append("response:" if call.response else "response: (none: the call got no reply)")
    if call.response:
        lines.append(pretty_response(call.response))
    return lines


def pretty_response(text: str) -> str:
    """The reply as sent, or indented when it is a JSON object or list (easier to read, same data)."""
    try:
        data = json.loads(text)
    except ValueError:
        return text
    if not isinstance(data, (dict, list)):
        return text
    return json.dumps(data, indent=2, ensure_ascii=False)
