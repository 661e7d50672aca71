"""The second demo engagement: a finished assessment, so a newcomer opens a complete report at once.

The same demo staff (``demo.demo_cast``) take their interviews in another city; then synthesis
and the offline rating run for real, a consultant accepts every proposal that has a level (those
with insufficient evidence stay "awaiting review", as they would in practice), targets are the
defaults with one stretch, readiness is confirmed (one signal adjusted with a note), the roadmap
is generated and two activities get owners. Quote consent is given by about two in three people.

Idempotent: each step runs only when its result is missing, so a second ``make demo`` is quick.
"""

from __future__ import annotations

import hashlib

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from assistant.config import Settings
from assistant.demo import DEMO_EMAIL, DEPARTMENTS, ROSTER, demo_cast, seed_demo_interviews
from assistant.engagements import create_engagement
from assistant.equity.findings import finding_counts
from assistant.models import Decision, Engagement, Participant, Run, User
from assistant.review import current_proposals, decide
from assistant.roadmap import edits, readiness
from assistant.roadmap.generate import generate, items_of
from assistant.roadmap.targets import save_plan, target_rows
from assistant.rubric import get_rubric

COMPLETED_ORG = "Town of Millbrook (demo, completed)"
STRETCH = "data_life_cycle"  # the one target set two steps up
OWNERS = {"data_life_cycle": "IT and Records", "sustainability_focus": "Human Resources"}  # first item of each


def _agrees_to_quotes(key: str) -> bool:
    """About two in three demo staff agree to be quoted (stable per persona)."""
    return int(hashlib.sha256(key.encode()).hexdigest(), 16) % 3 != 0


def ensure_completed(engine: Engine) -> tuple[int | None, bool]:
    """Create the completed demo engagement's row if needed (quick); returns (its id, whether it is
    finished). (None, False) when the demo consultant does not exist yet (seed the demo first)."""
    with Session(engine, expire_on_commit=False) as session:
        user = session.exec(select(User).where(User.email == DEMO_EMAIL)).first()
        if user is None:
            return None, False
        engagement = session.exec(select(Engagement).where(Engagement.organisation == COMPLETED_ORG)).first()
        if engagement is None:
            engagement = create_engagement(session, COMPLETED_ORG, DEPARTMENTS, roster=ROSTER, user=user)
            session.commit()
        return engagement.id, bool(engagement.settings.get("roadmap"))


def seed_completed(engine: Engine, settings: Settings) -> int | None:
    """Bring the completed demo engagement to its final state; returns its id (None without the demo user)."""
    rubric = get_rubric(str(settings.rubric_path))
    engagement_id, finished = ensure_completed(engine)
    if engagement_id is None or finished:
        return engagement_id
    with Session(engine, expire_on_commit=False) as session:
        user = session.exec(select(User).where(User.email == DEMO_EMAIL)).one()
        engagement = session.get(Engagement, engagement_id)
        seed_demo_interviews(session, settings, engagement)
        keys = {p.key for p in demo_cast()}
        for p in session.exec(
            select(Participant).where(
                Participant.engagement_id == engagement.id, col(Participant.external_id).in_(keys)
            )
        ).all():
            p.quote_consent = _agrees_to_quotes(p.external_id or "")
            session.add(p)
        engagement.status = "review"
        session.add(engagement)
        session.commit()
        has_synthesis = session.exec(
            select(Run).where(Run.engagement_id == engagement.id, Run.kind == "synthesis", Run.status == "done")
        ).first()
    if has_synthesis is None:
        from assistant.embeddings import get_embedder
        from assistant.synthesis.run import synthesize

        embedder = get_embedder(settings.embedding_model, settings.embedding_batch_size)
        synthesize(engine, engagement.id, embedder, settings=settings, rubric=rubric)  # offline labels
    with Session(engine, expire_on_commit=False) as session:
        if not current_proposals(session, engagement.id):
            from assistant.embeddings import get_embedder
            from assistant.rating.offline import OfflineRater
            from assistant.rating.run import propose_for_engagement

            embedder = get_embedder(settings.embedding_model, settings.embedding_batch_size)
            # the demo's finished engagement is rated offline whatever the settings (reproducible)
            propose_for_engagement(engine, engagement.id, OfflineRater(rubric, embedder), started_by=user.id)
        engagement = session.get(Engagement, engagement.id)
        decided = {
            d.component for d in session.exec(select(Decision).where(Decision.engagement_id == engagement.id)).all()
        }
        for component, proposal in current_proposals(session, engagement.id).items():
            if component not in decided and proposal.status == "proposed" and proposal.level is not None:
                decide(session, proposal.id, user, "accept", rubric=rubric)
        session.flush()
        rows = {r.component: r for r in target_rows(session, engagement, rubric)}
        stretch = rows.get(STRETCH)
        targets = {}
        if stretch is not None and stretch.decided is not None:
            targets[STRETCH] = min(stretch.decided + 2, 5)
        save_plan(session, engagement, targets, 36, user, rubric)
        signals = readiness.refresh(session, engagement, rubric)
        for signal in signals:
            if signal.kind == "funding":
                readiness.confirm(
                    session,
                    engagement,
                    signal.kind,
                    "low",
                    "The council froze new posts in this year's budget; grants pay for most data work.",
                    user,
                    rubric,
                )
            else:
                value = signal.derived if signal.derived != "unknown" else "medium"
                note = "" if value == signal.derived else "Too little evidence either way; medium until we know more."
                readiness.confirm(session, engagement, signal.kind, value, note, user, rubric)
        generate(session, engagement, rubric, user, equity=finding_counts(session, engagement.id))
        owned: set[str] = set()
        for item in items_of(session, engagement.id):
            if item.component in OWNERS and item.component not in owned:
                edits.set_owner(session, item, OWNERS[item.component], user)
                owned.add(item.component)
        session.commit()
        return engagement.id
