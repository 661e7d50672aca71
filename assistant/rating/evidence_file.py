"""``dm3 rate-evidence``: one component rated from a JSON file, outside any engagement.

INPUT: ``{"component": "<id>", "segments": [{"id", "participant", "text", "department"?, "role_level"?}],
"names"?: [roster names to redact]}``. OUTPUT: the proposal's ``file_dict`` (status, level,
indicators, citations, rationale, ...). The command picks the engine through the seam: the LLM when
``DM3_LLM_BASE_URL`` and ``DM3_LLM_MODEL`` are set (its calls are logged in the configured database,
the file's ``names`` bound into redaction), offline otherwise.
"""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel, Field, ValidationError

from assistant.rating.counts import explain_confidence
from assistant.rating.schema import EvidenceItem, Proposal, Rater
from assistant.rubric import COMPONENT_IDS


class EvidenceFile(BaseModel):
    component: str
    segments: list[EvidenceItem]
    names: list[str] = Field(default_factory=list)


def read_evidence_file(path: Path) -> EvidenceFile:
    """The parsed input file; ``ValueError`` saying what is wrong where."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ValueError(f"{path}: no such file") from exc
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path}: not valid JSON ({exc.msg}, line {exc.lineno})") from exc
    try:
        parsed = EvidenceFile.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()[:5])
        raise ValueError(f"{path}: {problems}") from exc
    if parsed.component not in COMPONENT_IDS:
        raise ValueError(f"{path}: unknown component {parsed.component!r}; use one of {list(COMPONENT_IDS)}")
    ids = [s.id for s in parsed.segments]
    if len(ids) != len(set(ids)):
        raise ValueError(f"{path}: segment ids must be unique")
    return parsed


def rate_evidence(evidence: EvidenceFile, rater: Rater, out: Path) -> Proposal:
    """Rate the file's component with ``rater`` (from the engine seam); write the proposal JSON to
    ``out`` and return it."""
    proposal = rater.rate(evidence.component, evidence.segments)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    data = proposal.file_dict()
    data["confidence_note"] = explain_confidence(proposal)
    out.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return proposal
