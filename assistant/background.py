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
    """{kind: handler} for every kind of run the web app queues (synthesis, rating, import, export)."""
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
        from assistant.report.export import embedder_for, run_export  # matplotlib, docx, weasyprint load here

        fmt = str(run.params.get("format", ""))
        run_export(db_engine, run.engagement_id, rubric, fmt, run.id, embedder=embedder_for(settings, fmt))

    return {"synthesis": synthesis, "rating": rating, "import": survey_import, "export": export}
