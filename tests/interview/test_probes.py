"""Probe writers: offline wording from the rubric, LLM validation, and the visible fallback."""

from __future__ import annotations

from assistant.interview.probes import LLMProber, OfflineProber, check_probe_text
from assistant.llm import LLMFailed


class FailingLLM:
    model = "fake-model"

    def structured(self, **kwargs):
        raise LLMFailed("timed out after 20s", 1, "interview_probe")


def test_offline_probes_are_worded_for_the_reason(rubric):
    """Short asks to say more (never one of the question's sub-questions, which assume an answer),
    vague asks for an example, off topic returns to the question's topic."""
    comp = rubric.components[0]
    q = comp.questions[0]
    prober = OfflineProber(rubric)
    for index in (1, 2):
        short = prober.probe(q, comp.name, "yes", "short", index).text
        assert short in rubric.probes.short and short not in q.probes
        assert prober.probe(q, comp.name, "the usual", "vague", index).text in rubric.probes.vague
    off = prober.probe(q, comp.name, "football", "off_topic", 1).text
    assert q.topic in off and "{topic}" not in off


def test_llm_probe_checks():
    assert check_probe_text("What happened the last time a report was late?") == []
    assert check_probe_text("Tell me more.")  # not a question
    assert check_probe_text("Why? And how?")  # two questions
    assert check_probe_text("What is your home address?")  # personal data
    assert check_probe_text("Could you describe " + "the process " * 40 + "?")  # too long


def test_llm_failure_falls_back_to_the_offline_probe_and_says_so(rubric):
    comp = rubric.components[1]
    q = comp.questions[0]
    probe = LLMProber(FailingLLM(), rubric).probe(q, comp.name, "dunno", "short", 1)
    assert probe.text in rubric.probes.short
    assert probe.engine.startswith("offline (LLM failed") and "timed out" in probe.engine


class RecordingLLM:
    """Answers every call with one fixed probe and keeps the variables it was given."""

    model = "fake-model"

    def __init__(self) -> None:
        self.variables: list[dict] = []

    def structured(self, *, variables, output, validate, **kwargs):
        self.variables.append(variables)
        out = output(probe="What happened the last time that came up?")
        assert validate(out) == []
        return out


def test_the_llm_is_given_the_topic_as_staff_read_it_not_the_rubrics_name(rubric):
    """The chat calls a component by its plain topic name ("working with leaders"); the follow-up the LLM
    writes for an answer in the interview is told the same, so no rubric jargon reaches the staff member."""
    from assistant.interview.actions import _replies
    from assistant.interview.engine import Step
    from assistant.models import Interview, Turn

    comp = next(c for c in rubric.components if c.staff_name)
    question = comp.questions[0]
    llm = RecordingLLM()
    answer = Turn(interview_id=1, role="staff", kind="answer", question_id=question.id, text="dunno")
    step = Step("probe", question.id, probe_index=1, reason="short")
    (turn,) = _replies(Interview(id=1, participant_id=1), [answer], step, rubric, LLMProber(llm, rubric))
    assert turn.text == "What happened the last time that came up?" and turn.engine == "fake-model"
    assert llm.variables[0]["component"] == comp.staff_name != comp.name
    assert all(comp.name not in str(v) for v in llm.variables[0].values())


def test_a_second_follow_up_of_one_kind_is_worded_differently(rubric):
    """Issue 30: "No." to a follow-up is asked once more in other words, for every question and reason."""
    from assistant.interview.probes import OfflineProber, instruction_reply

    prober = OfflineProber(rubric)
    for comp in rubric.components:
        for q in comp.questions:
            for reason in ("short", "vague", "off_topic"):
                first, second = (prober.probe(q, comp.name, "No.", reason, i).text for i in (1, 2))
                assert first != second, (q.id, reason)
            assert instruction_reply(rubric, q, comp.name, 1).text != instruction_reply(rubric, q, comp.name, 2).text
