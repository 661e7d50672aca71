"""The second demo engagement: a finished assessment, so a newcomer opens a complete report at once.

The same demo staff (``city.demo_cast``) take their interviews in another city; then synthesis
and the offline rating run for real, a consultant accepts every proposal that has a level (those
with insufficient evidence stay "awaiting review", as they would in practice), targets are the
defaults with one stretch, readiness is confirmed (one signal adjusted with a note), the roadmap
is generated and two activities get owners; the staff's data flows (``demo/flows.py``) fill the
catalogue and the map before the roadmap, so its manual hand-offs count. Quote consent is given by
about two in three people. A year on (``demo/followup.py``), a few roadmap items are done and a pulse
follow-up is started.

Idempotent: each step runs only when its result is missing, so a second ``make demo`` is quick.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from assistant.config import Settings
from assistant.demo.city import DEPARTMENTS, ROSTER, demo_cast
from assistant.demo.flows import seed_flows
from assistant.demo.followup import seed_follow_up
from assistant.demo.interviews import seed_demo_interviews
from assistant.demo.seed import DEMO_EMAIL
from assistant.demo.vectors import DemoEmbedder, RecordingEmbedder, demo_embedder
from assistant.embeddings import Embedder
from assistant.equity.findings import finding_counts
from assistant.models import Decision, Engagement, Participant, Run, User
from assistant.rating.offline import OfflineRater
from assistant.rating.run import propose_for_engagement
from assistant.records.engagements import create_engagement, settings_of
from assistant.records.engagements.settings import mark_preparing
from assistant.records.review import current_proposals, decide
from assistant.roadmap import edits, readiness
from assistant.roadmap.generate import generate, items_of
from assistant.roadmap.targets import save_plan, target_rows
from assistant.rubric import Rubric, get_rubric
from assistant.synthesis.run import synthesize

COMPLETED_ORG = "Town of Millbrook (demo, completed)"
STRETCH = "data_life_cycle"  # the one target set two steps up
OWNERS = {"data_life_cycle": "IT and Records", "sustainability_focus": "Human Resources"}  # first item of each
STEPS = {
    "interviews": "Taking the staff interviews",
    "synthesis": "Running synthesis",
    "rating": "Running the rating",
    "decisions": "Deciding levels, targets and readiness",
    "flows": "Adding the staff's data flows",
    "roadmap": "Generating the roadmap",
}
RETRY = "run `make demo` again to finish it"
Timings = dict[str, tuple[float, float]]


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
            mark_preparing(session, engagement, STEPS["interviews"])
            session.commit()
        settings = settings_of(engagement)
        return engagement.id, settings.roadmap is not None and settings.preparing is None


def preparing_step(engagement: Engagement) -> str | None:
    """What the demo is doing to ``engagement`` now (a step of ``STEPS``, or where it stopped), or None
    when it is not being prepared (any engagement but the completed demo's, or that one once finished)."""
    return settings_of(engagement).preparing or None


def _mark(engine: Engine, engagement_id: int, message: str | None) -> None:
    """Record what is being done to the engagement (None: finished), so its pages can say so."""
    with Session(engine) as session:
        engagement = session.get(Engagement, engagement_id)
        mark_preparing(session, engagement, message)
        session.commit()


@contextmanager
def _step(engine: Engine, engagement_id: int, name: str, timings: Timings | None) -> Iterator[None]:
    """Mark step ``name`` as running (a failure is marked too, and re-raised) and time it."""
    _mark(engine, engagement_id, STEPS[name])
    wall, cpu = time.perf_counter(), time.process_time()
    try:
        yield
    except Exception as exc:
        _mark(engine, engagement_id, f"Stopped while {STEPS[name].lower()} ({type(exc).__name__}); {RETRY}")
        raise
    if timings is not None:
        timings[name] = (time.perf_counter() - wall, time.process_time() - cpu)


def seed_completed(
    engine: Engine,
    settings: Settings,
    embedder: Embedder | DemoEmbedder | RecordingEmbedder | None = None,
    timings: Timings | None = None,
) -> int | None:
    """Bring the completed demo engagement to its final state; returns its id (None without the demo user).

    Synthesis and the offline rating are the functions a consultant's buttons run, handed
    ``embedder`` (default: the packaged demo vectors over the configured model, ``vectors``, so
    a fresh demo does not encode the same sentences again; anything else is encoded for real).
    ``timings`` (when given) receives each step's (wall, CPU) seconds. While it runs, the
    engagement's ``preparing_step`` says which step it is on; an exception marks where it stopped and
    is re-raised (a later ``make demo`` resumes from the missing step).
    """
    rubric = get_rubric(str(settings.rubric_path))
    engagement_id, finished = ensure_completed(engine)
    if engagement_id is None or finished:
        if engagement_id is not None:
            _follow_up(engine, engagement_id, rubric)
        return engagement_id
    if embedder is None:
        embedder = demo_embedder(settings.embedding_model, settings.embedding_batch_size)
    with _step(engine, engagement_id, "interviews", timings):
        user_id = _interviews(engine, settings, engagement_id)
    with _step(engine, engagement_id, "synthesis", timings):
        with Session(engine) as session:
            done = select(Run).where(Run.engagement_id == engagement_id, Run.kind == "synthesis", Run.status == "done")
            has_synthesis = session.exec(done).first() is not None
        if not has_synthesis:
            synthesize(engine, engagement_id, embedder, settings=settings, rubric=rubric)  # offline labels
    with _step(engine, engagement_id, "rating", timings):
        with Session(engine) as session:
            rated = bool(current_proposals(session, engagement_id))
        if not rated:
            # the demo's finished engagement is rated offline whatever the settings (reproducible)
            propose_for_engagement(engine, engagement_id, OfflineRater(rubric, embedder), started_by=user_id)
    with _step(engine, engagement_id, "decisions", timings), Session(engine, expire_on_commit=False) as session:
        _decide(session, session.get(Engagement, engagement_id), session.get(User, user_id), rubric)
        session.commit()
    with _step(engine, engagement_id, "flows", timings), Session(engine, expire_on_commit=False) as session:
        seed_flows(session, session.get(Engagement, engagement_id))
        session.commit()
    with _step(engine, engagement_id, "roadmap", timings), Session(engine, expire_on_commit=False) as session:
        user = session.get(User, user_id)
        engagement = session.get(Engagement, engagement_id)
        generate(session, engagement, rubric, user, equity=finding_counts(session, engagement.id))
        owned: set[str] = set()
        for item in items_of(session, engagement.id):
            if item.component in OWNERS and item.component not in owned:
                edits.set_owner(session, item, OWNERS[item.component], user)
                owned.add(item.component)
        session.commit()
    _mark(engine, engagement_id, None)
    _follow_up(engine, engagement_id, rubric)
    return engagement_id


def _follow_up(engine: Engine, engagement_id: int, rubric: Rubric) -> None:
    """A year on: a few roadmap items done and a pulse follow-up started (``demo/followup.py``)."""
    with Session(engine) as session:
        user = session.exec(select(User).where(User.email == DEMO_EMAIL)).first()
    if user is not None:
        seed_follow_up(engine, engagement_id, user.id, rubric)


def _interviews(engine: Engine, settings: Settings, engagement_id: int) -> int:
    """The demo staff take their interviews in the second city; about two in three agree to be
    quoted. Returns the demo consultant's user id."""
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
        return user.id


def _decide(session: Session, engagement: Engagement, user: User, rubric: Rubric) -> None:
    """A consultant's review: every proposal with a level accepted (insufficient evidence stays
    "awaiting review"), default targets with one stretch, a 36-month horizon, readiness confirmed
    (funding adjusted with a note, unknown signals set to medium)."""
    decided = {d.component for d in session.exec(select(Decision).where(Decision.engagement_id == engagement.id))}
    for component, proposal in current_proposals(session, engagement.id).items():
        if component not in decided and proposal.status == "proposed" and proposal.level is not None:
            decide(session, rubric, proposal.id, user, "accept")
    session.flush()
    rows = {r.component: r for r in target_rows(session, engagement, rubric)}
    stretch = rows.get(STRETCH)
    targets = {}
    if stretch is not None and stretch.decided is not None:
        targets[STRETCH] = min(stretch.decided + 2, 5)
    save_plan(session, engagement, targets, 36, user, rubric)
    for signal in readiness.refresh(session, engagement, rubric):
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
