"""One engagement taken through synthesis (the real embedding model), decisions, readiness and a
roadmap, exported once in every format; the report tests read those files back."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from sqlmodel import Session, select

from assistant.db import make_engine
from assistant.models import Participant, Segment, Turn
from assistant.report.export import FORMATS, export_bytes
from assistant.roadmap import edits, readiness
from assistant.roadmap.generate import generate, items_of
from assistant.roadmap.targets import phases_for, save_plan
from assistant.rubric import get_rubric
from assistant.synthesis.run import synthesize
from tests.databases import drop_database, fresh_database_url
from tests.factories import decide_levels, make_consultant, offline_settings
from tests.synthesis.seed import add_person, seed

ROSTER_NAME = "Maria Lopez"
SECRET_PHRASE = "the purple ledger nobody reconciles"  # said only by people who did not agree to be quoted


@dataclass
class Exported:
    files: dict[str, bytes]
    quoted: list[str] = field(default_factory=list)  # texts of people who agreed to be quoted
    unquoted: list[str] = field(default_factory=list)  # texts of people who did not
    organisation: str = ""


@pytest.fixture(scope="module")
def exported(tmp_path_factory, embedder) -> Exported:
    tmp = tmp_path_factory.mktemp("report")
    settings = offline_settings(fresh_database_url(tmp))
    engine = make_engine(settings.database_url)
    rubric = get_rubric()
    with Session(engine, expire_on_commit=False) as session:
        seeded = seed(session, people=16)  # 4 departments of 4 people: every department is a small group
        engagement = seeded.engagement
        # a person who names a colleague and agrees to be quoted; two who use a phrase but do not agree
        extra, _ = add_person(
            session,
            engagement,
            "Finance",
            "manager",
            {
                (
                    "data_life_cycle",
                    "data_life_cycle.q0",
                ): f"Our budget spreadsheets get emailed around and {ROSTER_NAME} fixes the versions by hand.",
            },
        )
        for dept in ("Parks", "Police"):
            add_person(
                session,
                engagement,
                dept,
                "frontline",
                {
                    (
                        "data_life_cycle",
                        "data_life_cycle.q0",
                    ): f"We keep {SECRET_PHRASE} in spreadsheets emailed around.",
                },
            )
        engagement.settings = {**engagement.settings, "roster_names": [ROSTER_NAME]}
        session.add(engagement)
        people = session.exec(
            select(Participant).where(Participant.engagement_id == engagement.id).order_by(Participant.id)
        ).all()
        for n, p in enumerate(people):
            # half agree; the two who use the secret phrase do not
            p.quote_consent = (n % 2 == 0 or p.id == extra.id) and p.id not in (people[-1].id, people[-2].id)
            session.add(p)
        session.commit()
        synthesize(engine, engagement.id, embedder, settings, rubric=rubric)
        user = make_consultant(session)
        decide_levels(
            session,
            engagement,
            {"data_life_cycle": 2, "governance_structures": 1, "leadership_alignment": 2, "sustainability_focus": 2},
            user,
        )
        save_plan(session, engagement, {"data_life_cycle": 3}, 36, user, rubric)
        readiness.refresh(session, engagement, rubric)
        readiness.confirm(session, engagement, "funding", "low", "The 2027 budget freezes new posts.", user, rubric)
        generate(session, engagement, rubric, user)
        session.commit()
        item = next(i for i in items_of(session, engagement.id) if i.key == "gov_a12a")
        edits.set_owner(session, item, "City Clerk", user)
        session.commit()
        texts = session.exec(
            select(Segment.text, Participant.quote_consent)
            .join(Participant, Participant.id == Segment.participant_id)
            .where(Segment.engagement_id == engagement.id)
        ).all()
        files = {fmt: export_bytes(session, engagement, rubric, fmt) for fmt in FORMATS}
        session.rollback()
        out = Exported(files, [t for t, ok in texts if ok], [t for t, ok in texts if not ok], engagement.organisation)
        assert phases_for(36) and session.exec(select(Turn)).first() is not None
    engine.dispose()
    drop_database(settings.database_url)
    return out
