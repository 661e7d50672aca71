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
