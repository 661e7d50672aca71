"""The interview engine: plans by role, probe rules, coverage and where a conversation resumes."""

from __future__ import annotations

import itertools

from assistant.interview.engine import Step, coverage, effective_staff_turns, next_step, relatedness_pair
from assistant.interview.guide import plan_for
from assistant.models import Turn

_ids = itertools.count(1)


def turn(role: str, kind: str, qid: str, text: str = "", probe_index: int = 0, supersedes: int | None = None) -> Turn:
    return Turn(
        id=next(_ids),
        interview_id=1,
        role=role,
        kind=kind,
        question_id=qid,
        text=text,
        probe_index=probe_index,
        supersedes_id=supersedes,
    )


DETAILED = (
    "Every Monday I export the permit list from Accela into Excel, fix the addresses by hand "
    "and email it to the finance team, who re-type the totals into their own workbook."
)


def test_plan_covers_every_component_with_questions_for_the_role(rubric):
    for role in ("frontline", "supervisor", "manager", "executive"):
        plan = plan_for(rubric, role, seed=0)
        assert len(plan) == rubric.questions_per_component * 6
        components = [rubric.question(q)[0].id for q in plan]
        assert sorted(set(components)) == sorted(c.id for c in rubric.components)
        for qid in plan:
            assert role in rubric.question(qid)[1].roles


def test_plans_differ_by_role_and_rotate_by_seed(rubric):
    assert plan_for(rubric, "executive") != plan_for(rubric, "frontline")
    plans = {tuple(plan_for(rubric, "frontline", seed=s)) for s in range(5)}
    assert len(plans) > 1
    assert plan_for(rubric, "manager", seed=3) == plan_for(rubric, "manager", seed=3)


def test_a_follow_up_answer_is_judged_against_the_follow_up(rubric):
    """The probe the staff member answered is what next_step hands to the decision, not the main question."""
    plan = plan_for(rubric, "frontline")
    q = plan[0]
    seen: list[str] = []

    def relate(answer: str, text: str) -> float:
        seen.append(text)
        return 0.5

    turns = [
        turn("assistant", "question", q),
        turn("staff", "answer", q, "It depends, the usual stuff."),
        turn("assistant", "probe", q, "Can you give an example from the past year?", probe_index=1),
        turn("staff", "answer", q, "The crew and the office each keep their own version and nobody compares them.", 1),
    ]
    assert next_step(plan, turns, rubric, relatedness=relate).kind == "ask"
    assert seen and seen[0] == "Can you give an example from the past year?"


def test_relatedness_pair_is_the_pair_next_step_scores(rubric):
    plan = plan_for(rubric, "frontline")
    q = plan[0]
    answered = [turn("assistant", "question", q), turn("staff", "answer", q, DETAILED)]
    scored: list[tuple[str, str]] = []
    off = "My favourite football team won the cup final at the weekend after extra time, what a game."
    answered = [answered[0], turn("staff", "answer", q, off)]

    def relate(a: str, text: str) -> float:
        scored.append((a, text))
        return 0.6 if text in rubric.relevance.off_topic_examples else 0.0

    step = next_step(plan, answered, rubric, relatedness=relate)
    assert step.reason == "off_topic"
    assert relatedness_pair(plan, answered, rubric) == scored[0] and scored[0][0] == off
    # nothing to score: waiting for an answer, a short answer (probed as short), a skip, no probes left
    assert relatedness_pair(plan, answered[:1], rubric) is None
    assert relatedness_pair(plan, [answered[0], turn("staff", "answer", q, "Excel.")], rubric) is None
    assert relatedness_pair(plan, [answered[0], turn("staff", "skip", q)], rubric) is None
    assert relatedness_pair(plan, answered, rubric, max_probes=0) is None


def test_first_step_asks_the_first_planned_question(rubric):
    plan = plan_for(rubric, "frontline")
    assert next_step(plan, [], rubric) == Step("ask", plan[0])


def test_short_answer_is_probed_at_most_twice_then_moves_on(rubric):
    plan = plan_for(rubric, "frontline")
    q = plan[0]
    turns = [turn("assistant", "question", q), turn("staff", "answer", q, "Excel.")]
    step = next_step(plan, turns, rubric)
    assert step.kind == "probe" and step.probe_index == 1 and step.reason == "short"
    turns += [
        turn("assistant", "probe", q, "Where is it re-typed?", probe_index=1),
        turn("staff", "answer", q, "No idea", 1),
    ]
    step = next_step(plan, turns, rubric)
    assert step.kind == "probe" and step.probe_index == 2
    turns += [turn("assistant", "probe", q, "What breaks?", probe_index=2), turn("staff", "answer", q, "Dunno", 2)]
    assert next_step(plan, turns, rubric) == Step("ask", plan[1])


def test_skip_and_dont_know_close_the_question(rubric):
    plan = plan_for(rubric, "manager")
    turns = [turn("assistant", "question", plan[0]), turn("staff", "skip", plan[0])]
    assert next_step(plan, turns, rubric) == Step("ask", plan[1])
    turns += [turn("assistant", "question", plan[1]), turn("staff", "dont_know", plan[1])]
    assert next_step(plan, turns, rubric) == Step("ask", plan[2])


def test_resume_waits_for_the_open_question(rubric):
    plan = plan_for(rubric, "frontline")
    turns = [
        turn("assistant", "question", plan[0]),
        turn("staff", "answer", plan[0], DETAILED),
        turn("assistant", "ack", plan[0], "Thanks."),
        turn("assistant", "question", plan[1]),
    ]
    assert next_step(plan, turns, rubric) == Step("await", plan[1], 0)


def test_after_the_last_answer_the_interview_is_done(rubric):
    plan = plan_for(rubric, "executive")
    turns = []
    for q in plan:
        turns += [turn("assistant", "question", q), turn("staff", "answer", q, DETAILED)]
    assert next_step(plan, turns, rubric) == Step("done")
    cov = coverage(plan, turns, rubric)
    assert all(c["closed"] == c["total"] == 2 and c["answered"] == 2 for c in cov.values())


def test_edits_replace_what_is_shown_but_not_the_flow(rubric):
    plan = plan_for(rubric, "frontline")
    q = plan[0]
    original = turn("staff", "answer", q, DETAILED)
    turns = [turn("assistant", "question", q), original, turn("assistant", "question", plan[1])]
    edited = turn("staff", "answer", q, "Edited answer with detail, for example 3 systems.", supersedes=original.id)
    turns.append(edited)
    assert [t.text for t in effective_staff_turns(turns)] == [edited.text]
    assert next_step(plan, turns, rubric) == Step("await", plan[1], 0)


def test_coverage_counts_skips_as_closed_not_answered(rubric):
    plan = plan_for(rubric, "supervisor")
    comp = rubric.question(plan[0])[0].id
    turns = [turn("assistant", "question", plan[0]), turn("staff", "skip", plan[0])]
    cov = coverage(plan, turns, rubric)
    assert cov[comp] == {"total": 2, "asked": 1, "answered": 0, "closed": 1}


def test_a_question_is_not_done_while_its_follow_up_waits_for_a_reply(rubric):
    plan = plan_for(rubric, "supervisor")
    comp = rubric.question(plan[0])[0].id
    turns = [
        turn("assistant", "question", plan[0]),
        turn("staff", "answer", plan[0], "Yes."),
        turn("assistant", "probe", plan[0], "Could you say a little more about that?", probe_index=1),
    ]
    assert next_step(plan, turns, rubric) == Step("await", plan[0], 1)
    assert coverage(plan, turns, rubric)[comp]["closed"] == 0  # the follow-up is still open
    turns.append(turn("staff", "answer", plan[0], DETAILED, probe_index=1))
    assert coverage(plan, turns, rubric)[comp]["closed"] == 1
    # skipping the follow-up closes the question too
    turns[-1] = turn("staff", "skip", plan[0], probe_index=1)
    assert coverage(plan, turns, rubric)[comp]["closed"] == 1
