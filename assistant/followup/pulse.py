"""The pulse plan: the short follow-up interview that asks only about what the roadmap worked on.

Rules (employee-pulse practice: at most about 7 items and 5 minutes; compare only identical questions):
- the components are those of roadmap items in progress or done (if none was touched yet, those of
  every planned item);
- questions are taken in turn from each of those components, the one covering the most indicators
  first, until ``MAX_PULSE_QUESTIONS``; everyone in the pulse gets the same questions, in the same order;
- the indicators are the ones those questions speak to.

The plan is stored on ``Engagement.pulse_plan`` (layer 1), where ``interview/guide.py`` reads it
without importing this stage.
"""

from __future__ import annotations

from sqlmodel import Session, select

from assistant.models import ItemProgress, RoadmapItem
from assistant.rubric import Question, Rubric

MAX_PULSE_QUESTIONS = 7


def worked_components(session: Session, engagement_id: int, rubric: Rubric) -> list[str]:
    """Rubric components (in rubric order) the engagement's roadmap worked on: items in progress or
    done, else every planned item's."""
    items = session.exec(
        select(RoadmapItem).where(RoadmapItem.engagement_id == engagement_id, RoadmapItem.status == "planned")
    ).all()
    moving = {
        p.item_id
        for p in session.exec(select(ItemProgress).where(ItemProgress.engagement_id == engagement_id))
        if p.status in ("in_progress", "done")
    }
    touched = {i.component for i in items if i.id in moving} or {i.component for i in items}
    return [c.id for c in rubric.components if c.id in touched]


def _by_reach(questions: list[Question]) -> list[Question]:
    return sorted(questions, key=lambda q: -len(q.indicators))


def plan_pulse(components: list[str], rubric: Rubric, limit: int = MAX_PULSE_QUESTIONS) -> dict:
    """The pulse plan for ``components``: {"components", "indicators", "questions"} with at most
    ``limit`` question ids, taken in turn from each component."""
    pools = {c: _by_reach(list(rubric.component(c).questions)) for c in components}
    chosen: list[Question] = []
    while len(chosen) < limit and any(pools.values()):
        for component in components:
            if pools[component] and len(chosen) < limit:
                chosen.append(pools[component].pop(0))
    indicators = list(dict.fromkeys(i for q in chosen for i in q.indicators))
    used = [c for c in components if any(q.id in {x.id for x in rubric.component(c).questions} for q in chosen)]
    return {"components": used, "indicators": indicators, "questions": [q.id for q in chosen]}
