"""Who writes a follow-up probe: the offline rules (rubric text) or the LLM, with offline fallback."""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from assistant.rubric import Question, Rubric

if TYPE_CHECKING:
    from assistant.llm.client import LLMClient

log = logging.getLogger("dm3.interview")


@dataclass(frozen=True)
class Probe:
    text: str
    engine: str  # "offline", a model name, or "offline (LLM failed: ...)"


class Prober(Protocol):
    def probe(self, question: Question, staff_topic: str, answer: str, reason: str, index: int) -> Probe: ...


def pick(options: list[str], key: str) -> str:
    """A deterministic choice among ``options`` for ``key`` (same conversation, same wording)."""
    digest = int(hashlib.sha256(key.encode()).hexdigest()[:8], 16)
    return options[digest % len(options)]


def pick_nth(options: list[str], key: str, index: int) -> str:
    """The wording of follow-up number ``index`` (1, 2, ...) for ``key``: a deterministic start for the
    key, then the next option for each later follow-up, so a second follow-up of the same kind is
    never worded like the first ("No." to a request for an example is asked once more in other words)."""
    start = int(hashlib.sha256(key.encode()).hexdigest()[:8], 16)
    return options[(start + max(index, 1) - 1) % len(options)]


class OfflineProber:
    """Follow-ups from the rubric, worded for why one is needed.

    Short: a request to say more (never a sub-question that assumes an answer: "yes" is not told
    "At which points is it typed again?"). Vague: a request for a concrete example. Off topic: a
    kind return to the question's topic.
    """

    def __init__(self, rubric: Rubric) -> None:
        self.rubric = rubric

    def probe(self, question: Question, staff_topic: str, answer: str, reason: str, index: int) -> Probe:
        generic = self.rubric.probes
        topic = question.topic or staff_topic.lower()
        if reason == "off_topic":
            text = pick_nth(generic.off_topic, question.id, index).format(topic=topic)
        elif reason == "vague":
            text = pick_nth(generic.vague, question.id, index)
        else:
            text = pick_nth(generic.short, question.id, index)
        return Probe(text, "offline")


def instruction_reply(rubric: Rubric, question: Question, staff_topic: str, index: int) -> Probe:
    """The reply to an instruction aimed at the assistant: says it is not done, and returns to the topic.

    Always offline: such an answer is never handed to an LLM to act on.
    """
    topic = question.topic or staff_topic.lower()
    return Probe(pick_nth(rubric.probes.instruction, question.id, index).format(topic=topic), "offline")


_PERSONAL = re.compile(
    r"\b(your (full )?name|e-?mail|phone|address|date of birth|birthday|age|salary|social security|ssn|"
    r"religio|ethnic|race|gender|sexual|disabilit|health condition|home)\b",
    re.IGNORECASE,
)


def check_probe_text(text: str) -> list[str]:
    """Problems with an LLM-written probe: it must be one short, neutral question asking for no personal data."""
    problems = []
    stripped = text.strip()
    if not stripped:
        problems.append("the probe is empty")
    if len(stripped) > 300:
        problems.append("the probe is longer than 300 characters")
    if stripped.count("?") != 1 or not stripped.endswith("?"):
        problems.append("the probe must be exactly one question ending with '?'")
    if _PERSONAL.search(stripped):
        problems.append("the probe must not ask for personal data")
    return problems


class LLMProber:
    """Probes written by the LLM from ``prompts/interview_probe.j2``; offline probe on any failure."""

    def __init__(self, llm: LLMClient, rubric: Rubric, engagement_id: int | None = None) -> None:
        self.llm = llm
        self.offline = OfflineProber(rubric)
        self.engagement_id = engagement_id

    def probe(self, question: Question, staff_topic: str, answer: str, reason: str, index: int) -> Probe:
        from pydantic import BaseModel, Field

        from assistant.llm.client import LLMFailed

        class ProbeOut(BaseModel):
            probe: str = Field(description="one short, neutral follow-up question")

        try:
            out = self.llm.structured(
                task="interview_probe",
                prompt="interview_probe",
                variables={
                    "component": staff_topic,  # the plain topic name the chat shows, not the rubric's
                    "question": question.text,
                    "topic": question.topic,
                    "answer": answer,
                    "reason": reason,
                    "example_probes": question.probes,
                },
                output=ProbeOut,
                validate=lambda o: check_probe_text(o.probe),
                engagement_id=self.engagement_id,
                max_tokens=120,
            )
            return Probe(out.probe.strip(), self.llm.model)
        except LLMFailed as exc:
            log.warning("LLM probe failed, using the offline probe: %s", exc)
            fallback = self.offline.probe(question, staff_topic, answer, reason, index)
            return Probe(fallback.text, f"offline (LLM failed: {exc.reason[:120]})")
