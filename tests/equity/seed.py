"""An engagement of known composition for the equity audit tests (every figure is worked out by hand
in the tests from the numbers here).

Roster (95): Public Works frontline 40, manager 10; Finance frontline 20, manager 10; Parks frontline 12, executive 3.
Invited (36), by (department, role): status counts
    Public Works frontline 12: 8 submitted, 2 started, 2 not started
    Public Works manager    6: 5 submitted, 1 started
    Finance frontline       8: 6 submitted, 2 not started
    Finance manager         4: 3 submitted, 1 withdrawn (after submitting)
    Parks frontline         5: 2 submitted, 1 started, 2 not started
    Parks executive         1: 1 submitted
Voices (submitted, not withdrawn): 25.
Themes (data_life_cycle): "Spreadsheets" = 6 Public Works frontline + 5 Finance frontline;
"Manager sign-off" = the 5 Public Works managers; "other voices" = 2 Parks frontline.
Rating (data_life_cycle): proposed level 2 citing one segment of each Public Works manager; accepted.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from sqlmodel import Session

from assistant.models import (
    Decision,
    Engagement,
    Interview,
    Participant,
    RatingProposal,
    Segment,
    Theme,
    ThemeMember,
    User,
    utcnow,
)
from assistant.records.engagements import create_engagement

DEPTS = ["Public Works", "Finance", "Parks"]
ROSTER = {
    ("Public Works", "frontline"): 40,
    ("Public Works", "manager"): 10,
    ("Finance", "frontline"): 20,
    ("Finance", "manager"): 10,
    ("Parks", "frontline"): 12,
    ("Parks", "executive"): 3,
}
# (department, role): (submitted, started, not started, withdrawn)
PEOPLE = {
    ("Public Works", "frontline"): (8, 2, 2, 0),
    ("Public Works", "manager"): (5, 1, 0, 0),
    ("Finance", "frontline"): (6, 0, 2, 0),
    ("Finance", "manager"): (3, 0, 0, 1),
    ("Parks", "frontline"): (2, 1, 2, 0),
    ("Parks", "executive"): (1, 0, 0, 0),
}
SECRET_EMAIL = "only.parks.executive@example.org"  # must appear on no reviewer page or export


@dataclass
class Known:
    engagement: Engagement
    by_group: dict[tuple[str, str], list[Participant]] = field(default_factory=dict)
    themes: dict[str, Theme] = field(default_factory=dict)
    segments: dict[int, Segment] = field(default_factory=dict)  # participant id -> their segment


def _segment(session: Session, engagement: Engagement, person: Participant, text: str) -> Segment:
    seg = Segment(
        engagement_id=engagement.id,
        participant_id=person.id,
        text=text,
        text_hash=hashlib.sha256(text.encode()).hexdigest(),
        component="data_life_cycle",
        original_component="data_life_cycle",
        end=len(text),
    )
    session.add(seg)
    session.flush()
    return seg


def seed_known(session: Session, lead: User, settings: dict | None = None) -> Known:
    """The engagement described in the module docstring, led by ``lead``."""
    eng = create_engagement(session, "Knownville", list(DEPTS), roster=dict(ROSTER), user=lead)
    if settings:
        eng.settings = {**eng.settings, "equity": settings}
        session.add(eng)
    known = Known(eng)
    for (dept, role), (submitted, started, waiting, withdrawn) in PEOPLE.items():
        people = []
        states = ["submitted"] * submitted + ["in_progress"] * started + [None] * waiting + ["withdrawn"] * withdrawn
        for n, state in enumerate(states):
            email = SECRET_EMAIL if (dept, role) == ("Parks", "executive") else f"{dept[:3]}-{role}-{n}@example.org"
            p = Participant(engagement_id=eng.id, department=dept, role_level=role, email=email.lower())
            if state == "withdrawn":
                p.withdrawn_at = utcnow()
            session.add(p)
            session.flush()
            if state is not None:
                session.add(
                    Interview(
                        participant_id=p.id,
                        state=state,
                        submitted_at=utcnow() if state in ("submitted", "withdrawn") else None,
                    )
                )
            people.append(p)
        known.by_group[(dept, role)] = people
    session.flush()

    def theme(label: str, members: list[Participant], is_other: bool = False) -> Theme:
        t = Theme(engagement_id=eng.id, component="data_life_cycle", label=label, is_other=is_other)
        session.add(t)
        session.flush()
        for n, person in enumerate(members):
            seg = _segment(session, eng, person, f"{label}: answer number {n + 1} about our data work")
            known.segments[person.id] = seg
            session.add(ThemeMember(theme_id=t.id, segment_id=seg.id))
        known.themes[label] = t
        return t

    pw_front = known.by_group[("Public Works", "frontline")][:6]
    fin_front = known.by_group[("Finance", "frontline")][:5]
    managers = known.by_group[("Public Works", "manager")][:5]
    theme("Spreadsheets", pw_front + fin_front)
    theme("Manager sign-off", managers)
    theme("Other voices", known.by_group[("Parks", "frontline")][:2], is_other=True)
    proposal = RatingProposal(
        engagement_id=eng.id,
        component="data_life_cycle",
        status="proposed",
        level=2,
        citations=[{"segment_id": f"E-{known.segments[m.id].id}", "quote": "x"} for m in managers],
        # as the engines store it: the quotes also sit under the indicator they are evidence for
        indicators=[
            {
                "indicator_id": "dlc_flow",
                "judgment": "met",
                "evidence_level": 2,
                "segment_ids": [f"E-{known.segments[m.id].id}" for m in managers],
                "citations": [{"segment_id": f"E-{known.segments[m.id].id}", "quote": "x"} for m in managers],
                "participants": len(managers),
                "segments": len(managers),
            }
        ],
    )
    session.add(proposal)
    session.flush()
    session.add(
        Decision(
            proposal_id=proposal.id,
            engagement_id=eng.id,
            component="data_life_cycle",
            reviewer_id=lead.id,
            action="accept",
            final_level=2,
        )
    )
    session.commit()
    return known
