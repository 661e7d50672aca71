"""What the demo staff say: the answer bank (``data/answers.yaml``) and the seeded choice of answers.

The bank holds answers written in the voice of city staff, each tagged with the maturity level it
suggests, answers to the engine's probes, and the level each role level tends to describe per
component; ``Chooser`` picks from it per persona so forty people rarely say the same sentence.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from dataclasses import dataclass
from importlib import resources

import yaml

from assistant.demo.city import DEPARTMENTS, Persona
from assistant.interview.actions import STAFF_KINDS
from assistant.records.engagements import DEFAULT_ROLE_LEVELS

ANSWER_KINDS = STAFF_KINDS  # answer | skip | dont_know


class DemoDataError(ValueError):
    """``data/answers.yaml`` is malformed; the message names the entry to fix."""


@dataclass(frozen=True)
class DemoAnswer:
    """One thing a demo staff member may say: typed text, or a skip / "I don't know"."""

    text: str = ""
    level: int | None = None  # the maturity level the answer suggests; None: none (hostile, off topic)
    kind: str = "answer"
    department: str | None = None  # only staff of this department say it (it names their systems)
    roles: tuple[str, ...] = ()  # only these role levels say it; empty: anyone asked the question
    probe: int | None = None  # for an answer to a probe: which of the question's probes (None: any)

    def fits(self, department: str, role_level: str) -> bool:
        return (self.department is None or self.department == department) and (
            not self.roles or role_level in self.roles
        )


@dataclass(frozen=True)
class AnswerBank:
    """Answers by rubric question id, answers to probes (by question id and ``generic``), and the
    level each role level tends to describe per component (``profile[component][role]``)."""

    profile: dict[str, dict[str, float]]
    answers: dict[str, list[DemoAnswer]]
    follow_ups: dict[str, list[DemoAnswer]]


def _entry(raw: object, where: str) -> DemoAnswer:
    if isinstance(raw, str):
        raw = {"text": raw}
    if not isinstance(raw, dict):
        raise DemoDataError(f"{where}: expected a mapping with 'text' (and 'level', 'department', 'roles', 'kind').")
    kind = raw.get("kind", "answer")
    text = str(raw.get("text") or "").strip()
    level = raw.get("level")
    if kind not in ANSWER_KINDS:
        raise DemoDataError(f"{where}: kind must be one of {', '.join(ANSWER_KINDS)}, not {kind!r}.")
    if kind == "answer" and not text:
        raise DemoDataError(f"{where}: an answer needs its text (or use kind: skip / dont_know).")
    if level is not None and (not isinstance(level, int) or not 1 <= level <= 5):
        raise DemoDataError(f"{where}: level must be 1-5 or null, not {level!r}.")
    department = raw.get("department")
    if department is not None and department not in DEPARTMENTS:
        raise DemoDataError(f"{where}: unknown department {department!r} (known: {', '.join(DEPARTMENTS)}).")
    roles = tuple(raw.get("roles") or ())
    unknown = [r for r in roles if r not in DEFAULT_ROLE_LEVELS]
    if unknown:
        raise DemoDataError(
            f"{where}: unknown role level(s) {', '.join(unknown)} (known: {', '.join(DEFAULT_ROLE_LEVELS)})."
        )
    probe = raw.get("probe")
    if probe is not None and (not isinstance(probe, int) or probe < 1):
        raise DemoDataError(f"{where}: probe must be the probe's number (1, 2, ...), not {probe!r}.")
    return DemoAnswer(text, level, kind, department, roles, probe)


def load_answer_bank(text: str | None = None) -> AnswerBank:
    """The demo answer bank from ``text`` (default: the packaged ``data/answers.yaml``), validated.

    Raises ``DemoDataError`` naming the entry at fault.
    """
    if text is None:
        text = resources.files("assistant.demo").joinpath("data/answers.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text) or {}
    answers = {
        qid: [_entry(raw, f"answers.{qid}[{i}]") for i, raw in enumerate(entries or [])]
        for qid, entries in (data.get("answers") or {}).items()
    }
    follow_ups = {
        qid: [_entry(raw, f"follow_ups.{qid}[{i}]") for i, raw in enumerate(entries or [])]
        for qid, entries in (data.get("follow_ups") or {}).items()
    }
    profile = {
        comp: {role: float(v) for role, v in roles.items()} for comp, roles in (data.get("profile") or {}).items()
    }
    return AnswerBank(profile, answers, follow_ups)


# --- choosing what each persona says -------------------------------------------------------


def _key(entry: DemoAnswer, question_id: str) -> str:
    """What marks an answer as said already: its text, or the kind for a skip / don't know."""
    return entry.text if entry.kind == "answer" else f"{entry.kind}:{question_id}"


class Chooser:
    """Seeded choice of answers: fitting the persona's department and role, close to the level the
    profile expects of their role, and not yet said by anyone else while fresh answers remain
    (so forty people rarely say the same sentence)."""

    def __init__(self, bank: AnswerBank, used: Counter) -> None:
        self.bank = bank
        self.used = used

    def _weight(self, entry: DemoAnswer, target: float | None) -> float:
        if entry.kind != "answer":
            return 0.25
        if entry.level is None or target is None:
            return 0.35
        return math.exp(-1.5 * (entry.level - target) ** 2)

    def _pick(
        self, entries: list[DemoAnswer], question_id: str, target: float | None, rng: random.Random
    ) -> DemoAnswer:
        # Each earlier use makes an answer eight times less likely, so an answer that fits the
        # profile may come back once or twice before a far-off one is used; an answer that
        # suggests no level (hostile, off topic, an attempt to steer the rating) is said once.
        def weight(e: DemoAnswer) -> float:
            used = self.used[_key(e, question_id)]
            if used and e.kind == "answer" and e.level is None:
                return 0.0
            return self._weight(e, target) * 0.12**used

        weights = [weight(e) for e in entries]
        if not any(weights):
            weights = [1.0] * len(entries)
        choice = rng.choices(entries, weights=weights)[0]
        self.used[_key(choice, question_id)] += 1
        return choice

    def target(self, component: str, persona: Persona) -> float | None:
        """The level the profile expects this persona's role level to describe for ``component``."""
        return self.bank.profile.get(component, {}).get(persona.role_level)

    def answer(self, question_id: str, component: str, persona: Persona, rng: random.Random) -> DemoAnswer:
        """An answer to the question itself; an honest "I don't know" for a question the bank lacks."""
        fitting = [e for e in self.bank.answers.get(question_id, []) if e.fits(persona.department, persona.role_level)]
        if not fitting:  # e.g. a question added to an edited rubric
            return DemoAnswer(kind="dont_know")
        return self._pick(fitting, question_id, self.target(component, persona), rng)

    def follow_up(
        self,
        question_id: str,
        probe_index: int,
        anchor: float | None,
        persona: Persona,
        rng: random.Random,
        said: set[str],
    ) -> DemoAnswer:
        """An answer to probe ``probe_index``: written for that probe when one is left, in line with the
        answer it follows (within a level of ``anchor``), else a generic one; never repeated within
        one interview."""

        def fitting(bank_key: str) -> list[DemoAnswer]:
            return [
                e
                for e in self.bank.follow_ups.get(bank_key, [])
                if e.fits(persona.department, persona.role_level)
                and e.text not in said
                and e.probe in (None, probe_index)
                and (e.level is None or anchor is None or abs(e.level - anchor) <= 1)
            ]

        own, generic = fitting(question_id), fitting("generic")
        if own and generic:
            # the generic bank takes over only once the question's own answers are well worn
            least_own = min(self.used[_key(e, question_id)] for e in own)
            least_generic = min(self.used[_key(e, question_id)] for e in generic)
            if least_own > least_generic + 1:
                own = []
        pool = own or generic
        if not pool:
            return DemoAnswer("That's all I can say about it, sorry.")
        return self._pick(pool, question_id, None, rng)
