"""The question plan: which rubric questions a participant is asked, in which order."""

from __future__ import annotations

from assistant.rubric import Question, Rubric


def eligible_questions(rubric: Rubric, component_id: str, role_level: str) -> list[Question]:
    """The component's questions written for this role level (all of them if none fit the role)."""
    questions = rubric.component(component_id).questions
    fitting = [q for q in questions if role_level in q.roles]
    return fitting or list(questions)


def pulse_questions(rubric: Rubric, pulse_plan: dict | None) -> list[str] | None:
    """The question ids of an engagement's pulse plan (``Engagement.pulse_plan``) that the rubric still
    has, in the plan's order; None for a full engagement. Everyone in a pulse gets these same questions,
    so answers are compared only on identical questions."""
    if not pulse_plan:
        return None
    known = {q.id for c in rubric.components for q in c.questions}
    return [q for q in pulse_plan.get("questions", []) if q in known]


def plan_for(rubric: Rubric, role_level: str, seed: int = 0, pulse_plan: dict | None = None) -> list[str]:
    """Question ids for a participant: ``questions_per_component`` per component, in rubric order.

    Questions fit the role level (an executive hears strategy and investment questions, a clerk
    questions about the data they handle). ``seed`` (the participant id) rotates which of the
    eligible questions are chosen, so an engagement gathers evidence on more indicators while each
    plan stays deterministic. A pulse engagement's ``pulse_plan`` replaces all of this with its own
    few questions (``pulse_questions``).
    """
    pulse = pulse_questions(rubric, pulse_plan)
    if pulse is not None:
        return pulse
    plan: list[str] = []
    for comp in rubric.components:
        pool = eligible_questions(rubric, comp.id, role_level)
        n = min(rubric.questions_per_component, len(pool))
        start = seed % len(pool)
        rotated = pool[start:] + pool[:start]
        plan.extend(q.id for q in rotated[:n])
    return plan
