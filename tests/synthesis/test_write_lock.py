"""Synthesis computes before it writes: while a component's themes are being drafted (clustered, named,
key phrases encoded) the database takes other writers' writes at once. On SQLite (one writer at a
time) a run that archived last run's themes first held the write lock through all of its computing, so
a staff answer saved meanwhile waited out the busy timeout and failed with "database is locked"."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from sqlalchemy import func
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, col, create_engine, select

from assistant.embeddings import Embedder
from assistant.interview.closing import withdraw
from assistant.models import Interview, Participant, Segment, Theme, ThemeMember, Turn
from assistant.records.imports import ImportFile, Mapping, import_csv
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

    def encode(self, texts: Sequence[str], progress: bool = False, counted=None) -> np.ndarray:
        """The real vectors of ``texts``, after one staff answer was saved (or refused) meanwhile."""
        answer = f"An answer saved while the run encoded {len(texts)} texts ({len(self.saved) + len(self.refused)})."
        try:
            with Session(self.other) as other:
                other.add(Turn(interview_id=self.interview_id, role="staff", kind="answer", component="x", text=answer))
                other.commit()
            self.saved.append(answer)
        except OperationalError as err:
            self.refused.append(str(err.orig))
        return self.real.encode(texts, progress, counted)


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


class EditsWhileEncoding(Embedder):
    """The real embedder under a cache name of its own (so the re-run encodes its key phrases inside each
    component's work); at the first key-phrase encode a consultant makes ``edit`` through their own
    session: the first component has read its themes and members, and not yet stored them."""

    def __init__(self, real: Embedder, engine, not_phrases: set[str], edit: Callable[[Session], object]) -> None:
        self.real, self.engine, self.not_phrases, self.edit = real, engine, not_phrases, edit
        self.model_name = f"{real.model_name}+edits-while-encoding"
        self.dim, self.batch_size = real.dim, real.batch_size
        self.edited = False

    def encode(self, texts: Sequence[str], progress: bool = False, counted=None) -> np.ndarray:
        # the segments' own embedding and the component check come first; then the key phrases
        if not self.edited and not set(texts) & self.not_phrases:
            with Session(self.engine) as consultant:
                self.edit(consultant)
                consultant.commit()
            self.edited = True
        return self.real.encode(texts, progress, counted)


def _not_phrases(session, engagement_id: int, rubric) -> set[str]:
    """What a re-run encodes before any key phrase: its segments' texts and the component descriptions."""
    segments = session.exec(select(Segment.text).where(Segment.engagement_id == engagement_id)).all()
    return set(segments) | {f"{c.name}: {c.description}" for c in rubric.components}


def _first_component_theme(session, run_id: int) -> Theme:
    """A machine theme (not other voices) of the component a re-run drafts first."""
    component = min(s.component for s in session.exec(select(Segment).where(col(Segment.active).is_(True))).all())
    where = (Theme.run_id == run_id, Theme.component == component, col(Theme.is_other).is_(False))
    return session.exec(select(Theme).where(*where).order_by(Theme.id)).first()


def test_a_segment_a_consultant_places_while_the_run_drafts_stays_where_they_put_it(engine, session, embedder, rubric):
    data = seed(session)
    first = synthesize(engine, data.engagement.id, embedder, rubric=rubric)
    session.expire_all()
    theme = _first_component_theme(session, first["run_id"])
    component = theme.component
    curation.rename(session, theme.id, "Kept by the consultant")  # curated: the re-run keeps it
    text = "Every week I copy the permit totals from the paper log into a spreadsheet and email it round."
    mapping = Mapping("answer", component=component)
    record = import_csv(
        session, data.engagement.id, ImportFile(f"answer\n{text}\n".encode(), "late.csv", mapping, [component])
    )
    session.commit()
    new = session.exec(select(Segment).where(Segment.import_id == record.id)).one()

    def place(consultant: Session) -> None:
        curation.move_segment(consultant, new.id, theme.id)

    placing = EditsWhileEncoding(embedder, engine, _not_phrases(session, data.engagement.id, rubric), place)
    synthesize(engine, data.engagement.id, placing, rubric=rubric)  # the run's own membership for it is left out

    assert placing.edited
    session.expire_all()
    members = session.exec(select(ThemeMember).where(ThemeMember.segment_id == new.id)).all()
    assert [(m.theme_id, m.assigned_by) for m in members] == [(theme.id, "consultant")]


def test_a_theme_a_consultant_renames_while_the_run_drafts_is_kept_not_replaced(engine, session, embedder, rubric):
    data = seed(session)
    first = synthesize(engine, data.engagement.id, embedder, rubric=rubric)
    session.expire_all()
    theme = _first_component_theme(session, first["run_id"])  # a machine theme: a re-run replaces it

    def rename(consultant: Session) -> None:
        curation.rename(consultant, theme.id, "Renamed while the run drafted")

    renaming = EditsWhileEncoding(embedder, engine, _not_phrases(session, data.engagement.id, rubric), rename)
    second = synthesize(engine, data.engagement.id, renaming, rubric=rubric)

    assert renaming.edited
    session.expire_all()
    kept = session.get(Theme, theme.id)
    assert (kept.label, kept.curated, kept.archived) == ("Renamed while the run drafted", True, False)
    assert kept.run_id == second["run_id"]  # drafted again with it as a curated theme, and topped up
    members = session.exec(select(ThemeMember.segment_id).where(ThemeMember.theme_id == theme.id)).all()
    assert members  # its answers stayed with it
