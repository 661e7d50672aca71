"""``dm3 probe``: the interviewer's decision for answers read from a JSON file, written to another.

Input: one object ``{"role_level", "component", "question", "follow_up", "answer"}`` or a list of
them; output: ``{"action", "reason", "message"}`` for each, a list in the same order when the input
is a list. The decision is ``decide.decide``, the one the web chat makes.
"""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError

from assistant.interview.decide import Decision, Relate, decide
from assistant.rubric import Rubric


class ProbeInput(BaseModel):
    """One answer to decide on, as the file gives it."""

    model_config = ConfigDict(extra="forbid")

    role_level: str
    component: str
    question: str
    follow_up: str | None = None
    answer: str


def read_inputs(path: Path) -> tuple[list[ProbeInput], bool]:
    """The inputs in ``path`` and whether the file held a list; ``ValueError`` saying which item is wrong."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ValueError(f"{path}: no such file") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"{path}: not valid JSON ({exc})") from None
    many = isinstance(raw, list)
    items = raw if many else [raw]
    out = []
    for i, item in enumerate(items):
        where = f"{path}: item {i}" if many else str(path)
        if not isinstance(item, dict):
            raise ValueError(f"{where}: expected an object with role_level, component, question, follow_up, answer")
        try:
            out.append(ProbeInput.model_validate(item))
        except ValidationError as exc:
            problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'item'}: {e['msg']}" for e in exc.errors())
            raise ValueError(f"{where}: {problems}") from None
    return out, many


def decide_all(inputs: list[ProbeInput], rubric: Rubric, relate: Relate | None, max_probes: int = 2) -> list[Decision]:
    """The decision for each input, in order; ``ValueError`` naming the item whose fields do not fit the rubric."""
    out = []
    for i, item in enumerate(inputs):
        try:
            out.append(
                decide(
                    rubric,
                    item.role_level,
                    item.component,
                    item.question,
                    item.follow_up,
                    item.answer,
                    relate,
                    max_probes,
                )
            )
        except ValueError as exc:
            raise ValueError(f"item {i}: {exc}") from None
    return out


def write_outputs(path: Path, decisions: list[Decision], many: bool) -> None:
    """Write the decisions as JSON: a list when the input was a list, else the one object."""
    data = [d.as_dict() for d in decisions] if many else decisions[0].as_dict()
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
