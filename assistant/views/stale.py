"""What arrived after the last run: the counts behind the "stale" banner on the themes and review pages.

A page built from the last synthesis (or rating) run says so when answers were submitted or edited,
survey answers imported or participants withdrew after that run started, with the counts, so a
consultant does not put out-of-date themes or ratings in a report. Read-only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from assistant.models import Interview, Participant, Run, SurveyImport, Turn, as_utc
from assistant.records.evidence import submitted_answers


@dataclass
class Staleness:
    """Counts of what arrived after the last finished run of ``kind`` (started at ``since``)."""

    kind: str
    since: datetime
    answers: int = 0
    people: int = 0
    imports: int = 0
    imported_rows: int = 0
    withdrawals: int = 0

    def __bool__(self) -> bool:
        return bool(self.answers or self.imports or self.withdrawals)

    def parts(self) -> list[str]:
        """The counts as phrases: "12 answers from 3 people", "1 survey import (240 answers)", ..."""
        out = []
        if self.answers:
            out.append(
                f"{self.answers} answer{'s' * (self.answers != 1)} from {self.people} "
                f"{'person' if self.people == 1 else 'people'}"
            )
        if self.imports:
            out.append(f"{self.imports} survey import{'s' * (self.imports != 1)} ({self.imported_rows} answers)")
        if self.withdrawals:
            out.append(f"{self.withdrawals} withdrawal{'s' * (self.withdrawals != 1)}")
        return out


def _last_done(session: Session, engagement_id: int, kind: str) -> Run | None:
    return session.exec(
        select(Run)
        .where(Run.engagement_id == engagement_id, Run.kind == kind, Run.status == "done")
        .order_by(col(Run.id).desc())
    ).first()


def staleness(session: Session, engagement_id: int, kind: str) -> Staleness | None:
    """What arrived since the last finished ``kind`` run began; None when there was no such run.

    Rules: an answer counts when its interview is submitted, its author has not withdrawn, and the
    answer was written or the interview submitted after the run began (an edit is a new answer);
    an import counts by its rows; a withdrawal counts once per person.
    """
    run = _last_done(session, engagement_id, kind)
    if run is None:
        return None
    since = as_utc(run.started_at)
    out = Staleness(kind=kind, since=since)
    rows = session.exec(submitted_answers(engagement_id, Turn.created_at, Interview.submitted_at, Participant.id)).all()
    people = set()
    for written, submitted, person in rows:
        if as_utc(written) > since or (submitted is not None and as_utc(submitted) > since):
            out.answers += 1
            people.add(person)
    out.people = len(people)
    for record in session.exec(select(SurveyImport).where(SurveyImport.engagement_id == engagement_id)).all():
        if as_utc(record.created_at) > since and (record.mapping or {}).get("status", "done") == "done":
            out.imports += 1
            out.imported_rows += record.rows
    withdrawn = session.exec(
        select(Participant.withdrawn_at).where(
            Participant.engagement_id == engagement_id, col(Participant.withdrawn_at).is_not(None)
        )
    ).all()
    out.withdrawals = sum(1 for moment in withdrawn if moment is not None and as_utc(moment) > since)
    return out
