"""Theme labels and summaries from the LLM, validated against the theme's own segments.

Rules: every cited id must be a member shown to the model; at least one id is cited; the label
is short. On ``LLMFailed`` the offline label and summary stay and ``label_engine`` says
"offline"; curated themes are never relabelled (the consultant's words win). The labeller comes
from the engine seam (``assistant.engines``), never built here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from pydantic import BaseModel, Field
from sqlalchemy import or_
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from assistant.llm.client import LLMClient, LLMFailed
from assistant.models import Segment, Theme, ThemeMember
from assistant.records.evidence import live_themes
from assistant.screening import evidence_text
from assistant.synthesis.labels import is_phrase_label

MAX_SEGMENTS = 12  # the most central members sent per theme (keeps the prompt small)


class ThemeLabel(BaseModel):
    label: str = Field(min_length=2, max_length=80)
    summary: str = Field(min_length=10, max_length=900)
    cited_ids: list[int]


def validator(member_ids: set[int]) -> Callable[[ThemeLabel], list[str]]:
    """The check for one theme: cited ids are members, at least one is cited, the label is a phrase a
    consultant could keep (``labels.is_phrase_label``)."""

    def check(out: ThemeLabel) -> list[str]:
        errors = []
        bad = [i for i in out.cited_ids if i not in member_ids]
        if bad:
            errors.append(f"cited_ids {bad} are not segments of this theme; use only: {sorted(member_ids)}")
        if not out.cited_ids:
            errors.append("cite at least one segment id in cited_ids")
        if not is_phrase_label(out.label):
            errors.append(
                "the label must be one noun phrase of 2 to 7 words (no list of words, no name or placeholder,"
                " not only a number)"
            )
        return errors

    return check


class Labeller(Protocol):
    """What synthesis asks of a labelling engine: a validated label and summary for one theme."""

    @property
    def engine(self) -> str: ...

    def label(self, component: str, keywords: list[str], segments: list[dict[str, Any]], size: int) -> ThemeLabel: ...


class LLMLabeller:
    """Theme labels and summaries written by the LLM (a client built by ``assistant.engines``)."""

    def __init__(self, llm: LLMClient, engagement_id: int | None = None) -> None:
        self.llm = llm
        self.engagement_id = engagement_id

    @property
    def engine(self) -> str:
        return self.llm.model

    def label(self, component: str, keywords: list[str], segments: list[dict[str, Any]], size: int) -> ThemeLabel:
        """A validated label and summary for one theme; ``LLMFailed`` when the model gives none."""
        return self.llm.structured(
            "theme_label",
            "theme_label",
            {"component": component, "keywords": keywords, "segments": segments, "size": size},
            output=ThemeLabel,
            validate=validator({d["id"] for d in segments}),
            engagement_id=self.engagement_id,
        )


def label_themes(
    engine: Engine,
    labeller: Labeller,
    engagement_id: int,
    run_id: int,
    counted: Callable[[int, int], None] | None = None,
) -> dict[str, int]:
    """Relabel this run's machine themes with ``labeller``; returns counts {"llm": n, "offline": n}.
    ``counted(done, total)`` hears each theme the labeller has answered for."""
    counts = {"llm": 0, "offline": 0}
    with Session(engine, expire_on_commit=False) as s:
        themes = s.exec(
            live_themes(engagement_id, other=False).where(Theme.run_id == run_id, col(Theme.curated).is_(False))
        ).all()
        work: list[tuple[Theme, list[dict[str, Any]], int]] = []
        for theme in themes:
            rows = s.exec(
                select(Segment, ThemeMember.score)
                .join(ThemeMember, ThemeMember.segment_id == Segment.id)
                .where(or_(ThemeMember.theme_id == theme.id, ThemeMember.subtheme_id == theme.id))
                .order_by(ThemeMember.score.desc(), Segment.id)
            ).all()
            # the model is shown staff words only: instruction sentences cut out (``assistant.screening``)
            said = [(seg.id, evidence_text(seg.text)) for seg, _ in rows]
            shown = [{"id": i, "text": t} for i, t in said if t][:MAX_SEGMENTS]
            work.append((theme, shown, len(rows)))
    # no write transaction is open while the LLM answers (its log is written on another connection)
    results: dict[int, tuple[ThemeLabel | None, str]] = {}
    for theme, shown, size in work:
        try:
            results[theme.id] = (labeller.label(theme.component, theme.keywords, shown, size), labeller.engine)
        except LLMFailed:
            results[theme.id] = (None, "offline")
        if counted is not None:
            counted(len(results), len(work))
    with Session(engine) as s:
        for theme_id, (out, engine_name) in results.items():
            theme = s.get(Theme, theme_id)
            if out is not None:
                theme.label, theme.summary = " ".join(out.label.split()), out.summary.strip()
                counts["llm"] += 1
            else:
                counts["offline"] += 1
            theme.label_engine = engine_name
            s.add(theme)
        s.commit()
    return counts
