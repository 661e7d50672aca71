"""The rating proposal as typed data, shared by the offline engine, the LLM engine, the CLI
and the database stage.

``EvidenceItem`` is one segment as the engines see it (``id`` is the citation id: ``E-12`` for a
stored segment, any string in a file), or one bottleneck of the data-flow map (``kind="bottleneck"``,
``B-<hex>``: cited like a segment, never counted as a person); ``Proposal`` is what an engine returns for one component.
``LLMRating`` is the smaller object the LLM is asked to produce: the engine fills in what the
model must not be trusted with (status, voice mix, engine, prompt version).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Literal, Protocol

from pydantic import BaseModel, Field

from assistant.rubric import Judgment

Status = Literal["proposed", "insufficient_evidence", "failed"]
PROPOSED: Status = "proposed"
INSUFFICIENT: Status = "insufficient_evidence"
FAILED: Status = "failed"

_SEGMENT_ID = re.compile(r"^E-(\d+)$")


def segment_ref(segment_id: int) -> str:
    """The citation id of a stored segment: ``E-<id>``."""
    return f"E-{segment_id}"


def segment_pk(ref: str) -> int | None:
    """The database id behind a citation id ``E-12`` (None when ``ref`` is not of that form)."""
    match = _SEGMENT_ID.match(ref.strip())
    return int(match.group(1)) if match else None


EvidenceKind = Literal["segment", "bottleneck"]
MAP_SOURCE = "data-flow map"  # the ``participant`` of a bottleneck item: no one person, never counted


class EvidenceItem(BaseModel):
    """One evidence item handed to an engine: a segment of one person's words, or a bottleneck of the
    data-flow map (``kind="bottleneck"``: its text describes a hand-off several people described; it is
    cited like a segment but counts no person, and only under an indicator marked ``bottlenecks``)."""

    id: str = Field(min_length=1, max_length=64)
    participant: str = Field(min_length=1)
    text: str
    department: str = ""
    role_level: str = ""
    theme: str | None = None
    kind: EvidenceKind = "segment"


def by_kind(items: Sequence[EvidenceItem]) -> tuple[list[EvidenceItem], list[EvidenceItem]]:
    """(segments, bottlenecks) of ``items``, each in the order given."""
    return [i for i in items if i.kind == "segment"], [i for i in items if i.kind == "bottleneck"]


class Citation(BaseModel):
    """A verbatim quote from one segment."""

    segment_id: str
    quote: str


class Side(BaseModel):
    """One side of a disagreement on an indicator: the people of one group and the level they point to."""

    label: str  # "frontline staff and supervisors", "managers and executives", or a department
    level: int
    participants: int
    segment_ids: list[str] = Field(default_factory=list)
    citations: list[Citation] = Field(default_factory=list)


class Split(BaseModel):
    """Two groups whose accounts of one indicator point to levels at least two apart.

    ``followed`` is the indicator level the engine took and ``why`` says why in words; the consultant
    decides (``if_sides`` gives the component level each side's reading would lead to)."""

    kind: Literal["role", "department"]
    sides: list[Side]
    followed: int
    why: str
    if_sides: list[int | None] = Field(default_factory=list)


class IndicatorResult(BaseModel):
    """One indicator of the component: evidence level, judgment against the component level, citations.

    ``segment_ids`` are every segment the evidence level rests on (defined once: ``participants`` and
    ``segments`` are counted from them by ``assistant.rating.counts.tally``); ``citations`` are the
    quotes shown, a subset of them."""

    indicator_id: str
    judgment: Judgment
    evidence_level: int | None = None
    segment_ids: list[str] = Field(default_factory=list)
    citations: list[Citation] = Field(default_factory=list)
    note: str = ""
    participants: int = 0
    segments: int = 0
    split: Split | None = None


class VoiceMix(BaseModel):
    """Whose voices stand behind the proposal (people, not mentions): the distinct people behind every
    indicator's ``segment_ids``, with their departments and role levels; ``quoted`` of them are quoted."""

    participants: int = 0
    quoted: int = 0
    departments: dict[str, int] = Field(default_factory=dict)
    role_levels: dict[str, int] = Field(default_factory=dict)
    input_participants: int = 0
    input_segments: int = 0


class Proposal(BaseModel):
    """A proposed maturity level for one component, or why there is none."""

    component: str
    status: Status
    level: int | None = None
    indicators: list[IndicatorResult] = Field(default_factory=list)
    citations: list[Citation] = Field(default_factory=list)
    rationale: str = ""
    confidence: float = 0.0
    voice_mix: VoiceMix = Field(default_factory=VoiceMix)
    engine: str = "offline"
    prompt_version: str | None = None
    error: str | None = None
    excluded: list[str] = Field(default_factory=list)  # segment ids screened out whole (instructions to the rater)
    screened: list[str] = Field(default_factory=list)  # segment ids whose instruction sentences were cut out

    def file_dict(self) -> dict:
        """The ``dm3 rate-evidence`` output shape (status, level, indicators, citations, rationale, ...)."""
        data = self.model_dump(mode="json")
        order = [
            "status",
            "level",
            "indicators",
            "citations",
            "rationale",
            "component",
            "confidence",
            "voice_mix",
            "engine",
            "prompt_version",
            "error",
            "excluded",
            "screened",
        ]
        return {key: data[key] for key in order}


# --- what the LLM is asked for -----------------------------------------------------------


class LLMIndicator(BaseModel):
    indicator_id: str
    evidence_level: int | None = Field(
        description="1-5 from the indicator's level descriptions, null when no segment speaks to it"
    )
    judgment: Judgment
    citations: list[Citation]


class LLMRating(BaseModel):
    indicators: list[LLMIndicator]
    level: int | None = Field(description="the component level the rule gives, null when the rule gives none")
    rationale: str
    confidence: float


class Rater(Protocol):
    """What the rating stage asks of an engine (offline or LLM): a proposal for one component, no
    group under the engagement's small-group threshold ``k`` broken out."""

    def rate(self, component_id: str, items: Sequence[EvidenceItem], *, k: int) -> Proposal: ...
