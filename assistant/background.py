"""The work behind each kind of queued run, built from the Run row alone.

A run queued by one process may be taken by any process's worker (``assistant.jobs.Jobs``), so
its work cannot be a closure of the request that queued it: each handler here rebuilds what the
stage needs (engines from the seam, the embedder, an import's file and mapping, an export's format)
from the settings, the engagement id, the run's ``started_by`` and its ``params``, and calls the
stage with ``run_id`` so the stage claims the run.
"""

from __future__ import annotations

from sqlalchemy.engine import Engine

from assistant.config import Settings
from assistant.jobs import Handler
from assistant.models import Run
from assistant.rubric import Rubric, get_rubric


def handlers(settings: Settings, db_engine: Engine, rubric: Rubric | None = None) -> dict[str, Handler]:
    """{kind: handler} for every kind of run the web app queues (synthesis, rating, import, export,
    compare: the re-run noise a comparison of two assessments states)."""
    rubric = rubric or get_rubric(str(settings.rubric_path))

    def synthesis(run: Run) -> None:
        from assistant.embeddings import get_embedder
        from assistant.engines import engines_for
        from assistant.synthesis.run import synthesize

        embedder = get_embedder(settings.embedding_model, settings.embedding_batch_size)
        labeller = engines_for(settings, db_engine, rubric, run.engagement_id).labeller
        synthesize(
            db_engine, run.engagement_id, embedder, settings=settings, run_id=run.id, rubric=rubric, labeller=labeller
        )

    def rating(run: Run) -> None:
        from assistant.embeddings import get_embedder
        from assistant.engines import engines_for
        from assistant.rating.run import propose_for_engagement

        rater = engines_for(settings, db_engine, rubric, run.engagement_id).rater
        embedder = get_embedder(settings.embedding_model, settings.embedding_batch_size)  # the duplicate check's
        propose_for_engagement(
            db_engine, run.engagement_id, rater, started_by=run.started_by, run_id=run.id, embedder=embedder
        )

    def survey_import(run: Run) -> None:
        from assistant.records.imports import run_queued_import

        run_queued_import(db_engine, run, [c.id for c in rubric.components])

    def export(run: Run) -> None:
        export_run(settings, db_engine, rubric, run)

    def compare(run: Run) -> None:
        """The re-run noise of the engagement's answers (``stability.measure``), kept in the run's stats
        for the comparison page to state and use as its margin."""
        from assistant.db import session_scope
        from assistant.embeddings import get_embedder
        from assistant.jobs import track_run
        from assistant.stability import measure

        embedder = get_embedder(settings.embedding_model, settings.embedding_batch_size)
        with track_run(db_engine, run.engagement_id, "compare", run_id=run.id) as tracker:
            with session_scope(db_engine) as session:
                noise = measure(session, run.engagement_id, [c.id for c in rubric.components], embedder)
            tracker.done(noise.as_stats(), f"Re-run noise measured on {noise.themes} themes")

    return {
        "synthesis": synthesis,
        "rating": rating,
        "import": survey_import,
        "export": export,
        "compare": compare,
    }


def export_run(settings: Settings, db_engine: Engine, rubric: Rubric, run: Run) -> None:
    """An export run: the format its params name, readiness quotes checked by the embedder, the executive
    summary reworded by the engagement's LLM when one is configured (``engines.summary_writer``)."""
    from assistant.engines import engines_for
    from assistant.report.export import embedder_for, run_export  # matplotlib, docx, weasyprint load here

    fmt = str(run.params.get("format", ""))
    writer = engines_for(settings, db_engine, rubric, run.engagement_id).summary_writer
    run_export(db_engine, run.engagement_id, rubric, fmt, run.id, embedder=embedder_for(settings, fmt), writer=writer)
