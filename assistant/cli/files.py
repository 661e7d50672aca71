"""``dm3`` commands that work on files: rate evidence, decide probes, write the equity audit."""

from __future__ import annotations

from pathlib import Path

import typer

from assistant.cli.common import app, engagement_or_exit, fail, open_engine
from assistant.config import get_settings
from assistant.db import session_scope
from assistant.rubric import get_rubric


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
    from assistant.rating.evidence_file import rate_evidence, read_evidence_file

    settings = get_settings()
    try:
        evidence = read_evidence_file(input_path)
        # no engagement: the file's own names are bound into the redaction
        rater = engines_for(
            settings, None, get_rubric(str(settings.rubric_path)), None, choice=engine, names=evidence.names
        ).rater
        proposal = rate_evidence(evidence, rater, out)
    except ValueError as exc:
        fail(str(exc), 2)
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
        fail(str(exc), 2)
    write_outputs(out, decisions, many)
    probes = sum(d.action == "probe" for d in decisions)
    typer.echo(f"{len(decisions)} answer(s): {len(decisions) - probes} accepted, {probes} probed -> {out}")


@app.command("equity-audit")
def equity_audit_cmd(
    engagement: int,
    out: Path = typer.Option(..., "--out", help="the JSON file to write"),
    csv_out: Path | None = typer.Option(None, "--csv", help="also write the audit as one CSV table"),
) -> None:
    """Write ENGAGEMENT's equity audit (participation, themes, ratings, voices left out), small groups suppressed."""
    import json

    from assistant.equity.audit import audit_csv, build_audit

    settings = get_settings()
    with session_scope(open_engine(settings)) as session:
        found = engagement_or_exit(session, engagement)
        audit = build_audit(session, found, get_rubric(str(settings.rubric_path)))
    out.write_text(json.dumps(audit, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    typer.echo(
        f"Wrote {out}: {len(audit['participation'])} participation rows, {len(audit['themes'])} themes, "
        f"{len(audit['ratings'])} components, {len(audit['left_out'])} left-out entries."
    )
    if csv_out is not None:
        csv_out.write_text(audit_csv(audit), encoding="utf-8")
        typer.echo(f"Wrote {csv_out}.")


@app.command("catalogue")
def catalogue_cmd(
    input_path: Path = typer.Argument(
        ..., metavar="MENTIONS.json", help='[{"id": ..., "text": "accela permits"}, ...]'
    ),
    out: Path = typer.Option(..., "--out", help='where to write {"systems": [{"id", "name", "mentions"}]}'),
) -> None:
    """Group system mentions as staff wrote them into canonical systems (the engagement catalogue's rule)."""
    import json

    from assistant.dataflow.catalogue import catalogue_json, group, read_mentions

    try:
        mentions = read_mentions(input_path.read_bytes())
    except (OSError, ValueError) as exc:
        fail(f"{input_path}: {exc}", 2)
    systems = group(mentions)
    out.write_text(json.dumps(catalogue_json(systems), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    typer.echo(f"{len(mentions)} mentions -> {len(systems)} systems -> {out}")
