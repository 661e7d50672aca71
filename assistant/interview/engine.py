"""What the interviewer does next, derived only from the stored turns (so any process can resume).

Rules:
- the plan is asked in order; each question may get at most ``max_probes`` follow-up probes;
- a probe is asked when ``decide.judge`` finds the latest answer short, vague or off topic, judged
  against the prompt it replies to (the follow-up when there is one, with the main question as
  context); "skip" and "I don't know" close a question at once;
- staff turns are immutable; an edit (``supersedes_id``) changes what is shown and analysed but
  not the flow of the conversation.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from assistant.interview.answer_shape import words
from assistant.interview.decide import Reason, judge
from assistant.models import Turn
from assistant.rubric import Rubric

StepKind = Literal["ask", "await", "probe", "done", "ack"]


@dataclass(frozen=True)
class Step:
    """The next thing the interviewer must do."""

    kind: StepKind
    question_id: str | None = None
    probe_index: int = 0  # for "await": which prompt the answer responds to; for "probe": the probe number
    reason: Reason | None = None
    instruction: bool = False  # the answer was an instruction aimed at the assistant: redirect, never obey


@dataclass
class QuestionState:
    question_id: str
    asked: bool = False
    probes: int = 0
    status: str = "pending"  # pending | answered | skipped | dont_know
    answer_turns: list[int] = field(default_factory=list)
    replied: int = 0  # the latest follow-up (probe number) a staff turn replies to

    @property
    def closed(self) -> bool:
        """Done: answered, skipped or "don't know", and no follow-up still waiting for its reply."""
        return self.status != "pending" and self.replied >= self.probes


def word_count(text: str) -> int:
    return len(words(text))


def question_states(plan: Sequence[str], turns: Sequence[Turn]) -> dict[str, QuestionState]:
    """Per planned question: asked, probes asked, and its status from the staff turns (edits applied)."""
    states = {qid: QuestionState(qid) for qid in plan}
    latest = effective_staff_turns(turns)
    for turn in turns:
        state = states.get(turn.question_id or "")
        if state is None:
            continue
        if turn.role == "assistant" and turn.kind == "question":
            state.asked = True
        elif turn.role == "assistant" and turn.kind == "probe":
            state.probes = max(state.probes, turn.probe_index)
    for turn in latest:
        state = states.get(turn.question_id or "")
        if state is None:
            continue
        state.replied = max(state.replied, turn.probe_index or 0)
        if turn.kind == "answer":
            state.status = "answered"
            state.answer_turns.append(turn.id)
        elif state.status == "pending":
            state.status = "skipped" if turn.kind == "skip" else "dont_know"
    return states


def effective_staff_turns(turns: Sequence[Turn]) -> list[Turn]:
    """Staff turns as they stand now: each replaced by its latest edit, in conversation order."""
    replacement: dict[int, Turn] = {}
    for turn in turns:
        if turn.role == "staff" and turn.supersedes_id is not None:
            replacement[turn.supersedes_id] = turn
    result = []
    for turn in turns:
        if turn.role != "staff" or turn.supersedes_id is not None:
            continue
        current = turn
        while current.id in replacement:
            current = replacement[current.id]
        result.append(current)
    return result


def latest_by_original(turns: Sequence[Turn]) -> dict[int, Turn]:
    """Each staff answer's latest wording, keyed by the id of the answer as first given (an edit of an
    edit still belongs to the original answer)."""
    by_id = {t.id: t for t in turns}
    out = {}
    for turn in effective_staff_turns(turns):
        root = turn
        while root.supersedes_id is not None and root.supersedes_id in by_id:
            root = by_id[root.supersedes_id]
        out[root.id] = turn
    return out


def original_of(turns: Sequence[Turn], turn_id: int) -> int:
    """The id of the answer as first given that ``turn_id`` (the answer itself or one of its edits) revises."""
    by_id = {t.id: t for t in turns}
    turn = by_id.get(turn_id)
    while turn is not None and turn.supersedes_id is not None and turn.supersedes_id in by_id:
        turn = by_id[turn.supersedes_id]
    return turn.id if turn is not None else turn_id


def next_step(
    plan: Sequence[str],
    turns: Sequence[Turn],
    rubric: Rubric,
    max_probes: int = 2,
    relatedness: Callable[[str, str], float] | None = None,
) -> Step:
    """The interviewer's next step, from the plan and the conversation so far."""
    flow = [t for t in turns if not (t.role == "staff" and t.supersedes_id is not None)]
    prompts = [t for t in flow if t.role == "assistant" and t.kind in ("question", "probe")]
    if prompts:
        last_prompt = prompts[-1]
        qid = last_prompt.question_id
        after = [t for t in flow if t.role == "staff" and t.id > last_prompt.id and t.question_id == qid]
        if not after:
            return Step("await", qid, last_prompt.probe_index if last_prompt.kind == "probe" else 0)
        response = after[-1]
        if response.kind == "answer" and last_prompt.probe_index < max_probes:
            _, question = rubric.question(qid)
            follow_up = last_prompt.text if last_prompt.kind == "probe" else None
            verdict = judge(response.text, question, rubric, follow_up, relatedness)
            if verdict.reason is not None:
                return Step("probe", qid, last_prompt.probe_index + 1, verdict.reason, verdict.instruction)
    asked = {t.question_id for t in prompts}
    for qid in plan:
        if qid not in asked:
            return Step("ask", qid)
    return Step("done")


def current_prompt(turns: Sequence[Turn]) -> Turn | None:
    """The interviewer's latest question or follow-up: what an answer sent now replies to (None before the first)."""
    return next((t for t in reversed(turns) if t.role == "assistant" and t.kind in ("question", "probe")), None)


def relatedness_pair(
    plan: Sequence[str],
    turns: Sequence[Turn],
    rubric: Rubric,
    max_probes: int = 2,
) -> tuple[str, str] | None:
    """The first (answer, text) pair whose relatedness ``next_step`` would score now, or None.

    Lets a caller run the embedding model on the answer before it takes any database lock (the
    scorer keeps the answer's vector, so ``next_step``'s other comparisons cost a dot product each).
    """

    def record(answer: str, question: str) -> float:
        raise _Scored(answer, question)  # the first pair is all a caller needs: stop the dry run there

    try:
        next_step(plan, turns, rubric, max_probes, record)
    except _Scored as scored:
        return scored.pair
    return None


class _Scored(Exception):
    """Ends ``relatedness_pair``'s dry run at the first pair the rule would score."""

    def __init__(self, answer: str, text: str) -> None:
        super().__init__()
        self.pair = (answer, text)


def coverage(plan: Sequence[str], turns: Sequence[Turn], rubric: Rubric) -> dict[str, dict[str, int]]:
    """Per component: questions planned (total), asked, answered, and closed (answered, skipped or don't
    know, with no follow-up left open: the progress line's "questions done")."""
    states = question_states(plan, turns)
    component_of = {qid: rubric.question(qid)[0].id for qid in plan}  # one look-up per question, not per component
    out: dict[str, dict[str, int]] = {}
    for comp in rubric.components:
        ids = [qid for qid in plan if component_of[qid] == comp.id]
        out[comp.id] = {
            "total": len(ids),
            "asked": sum(states[q].asked for q in ids),
            "answered": sum(states[q].status == "answered" for q in ids),
            "closed": sum(states[q].closed for q in ids),
        }
    return out
