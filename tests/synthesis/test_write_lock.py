"""Synthesis computes before it writes: while a component's themes are being drafted (clustered, named,
key phrases encoded) the database takes other writers' writes at once. On SQLite (one writer at a
time) a run that archived last run's themes first held the write lock through all of its computing, so
a staff answer saved meanwhile waited out the busy timeout and failed with "database is locked"."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sqlalchemy import func
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, col, create_engine, select

from assistant.embeddings import Embedder
from assistant.interview.closing import withdraw
from assistant.models import Interview, Participant, Segment, Theme, Turn
from assistant.synthesis import curation
from assistant.synthesis.run import synthesize
from tests.synthesis.seed import seed

BUSY_TIMEOUT_S = 0.2  # another writer's patience: far below the run's computing time


class AnswersWhileEncoding(Embedder):
    """The real embedder (its model shared, not loaded again) under a cache name of its own, so the run
    encodes every key phrase afresh, inside each component's work. Before each encode it saves one staff
    answer through its own connection and records whether the database took it within ``BUSY_TIMEOUT_S``."""

    def __init__(self, real: Embedder, database_url: str, interview_id: int) -> None:
        self.real = real
        self.model_name = f"{real.model_name}+answers-while-encoding"
        self.dim = real.dim
        self.batch_size = real.batch_size
        self.interview_id = interview_id
        self.saved: list[str] = []
        self.refused: list[str] = []
        if make_url(database_url).get_backend_name() == "sqlite":
            args: dict[str, object] = {"timeout": BUSY_TIMEOUT_S}
        else:  # PostgreSQL: a row or table lock waited on past the same patience is an error too
            args = {"options": f"-c lock_timeout={int(BUSY_TIMEOUT_S * 1000)}"}
        self.other = create_engine(database_url, connect_args=args)

    def encode(self, texts: Sequence[str], progress: bool = False) -> np.ndarray:
        """The real vectors of ``texts``, after one staff answer was saved (or refused) meanwhile."""
        answer = f"An answer saved while the run encoded {len(texts)} texts ({len(self.saved) + len(self.refused)})."
        try:
            with Session(self.other) as other:
                other.add(Turn(interview_id=self.interview_id, role="staff", kind="answer", component="x", text=answer))
                other.commit()
            self.saved.append(answer)
        except OperationalError as err:
            self.refused.append(str(err.orig))
        return self.real.encode(texts, progress)


def test_staff_answers_are_saved_at_once_while_a_rerun_drafts_its_themes(settings, engine, session, embedder, rubric):
    data = seed(session)
    first = synthesize(engine, data.engagement.id, embedder, rubric=rubric)
    # the consultant curated a theme and one of its people withdrew: the re-run also rewrites that theme
    session.expire_all()
    theme = session.exec(
        select(Theme).where(Theme.run_id == first["run_id"], col(Theme.is_other).is_(False)).order_by(Theme.id)
    ).first()
    curation.rename(session, theme.id, "Renamed by the consultant")
    leaving = session.get(Segment, curation.member_ids(session, theme.id)[0]).participant_id
    withdraw(
        session,
        session.get(Participant, leaving),
        session.exec(select(Interview).where(Interview.participant_id == leaving)).first(),
    )
    session.commit()
    # someone is answering their interview while the consultant re-runs synthesis
    staff = Participant(engagement_id=data.engagement.id, department="Parks", role_level="frontline")
    session.add(staff)
    session.flush()
    interview = Interview(participant_id=staff.id)
    session.add(interview)
    session.commit()

    answering = AnswersWhileEncoding(embedder, settings.database_url, interview.id)
    second = synthesize(engine, data.engagement.id, answering, rubric=rubric)
    answering.other.dispose()

    # the re-run replaced last run's themes (its first write in each component) and encoded its key phrases
    # inside each component's work, with the answers being saved meanwhile
    assert second["phrases_embedded"] > 0
    session.expire_all()
    assert (
        session.exec(select(Theme).where(Theme.run_id == first["run_id"], col(Theme.archived).is_(False))).all() == []
    )
    curated = session.get(Theme, theme.id)
    assert curated.label == "Renamed by the consultant" and curated.run_id == second["run_id"]
    assert curated.changes["removed"] == 1  # the withdrawn person's answer left it in the same transaction
    assert answering.refused == []
    assert len(answering.saved) > 2  # the segments', the components' and at least one component's phrases
    saved = session.exec(select(func.count()).select_from(Turn).where(Turn.interview_id == interview.id)).one()
    assert saved == len(answering.saved)
