"""The rating stage over stored rows: one proposal per component for an engagement.

``propose_for_engagement`` reads the active evidence (segments still active, from participants
who have not withdrawn, with their department, role level and theme), rates each component with
the rater the engine seam (``assistant.engines``) gives it, stores one ``RatingProposal`` per
component (older ones are marked ``superseded``; consultants' decisions on them stay where they
are) and records a ``Run`` row of
kind ``rating``. No database transaction is held open while an engine works, because the LLM port
logs every call on its own connection.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, or_, select

from assistant.embeddings import Embedder
from assistant.jobs import track_run
from assistant.models import Engagement, Participant, RatingProposal, Segment, Theme, ThemeMember
from assistant.rating.schema import MAP_SOURCE, EvidenceItem, Proposal, Rater, segment_ref
from assistant.records.duplicates import flag_near_duplicates, flagged_participants
from assistant.records.engagements import min_cell_of
from assistant.records.evidence import counted_segments
from assistant.records.handoffs import bottleneck_evidence
from assistant.rubric import COMPONENT_IDS, Rubric, get_rubric


def load_evidence(session: Session, engagement_id: int, rubric: Rubric | None = None) -> dict[str, list[EvidenceItem]]:
    """{component: evidence items} for an engagement: active segments of participants who have not
    withdrawn and are not flagged (``assistant.records.duplicates``) unless accepted, in id order, each with its
    department, role level and (if clustered) theme label; then, for each component with an indicator
    the rubric marks ``bottlenecks``, the data-flow map's manual bottlenecks (``load_bottlenecks``)."""
    rows = session.exec(
        counted_segments(Segment, Participant, engagement_id=engagement_id)
        # near-duplicate open-link answers count only once a consultant accepted them
        .where(or_(Participant.flag == "", col(Participant.flag_accepted_at).is_not(None)))
        .order_by(Segment.id)
    ).all()
    themes = dict(
        session.exec(
            select(ThemeMember.segment_id, Theme.label)
            .join(Theme, Theme.id == ThemeMember.theme_id)
            .where(Theme.engagement_id == engagement_id, col(Theme.archived).is_(False))
        ).all()
    )
    out: dict[str, list[EvidenceItem]] = defaultdict(list)
    for seg, person in rows:
        if not seg.text.strip():
            continue
        out[seg.component].append(
            EvidenceItem(
                id=segment_ref(seg.id),
                participant=person.public_label,
                text=seg.text,
                department=person.department,
                role_level=person.role_level,
                theme=themes.get(seg.id),
            )
        )
    flows = load_bottlenecks(session, engagement_id)
    for comp in (rubric or get_rubric()).components if flows else ():
        if any(ind.bottlenecks for ind in comp.indicators):
            out[comp.id].extend(flows)
    return dict(out)


def load_bottlenecks(session: Session, engagement_id: int) -> list[EvidenceItem]:
    """The engagement's manual bottlenecks as evidence items of kind ``bottleneck`` (highest score first;
    those fewer than k people describe pooled into one: ``records.handoffs.bottleneck_evidence``)."""
    engagement = session.get(Engagement, engagement_id)
    if engagement is None:
        return []
    return [
        EvidenceItem(id=b.ref, participant=MAP_SOURCE, text=b.text, kind="bottleneck")
        for b in bottleneck_evidence(session, engagement)
    ]


def store_proposal(session: Session, engagement_id: int, proposal: Proposal, run_id: int | None) -> RatingProposal:
    """Add ``proposal`` as the component's current RatingProposal, marking older ones superseded."""
    for old in session.exec(
        select(RatingProposal).where(
            RatingProposal.engagement_id == engagement_id,
            RatingProposal.component == proposal.component,
            col(RatingProposal.superseded).is_(False),
        )
    ).all():
        old.superseded = True
        session.add(old)
    data = proposal.model_dump(mode="json")
    row = RatingProposal(
        engagement_id=engagement_id,
        component=proposal.component,
        status=proposal.status,
        level=proposal.level,
        indicators=data["indicators"],
        citations=data["citations"],
        rationale=proposal.rationale,
        confidence=proposal.confidence,
        voice_mix={**data["voice_mix"], "excluded": data["excluded"], "screened": data["screened"]},
        engine=proposal.engine,
        prompt_version=proposal.prompt_version,
        error=proposal.error,
        run_id=run_id,
    )
    session.add(row)
    return row


def propose_for_engagement(
    db_engine: Engine,
    engagement_id: int,
    rater: Rater,
    components: Iterable[str] = COMPONENT_IDS,
    started_by: int | None = None,
    run_id: int | None = None,
    embedder: Embedder | None = None,
) -> list[RatingProposal]:
    """Rate ``components`` of an engagement with ``rater`` (from the engine seam,
    ``assistant.engines.engines_for(...).rater``); returns the new RatingProposal rows (one per component).

    Rules enforced: every component gets a row, even with no evidence at all (then
    ``insufficient_evidence``); an LLM failure is stored as ``failed``, never replaced by the
    offline answer; the Run row's lifecycle is ``assistant.jobs.track_run``: it ends ``done``, or
    ``failed`` with the error if the stage crashed. ``run_id`` names a queued Run (a background
    job) to claim instead of creating one.
    """
    components = list(components)
    with Session(db_engine, expire_on_commit=False) as session:
        engagement = session.get(Engagement, engagement_id)
        if engagement is None:
            raise ValueError(f"no engagement with id {engagement_id}; list them in the web app or create one")
        k = min_cell_of(engagement)
    with track_run(
        db_engine, engagement_id, "rating", run_id=run_id, started_by=started_by, message="rating components"
    ) as run:
        with Session(db_engine, expire_on_commit=False) as session:
            flag_near_duplicates(session, engagement_id, embedder or getattr(rater, "embedder", None))
            session.commit()
            left_out = len(flagged_participants(session, engagement_id))
            evidence = load_evidence(session, engagement_id, getattr(rater, "rubric", None))
        proposals = []
        for n, component in enumerate(components, start=1):
            proposals.append(rater.rate(component, evidence.get(component, []), k=k))
            run.progress(n / len(components), f"rated {n} of {len(components)} components")
        with Session(db_engine, expire_on_commit=False) as session:
            rows = [store_proposal(session, engagement_id, p, run.id) for p in proposals]
            session.commit()
            for r in rows:
                session.refresh(r)
        message = f"{sum(p.status == 'proposed' for p in proposals)} of {len(proposals)} components rated"
        if left_out:
            message += (
                f"; {left_out} open-link participant(s) with near-duplicate answers left out until "
                "accepted on the Set-up and progress page"
            )
        run.done(
            stats={
                "engine": proposals[0].engine if proposals else "",
                "components": {p.component: {"status": p.status, "level": p.level} for p in proposals},
                "flagged_left_out": left_out,
            },
            message=message,
        )
    return rows
