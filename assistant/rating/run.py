"""The rating stage over stored rows: one proposal per component for an engagement.

``propose_for_engagement`` reads the active evidence (segments still active, from participants
who have not withdrawn, with their department, role level and theme), rates each component with
the chosen engine, stores one ``RatingProposal`` per component (older ones are marked
``superseded``; consultants' decisions on them stay where they are) and records a ``Run`` row of
kind ``rating``. No database transaction is held open while an engine works, because the LLM port
logs every call on its own connection.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Literal, Optional

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, or_, select

from assistant.config import Settings
from assistant.duplicates import flag_near_duplicates, flagged_participants
from assistant.models import Engagement, Participant, RatingProposal, Run, Segment, Theme, ThemeMember, utcnow
from assistant.rating.schema import EvidenceItem, Proposal, segment_ref
from assistant.rubric import COMPONENT_IDS, Rubric, get_rubric

EngineChoice = Literal["auto", "offline", "llm"]


def load_evidence(session: Session, engagement_id: int) -> dict[str, list[EvidenceItem]]:
    """{component: evidence items} for an engagement: active segments of participants who have not
    withdrawn and are not flagged (``assistant.duplicates``) unless accepted, in id order, each with its department, role level and (if clustered) theme label."""
    rows = session.exec(
        select(Segment, Participant)
        .join(Participant, Participant.id == Segment.participant_id)
        .where(
            Segment.engagement_id == engagement_id,
            Segment.active == True,  # noqa: E712
            Participant.withdrawn_at == None,  # noqa: E711
            # near-duplicate open-link answers count only once a consultant accepted them
            or_(Participant.flag == "", col(Participant.flag_accepted_at).is_not(None)),
        )
        .order_by(Segment.id)
    ).all()
    themes = dict(session.exec(
        select(ThemeMember.segment_id, Theme.label)
        .join(Theme, Theme.id == ThemeMember.theme_id)
        .where(Theme.engagement_id == engagement_id, Theme.archived == False)  # noqa: E712
    ).all())
    out: dict[str, list[EvidenceItem]] = defaultdict(list)
    for seg, person in rows:
        if not seg.text.strip():
            continue
        out[seg.component].append(EvidenceItem(
            id=segment_ref(seg.id), participant=f"P-{person.id}", text=seg.text,
            department=person.department, role_level=person.role_level, theme=themes.get(seg.id),
        ))
    return dict(out)


def make_rater(settings: Settings, db_engine: Engine, rubric: Rubric, engagement: Engagement,
               choice: EngineChoice = "auto", embedder=None, llm_max_tokens: int = 900):  # noqa: ANN001, ANN201
    """The rater to use: the LLM engine when one is configured (and the engagement has not turned
    it off, ``settings["llm_enabled"] = False``) or ``choice`` is "llm"; the offline engine otherwise.

    Raises ``ValueError`` when "llm" is asked for and no LLM is configured, rather than swapping.
    """
    wants_llm = choice == "llm" or (
        choice == "auto" and settings.llm_enabled and engagement.settings.get("llm_enabled", True) is not False
    )
    if wants_llm:
        from assistant.llm import get_llm
        from assistant.rating.propose import LLMRater

        llm = get_llm(settings, db_engine)
        if llm is None:
            raise ValueError("the LLM engine was asked for but none is configured: set DM3_LLM_BASE_URL and DM3_LLM_MODEL")
        return LLMRater(llm, rubric, names=engagement.settings.get("roster_names", []), engagement_id=engagement.id,
                        max_tokens=llm_max_tokens)
    from assistant.rating.offline import OfflineRater
    from assistant.synthesis.embed import get_embedder

    return OfflineRater(rubric, embedder or get_embedder(settings.embedding_model, settings.embedding_batch_size))


def store_proposal(session: Session, engagement_id: int, proposal: Proposal, run_id: Optional[int]) -> RatingProposal:
    """Add ``proposal`` as the component's current RatingProposal, marking older ones superseded."""
    for old in session.exec(select(RatingProposal).where(
        RatingProposal.engagement_id == engagement_id,
        RatingProposal.component == proposal.component,
        RatingProposal.superseded == False,  # noqa: E712
    )).all():
        old.superseded = True
        session.add(old)
    data = proposal.model_dump(mode="json")
    row = RatingProposal(
        engagement_id=engagement_id, component=proposal.component, status=proposal.status,
        level=proposal.level, indicators=data["indicators"], citations=data["citations"],
        rationale=proposal.rationale, confidence=proposal.confidence,
        voice_mix={**data["voice_mix"], "excluded": data["excluded"]},
        engine=proposal.engine, prompt_version=proposal.prompt_version, error=proposal.error, run_id=run_id,
    )
    session.add(row)
    return row


def propose_for_engagement(
    db_engine: Engine,
    engagement_id: int,
    settings: Settings,
    rubric: Optional[Rubric] = None,
    components: Iterable[str] = COMPONENT_IDS,
    choice: EngineChoice = "auto",
    started_by: Optional[int] = None,
    embedder=None,  # noqa: ANN001
    llm_max_tokens: int = 900,
    run_id: Optional[int] = None,
) -> list[RatingProposal]:
    """Rate ``components`` of an engagement; returns the new RatingProposal rows (one per component).

    Rules enforced: every component gets a row, even with no evidence at all (then
    ``insufficient_evidence``); an LLM failure is stored as ``failed``, never replaced by the
    offline answer; the Run row ends ``done`` (or ``failed`` with the error if the stage crashed).
    ``run_id`` names a queued Run (a background job) to use instead of creating one.
    """
    rubric = rubric or get_rubric(str(settings.rubric_path))
    components = list(components)
    with Session(db_engine, expire_on_commit=False) as session:
        engagement = session.get(Engagement, engagement_id)
        if engagement is None:
            raise ValueError(f"no engagement with id {engagement_id}; list them in the web app or create one")
        run = session.get(Run, run_id) if run_id is not None else None
        if run is None:
            run = Run(engagement_id=engagement_id, kind="rating", started_by=started_by)
        run.status, run.message = "running", "rating components"
        session.add(run)
        flag_near_duplicates(session, engagement_id)
        session.commit()
        left_out = len(flagged_participants(session, engagement_id))
        evidence = load_evidence(session, engagement_id)
    try:
        rater = make_rater(settings, db_engine, rubric, engagement, choice, embedder, llm_max_tokens)
        proposals = []
        for n, component in enumerate(components, start=1):
            proposals.append(rater.rate(component, evidence.get(component, [])))
            with Session(db_engine) as session:  # progress for the UI, in its own short transaction
                row = session.get(Run, run.id)
                row.progress = n / len(components)
                row.message = f"rated {n} of {len(components)} components"
                session.add(row)
                session.commit()
    except Exception as exc:
        with Session(db_engine) as session:
            row = session.get(Run, run.id)
            row.status, row.message, row.finished_at = "failed", f"{type(exc).__name__}: {exc}"[:500], utcnow()
            session.add(row)
            session.commit()
        raise
    with Session(db_engine, expire_on_commit=False) as session:
        rows = [store_proposal(session, engagement_id, p, run.id) for p in proposals]
        row = session.get(Run, run.id)
        row.status, row.progress, row.finished_at = "done", 1.0, utcnow()
        row.message = f"{sum(p.status == 'proposed' for p in proposals)} of {len(proposals)} components rated"
        if left_out:
            row.message += (f"; {left_out} open-link participant(s) with near-duplicate answers left out until "
                            "accepted on the Set-up and progress page")
        row.stats = {
            "engine": proposals[0].engine if proposals else "",
            "components": {p.component: {"status": p.status, "level": p.level} for p in proposals},
            "flagged_left_out": left_out,
        }
        session.add(row)
        session.commit()
        for r in rows:
            session.refresh(r)
    return rows
