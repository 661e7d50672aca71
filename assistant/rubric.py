"""The DM3 rubric as typed data, loaded from ``rubric/dm3.yaml`` and validated on load.

Nothing in the code hard-codes a level descriptor, question, probe or activity: they all come
from the rubric file, which consultants can edit. ``load_rubric`` raises ``RubricError`` with the
file name and the exact place of the problem.

The level rule (``RatingRule``): each indicator with evidence gets an evidence level (1-5). The
component level is the highest level L such that at least ``level_share`` of the indicators with
evidence, and at least ``min_indicators_at_level`` of them, sit at L or above. Against that level an
indicator is *met* (at or above it), *partly* (one below), *not met* (lower) or has *no evidence*.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, Field, ValidationError, model_validator

RUBRIC_DIR = Path(__file__).resolve().parent.parent / "rubric"
DEFAULT_RUBRIC = RUBRIC_DIR / "dm3.yaml"
COMPONENT_IDS = (
    "data_life_cycle",
    "equity_lens",
    "leadership_alignment",
    "partnership_leverage",
    "sustainability_focus",
    "governance_structures",
)
Judgment = Literal["met", "partly", "not_met", "no_evidence"]


class RubricError(ValueError):
    """The rubric file is missing, malformed or inconsistent; the message says where."""


class Level(BaseModel):
    level: int = Field(ge=1, le=5)
    name: str
    description: str


class RoleLevel(BaseModel):
    id: str
    name: str
    description: str = ""


class Indicator(BaseModel):
    id: str
    name: str
    description: str
    levels: dict[int, str]  # what evidence at each level 1-5 looks like
    signals: dict[str, list[str]] = Field(default_factory=dict)  # optional keyword cues per level ("1".."5")
    # the data-flow map's bottlenecks (re-typed, paper, emailed hand-offs) are cited as this indicator's evidence
    bottlenecks: bool = False

    @model_validator(mode="after")
    def _five_levels(self) -> Indicator:
        missing = [lvl for lvl in range(1, 6) if not self.levels.get(lvl, "").strip()]
        if missing:
            raise ValueError(f"indicator '{self.id}' has no evidence description for level(s) {missing}")
        return self


class Question(BaseModel):
    id: str
    text: str
    roles: list[str]  # role level ids this question fits
    indicators: list[str] = Field(default_factory=list)
    probes: list[str] = Field(min_length=1)  # follow-ups when an answer is vague or short
    topic: str = ""  # a few words naming what the question is about, used to bring a reply back on topic


class Activity(BaseModel):
    id: str
    from_level: int = Field(ge=1, le=4)
    title: str
    description: str
    depends_on: list[str] = Field(default_factory=list)
    # removes manual hand-offs between systems: people describing such hand-offs on the data-flow map raise its priority
    addresses_handoffs: bool = False

    @property
    def to_level(self) -> int:
        return self.from_level + 1


class EvidenceMinimum(BaseModel):
    segments: int = Field(default=3, ge=1)
    participants: int = Field(default=2, ge=1)


class RatingRule(BaseModel):
    level_share: float = Field(default=0.6, gt=0, le=1)
    min_indicators_with_evidence: int = Field(default=2, ge=1)
    # A level above 1 must be reached by at least this many indicators, so that one indicator never
    # sets the level alone (with a share of one half and two indicators, it otherwise would).
    min_indicators_at_level: int = Field(default=1, ge=1)

    def level_for(self, evidence_levels: list[int | None]) -> int | None:
        """The component level the rule gives for per-indicator evidence levels (None = no evidence).

        Returns None when fewer than ``min_indicators_with_evidence`` indicators have evidence.
        """
        judged = [lvl for lvl in evidence_levels if lvl is not None]
        if len(judged) < self.min_indicators_with_evidence:
            return None
        best = 1
        for candidate in range(1, 6):
            reach = sum(1 for lvl in judged if lvl >= candidate)
            if reach / len(judged) >= self.level_share and reach >= self.min_indicators_at_level:
                best = candidate
        return best

    @staticmethod
    def judgment(evidence_level: int | None, component_level: int | None) -> Judgment:
        """An indicator's judgment against the component level."""
        if evidence_level is None or component_level is None:
            return "no_evidence"
        if evidence_level >= component_level:
            return "met"
        if evidence_level == component_level - 1:
            return "partly"
        return "not_met"


class Component(BaseModel):
    id: str
    name: str
    staff_name: str = ""  # the topic as staff read it in the interview ("working with partners")
    description: str
    indicators: list[Indicator] = Field(min_length=4, max_length=6)
    questions: list[Question] = Field(min_length=1)
    activities: list[Activity] = Field(default_factory=list)
    minimum_evidence: EvidenceMinimum | None = None
    rule: RatingRule | None = None

    @property
    def staff_label(self) -> str:
        """The component's name as staff see it in the interview (its ``staff_name``, else its name)."""
        return self.staff_name or self.name

    def indicator(self, indicator_id: str) -> Indicator:
        for ind in self.indicators:
            if ind.id == indicator_id:
                return ind
        raise KeyError(f"component '{self.id}' has no indicator '{indicator_id}'")


class ReadinessKind(BaseModel):
    """One readiness signal the roadmap weighs: which decided levels inform it and what staff say
    when it is present (``for``) or missing (``against``). Cues are lower-case phrases matched as
    whole words; an ``against`` cue wins over a ``for`` cue in the same segment ("no budget")."""

    id: str
    name: str
    question: str  # what the consultant is asked to confirm
    components: list[str] = Field(default_factory=list)  # whose decided levels inform it
    cues_for: list[str] = Field(default_factory=list, alias="for")
    cues_against: list[str] = Field(default_factory=list, alias="against")


class GenericProbes(BaseModel):
    short: list[str] = Field(min_length=1)
    vague: list[str] = Field(min_length=1)
    off_topic: list[str] = Field(min_length=1)  # may contain {topic}
    acknowledgements: list[str] = Field(min_length=1)
    # the reply to an instruction aimed at the assistant ("rate us 5"); may contain {topic}
    instruction: list[str] = Field(
        default_factory=lambda: [
            "I can't do that here, but I'm glad to hear your view. "
            "Back to our topic, {topic}: what happens where you work?"
        ]
    )


class Relevance(BaseModel):
    """What the off-topic rule compares an answer with (see ``assistant.interview.decide``)."""

    # words of data work, in the languages staff use: an answer naming one is on the subject
    data_terms: tuple[str, ...] = ()
    # what off-topic talk is about: an answer nearer to these than to any question is sent back
    off_topic_examples: tuple[str, ...] = ()


def dependency_cycle(depends_on: dict[str, list[str]]) -> list[str]:
    """The first dependency loop found in ``depends_on`` ({id: ids it needs first}) as a path that
    starts and ends at the same id (["a", "b", "a"]), or [] when there is none. Unknown ids are
    ignored (reported elsewhere)."""
    state: dict[str, int] = {}  # 1 on the current path, 2 finished

    def visit(node: str, path: list[str]) -> list[str]:
        state[node] = 1
        path.append(node)
        for dep in depends_on.get(node, []):
            if dep not in depends_on:
                continue
            if state.get(dep) == 1:
                return path[path.index(dep) :] + [dep]
            if state.get(dep) is None:
                found = visit(dep, path)
                if found:
                    return found
        path.pop()
        state[node] = 2
        return []

    for node in sorted(depends_on):
        if state.get(node) is None:
            found = visit(node, [])
            if found:
                return found
    return []


class Rubric(BaseModel):
    version: str
    levels: list[Level]
    role_levels: list[RoleLevel]
    questions_per_component: int = Field(default=2, ge=1, le=6)
    minimum_evidence: EvidenceMinimum = Field(default_factory=EvidenceMinimum)
    rule: RatingRule = Field(default_factory=RatingRule)
    probes: GenericProbes
    relevance: Relevance = Field(default_factory=Relevance)
    components: list[Component]
    readiness: list[ReadinessKind] = Field(default_factory=list)

    @model_validator(mode="after")
    def _consistent(self) -> Rubric:
        if [lvl.level for lvl in self.levels] != [1, 2, 3, 4, 5]:
            raise ValueError("levels must be exactly 1..5 in order")
        ids = [c.id for c in self.components]
        if tuple(ids) != COMPONENT_IDS:
            raise ValueError(f"components must be {list(COMPONENT_IDS)} in that order, found {ids}")
        roles = {r.id for r in self.role_levels}
        seen: set[str] = set()
        activity_ids = {a.id for c in self.components for a in c.activities}
        for comp in self.components:
            ind_ids = {i.id for i in comp.indicators}
            for q in comp.questions:
                if q.id in seen:
                    raise ValueError(f"question id '{q.id}' is used twice")
                seen.add(q.id)
                unknown = set(q.roles) - roles
                if unknown:
                    raise ValueError(f"component '{comp.id}' question '{q.id}' names unknown role(s) {sorted(unknown)}")
                bad = set(q.indicators) - ind_ids
                if bad:
                    raise ValueError(
                        f"component '{comp.id}' question '{q.id}' names unknown indicator(s) {sorted(bad)}"
                    )
            for role in roles:
                if not any(role in q.roles for q in comp.questions):
                    raise ValueError(f"component '{comp.id}' has no question for role level '{role}'")
            for act in comp.activities:
                bad = set(act.depends_on) - activity_ids
                if bad:
                    raise ValueError(
                        f"component '{comp.id}' activity '{act.id}' depends on unknown activity {sorted(bad)}"
                    )
        cycle = dependency_cycle({a.id: a.depends_on for c in self.components for a in c.activities})
        if cycle:
            raise ValueError(
                f"roadmap activities depend on each other in a loop: {' -> '.join(cycle)}; "
                "remove one of these depends_on entries"
            )
        for kind in self.readiness:
            bad = set(kind.components) - set(ids)
            if bad:
                raise ValueError(f"readiness '{kind.id}' names unknown component(s) {sorted(bad)}")
        return self

    # --- look-ups -----------------------------------------------------------------------

    def component(self, component_id: str) -> Component:
        for comp in self.components:
            if comp.id == component_id:
                return comp
        raise KeyError(f"unknown component '{component_id}'")

    def question(self, question_id: str) -> tuple[Component, Question]:
        for comp in self.components:
            for q in comp.questions:
                if q.id == question_id:
                    return comp, q
        raise KeyError(f"unknown question '{question_id}'")

    def level_name(self, level: int) -> str:
        return self.levels[level - 1].name

    def rule_for(self, component_id: str) -> RatingRule:
        return self.component(component_id).rule or self.rule

    def minimum_for(self, component_id: str) -> EvidenceMinimum:
        return self.component(component_id).minimum_evidence or self.minimum_evidence


def _where(err: dict) -> str:
    return ".".join(str(p) for p in err["loc"]) or "(top level)"


def load_rubric(path: Path | str = DEFAULT_RUBRIC) -> Rubric:
    """Read and validate a rubric file; raise ``RubricError`` naming the file and the place."""
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise RubricError(f"{path}: rubric file not found") from exc
    except yaml.YAMLError as exc:
        raise RubricError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(raw, dict):
        raise RubricError(f"{path}: expected a mapping at the top level")
    try:
        return Rubric.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(f"{_where(e)}: {e['msg']}" for e in exc.errors())
        raise RubricError(f"{path}: {problems}") from exc


@lru_cache(maxsize=4)
def get_rubric(path: str = str(DEFAULT_RUBRIC)) -> Rubric:
    """The rubric, loaded once per process and path."""
    return load_rubric(path)
