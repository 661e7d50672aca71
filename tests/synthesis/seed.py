"""A seeded engagement with submitted interviews, built straight through the models."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import Session

from assistant.models import Engagement, Interview, Participant, Turn, utcnow
from tests.factories import lead_every_engagement

DEPTS = ["Public Works", "Finance", "Parks", "Police"]
ROLES = ["frontline", "manager"]

# Four public-comment topics, each said about ten places (theme-building and labelling tests, no database).
COMMENT_TOPICS = [
    "The {} bus was late again and I missed my appointment.",
    "Staff at the {} desk were kind, patient and helpful.",
    "Parking near the {} entrance is expensive and always full.",
    "The {} waiting room was dirty and the toilets were broken.",
]
PLACES = ["north", "south", "east", "west", "main", "side", "river", "park", "hill", "city"]

# Three clear topics per component; each person words them a little differently.
TOPICS = {
    "data_life_cycle": [
        "We keep our records in {x} spreadsheets that get emailed around, so versions multiply.",
        "Nobody knows how long we must retain the {x} files; there is no retention schedule.",
        "The GIS maps of {x} are years out of date because nobody owns updating them.",
    ],
    "governance_structures": [
        "There is no data steward for {x}; questions about who owns the data go nowhere.",
        "Access to {x} systems is granted by whoever you ask, with no written policy or approval.",
        "A data governance committee for {x} was proposed but never met.",
    ],
}
VARIANTS = [
    "permit",
    "budget",
    "park",
    "incident",
    "payroll",
    "asset",
    "inspection",
    "street",
    "contract",
    "service request",
    "tree",
    "water",
    "fleet",
    "grant",
    "zoning",
    "library",
]


@dataclass
class Seeded:
    engagement: Engagement
    participants: list[Participant] = field(default_factory=list)
    answers: list[Turn] = field(default_factory=list)


def add_person(
    session: Session,
    engagement: Engagement,
    dept: str,
    role: str,
    answers: dict[tuple[str, str], str],
    state: str = "submitted",
) -> tuple[Participant, list[Turn]]:
    """A participant with one interview whose staff answer turns are ``{(component, question_id): text}``."""
    p = Participant(engagement_id=engagement.id, department=dept, role_level=role, source="invite")
    session.add(p)
    session.flush()
    iv = Interview(participant_id=p.id, state=state, submitted_at=utcnow() if state == "submitted" else None)
    session.add(iv)
    session.flush()
    turns = []
    for (component, qid), text in answers.items():
        session.add(
            Turn(
                interview_id=iv.id,
                role="assistant",
                kind="question",
                question_id=qid,
                component=component,
                text="Tell me about it.",
            )
        )
        t = Turn(interview_id=iv.id, role="staff", kind="answer", question_id=qid, component=component, text=text)
        session.add(t)
        session.flush()
        turns.append(t)
    return p, turns


def seed(session: Session, people: int = 16) -> Seeded:
    """An engagement where ``people`` staff (4 departments x 2 roles) each answered every topic once."""
    eng = Engagement(organisation="Seedville", departments=DEPTS, role_levels=ROLES)
    session.add(eng)
    session.flush()
    out = Seeded(eng)
    for i in range(people):
        answers = {}
        for comp, topics in TOPICS.items():
            for j, template in enumerate(topics):
                answers[(comp, f"{comp}.q{j}")] = template.format(x=VARIANTS[(i + 3 * j) % len(VARIANTS)])
        p, turns = add_person(session, eng, DEPTS[i % len(DEPTS)], ROLES[(i // len(DEPTS)) % len(ROLES)], answers)
        out.participants.append(p)
        out.answers.extend(turns)
    session.commit()
    lead_every_engagement(session)
    return out
