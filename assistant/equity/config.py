"""An engagement's equity settings, kept in ``Engagement.settings["equity"]``.

- ``min_cell``: the small-cell threshold (default 5, never below 3; ``assistant.suppression``);
- ``flag_ratio``: a group whose representation ratio (share of participants over share of the
  roster) is under this is flagged (default 0.8);
- ``voice_ratio``: in a theme or the evidence behind a rating, a group whose share is under this
  times its share of all participants is flagged under-represented, over 1/this over-represented
  (default 0.5);
- ``attributes``: optional self-described attributes asked on the consent page, each
  ``{"key", "question", "options"}``; always skippable.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session

from assistant.models import Engagement, User
from assistant.records.engagements import change_settings
from assistant.suppression import DEFAULT_MIN_CELL, FLOOR, min_cell

DEFAULT_FLAG_RATIO = 0.8
DEFAULT_VOICE_RATIO = 0.5
MAX_OPTIONS = 12
MAX_TEXT = 200


class SettingsError(ValueError):
    """Equity settings that cannot be saved; ``problems`` lists each one."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Attribute:
    """An optional self-described attribute: its key, the question staff see, the answers offered."""

    key: str
    question: str
    options: tuple[str, ...]


@dataclass(frozen=True)
class EquitySettings:
    min_cell: int = DEFAULT_MIN_CELL
    flag_ratio: float = DEFAULT_FLAG_RATIO
    voice_ratio: float = DEFAULT_VOICE_RATIO
    attributes: tuple[Attribute, ...] = field(default_factory=tuple)


def _ratio(raw: Any, default: float) -> float:
    try:
        value = float(raw)
    except (TypeError, ValueError):
        return default
    return value if 0 < value < 1 else default


def equity_settings(engagement: Engagement) -> EquitySettings:
    """The engagement's equity settings with defaults for anything missing or out of range."""
    raw = (engagement.settings or {}).get("equity") or {}
    attributes = tuple(
        Attribute(str(a["key"]), str(a["question"]), tuple(str(o) for o in a.get("options", [])))
        for a in raw.get("attributes", [])
        if isinstance(a, dict) and a.get("key") and a.get("question")
    )
    return EquitySettings(
        min_cell(raw),
        _ratio(raw.get("flag_ratio"), DEFAULT_FLAG_RATIO),
        _ratio(raw.get("voice_ratio"), DEFAULT_VOICE_RATIO),
        attributes,
    )


def parse_settings(min_cell_text: str, flag_ratio_text: str, question: str, options_text: str) -> dict[str, Any]:
    """The ``equity`` settings from the team page's form; ``SettingsError`` listing every problem.

    Rules: the threshold is a whole number of at least 3; the flag ratio a number between 0 and 1
    (exclusive); an attribute needs a question and 2 to 12 answers (one per line); no attribute
    when both are empty.
    """
    problems = []
    k = min_cell_text.strip()
    if not k.isdigit() or int(k) < FLOOR or int(k) > 100:
        problems.append(f"The smallest group shown must be a whole number from {FLOOR} to 100 (got '{k}').")
    ratio_text = flag_ratio_text.strip()
    try:
        ratio = float(ratio_text)
        if not 0 < ratio < 1:
            raise ValueError
    except ValueError:
        problems.append(f"The flag threshold must be a number between 0 and 1, such as 0.8 (got '{ratio_text}').")
        ratio = DEFAULT_FLAG_RATIO
    question = " ".join(question.split())
    options = [" ".join(o.split()) for o in options_text.splitlines() if o.strip()]
    attributes = []
    if question or options:
        if not question:
            problems.append("Write the question staff will see for the optional attribute.")
        if not 2 <= len(options) <= MAX_OPTIONS:
            problems.append(f"Give from 2 to {MAX_OPTIONS} answers for the optional attribute, one per line.")
        if len(question) > MAX_TEXT or any(len(o) > MAX_TEXT for o in options):
            problems.append(f"Keep the question and each answer under {MAX_TEXT} characters.")
        if len({o.lower() for o in options}) != len(options):
            problems.append("Each answer of the optional attribute must be different.")
        key = re.sub(r"[^a-z0-9]+", "_", question.lower()).strip("_")[:40] or "attribute"
        attributes.append({"key": key, "question": question, "options": options})
    if problems:
        raise SettingsError(problems)
    return {"min_cell": int(k), "flag_ratio": ratio, "attributes": attributes}


def save_settings(session: Session, engagement: Engagement, value: dict[str, Any], user: User) -> None:
    """Store ``value`` (from ``parse_settings``) as the engagement's equity settings, audited with what
    they were before."""
    before = dict(engagement.settings.get("equity") or {})
    change_settings(
        session, engagement, "engagement.equity_settings", user, {"equity": value}, before=before, after=value
    )
