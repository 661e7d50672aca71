"""``dm3 compare``: what changed between two assessments of one organisation, as JSON."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from assistant.cli.common import app, engagement_or_exit, fail, open_engine
from assistant.config import get_settings
from assistant.db import session_scope
from assistant.rubric import get_rubric


@app.command("compare")
def compare_cmd(
    engagement_a: int = typer.Argument(..., metavar="ENGAGEMENT_A"),
    engagement_b: int = typer.Argument(..., metavar="ENGAGEMENT_B"),
    out: Path = typer.Option(..., "--out", help='where to write {"levels", "themes", "roadmap", "questions"}'),
) -> None:
    """Compare two assessments of one organisation (either order: the earlier is "a"): decided levels,
    matched themes with what changed (people under the later assessment's k are null), the roadmap, and
    per question asked in both the share of answers supporting each indicator then and now with its
    effect size (Cohen's h; null where suppressed)."""
    from assistant.views.followup import compare_json, comparison_of

    settings = get_settings()
    with session_scope(open_engine(settings)) as session:
        a, b = engagement_or_exit(session, engagement_a), engagement_or_exit(session, engagement_b)
        if a.id == b.id or a.organisation_id is None or a.organisation_id != b.organisation_id:
            fail("the two engagements are not assessments of one organisation (start a follow-up from the first).")
        rubric = get_rubric(str(settings.rubric_path))
        comparison, _noise = comparison_of(session, a, b, rubric)
        data = compare_json(session, comparison, rubric)
    out.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    changed = sum(1 for t in data["themes"] if t["change"] != "same")
    typer.echo(
        f"Wrote {out}: {len(data['levels'])} components, {len(data['themes'])} theme rows ({changed} changed), "
        f"{len(data['roadmap'])} roadmap items, {len(data['questions'])} question rows."
    )
