"""Readiness signals: leadership commitment, funding, staff time, change capacity.

Each signal is derived from evidence, then confirmed or adjusted by a consultant:
- the decided levels of the components the rubric names for it (``rubric.readiness``), scaled 0..1;
- what staff said: active segments of people who have not withdrawn that contain one of the
  signal's cues, counted by distinct people for and against (an "against" cue wins in a segment);
- the two are averaged (either alone when the other is missing) and banded: under 0.4 low, under
  0.65 medium, else high; with neither it is "unknown", never a guess.

A consultant's confirmation keeps its value across re-derivation; when the evidence later points
elsewhere the page says so (``changed_since_confirmed``). Adjusting a value needs a note.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from sqlmodel import Session, col, select

from assistant.models import Engagement, ReadinessSignal, Segment, User, utcnow
from assistant.records.evidence import counted_segments
from assistant.records.review import ReviewError, decided_levels
from assistant.rubric import ReadinessKind, Rubric
from assistant.security import audit_by

VALUES = ("low", "medium", "high")
LOW, HIGH = 0.4, 0.65
MIN_PEOPLE = 2  # fewer people than this on a signal is too thin to score what staff said
KEEP_QUOTES = 8  # segment ids kept per side (the page shows a few; counts are kept in full)


def band(score: float | None) -> str:
    """low / medium / high for a 0..1 score; unknown for None."""
    if score is None:
        return "unknown"
    return "low" if score < LOW else "medium" if score < HIGH else "high"


@lru_cache(maxsize=64)
def _pattern(cues: tuple[str, ...]) -> re.Pattern[str] | None:
    if not cues:
        return None
    body = "|".join(re.escape(c.lower()).replace(r"\ ", r"\s+") for c in sorted(cues, key=len, reverse=True))
    return re.compile(rf"(?<![\w])(?:{body})(?![\w])")


def _normalise(text: str) -> str:
    return text.lower().replace("\u2019", "'")


def classify(text: str, kind: ReadinessKind) -> str | None:
    """ "against", "for" or None for one staff text and one readiness kind ("against" wins)."""
    low = _normalise(text)
    against, supports = _pattern(tuple(kind.cues_against)), _pattern(tuple(kind.cues_for))
    if against is not None and against.search(low):
        return "against"
    if supports is not None and supports.search(low):
        return "for"
    return None


@dataclass
class Derived:
    kind: str
    value: str
    score: float | None
    evidence: dict


def derive_values(
    rubric: Rubric, decided: dict[str, int | None], segments: list[tuple[int, int, str]]
) -> list[Derived]:
    """Derived readiness per rubric kind from decided levels and (segment id, participant id, text)
    rows. Pure: the same inputs give the same values and evidence."""
    out = []
    for kind in rubric.readiness:
        levels = {c: decided[c] for c in kind.components if decided.get(c) is not None}
        level_score = (sum(levels.values()) / len(levels) - 1) / 4 if levels else None
        seg_ids: dict[str, list[int]] = {"for": [], "against": []}
        people: dict[str, set[int]] = {"for": set(), "against": set()}
        for seg_id, pid, text in segments:
            side = classify(text, kind)
            if side is not None:
                seg_ids[side].append(seg_id)
                people[side].add(pid)
        # people are counted on each side they spoke to (someone may describe both), so the page's
        # counts match the quotes it shows; the share weighs both sides alike
        n_for, n_against = len(people["for"]), len(people["against"])
        said_score = n_for / (n_for + n_against) if n_for + n_against >= MIN_PEOPLE else None
        scores = [s for s in (level_score, said_score) if s is not None]
        score = sum(scores) / len(scores) if scores else None
        basis = []
        for comp, lvl in levels.items():
            basis.append(f"{rubric.component(comp).name} decided at {lvl} ({rubric.level_name(lvl)})")
        missing = [rubric.component(c).name for c in kind.components if c not in levels]
        if missing:
            basis.append(f"{', '.join(missing)} awaiting review")
        basis.append(
            f"{n_for} {'person' if n_for == 1 else 'people'} described it as in place, "
            f"{n_against} as missing" + ("" if said_score is not None else " (too few to weigh)")
        )
        evidence = {
            "levels": levels,
            "basis": "; ".join(basis),
            "people": {"for": n_for, "against": n_against},
            "segments": {side: sorted(ids)[:KEEP_QUOTES] for side, ids in seg_ids.items()},
            "level_score": level_score,
            "said_score": said_score,
        }
        out.append(Derived(kind.id, band(score), score, evidence))
    return out


def _segments(session: Session, engagement_id: int) -> list[tuple[int, int, str]]:
    rows = session.exec(
        counted_segments(Segment.id, Segment.participant_id, Segment.text, engagement_id=engagement_id).order_by(
            col(Segment.id)
        )
    ).all()
    return [(sid, pid, text) for sid, pid, text in rows]


def refresh(session: Session, engagement: Engagement, rubric: Rubric) -> list[ReadinessSignal]:
    """Re-derive every signal of ``engagement`` and store it (confirmations kept); returns the rows
    in rubric order (added, not committed)."""
    existing = {
        s.kind: s
        for s in session.exec(select(ReadinessSignal).where(ReadinessSignal.engagement_id == engagement.id)).all()
    }
    rows = []
    for d in derive_values(rubric, decided_levels(session, engagement.id), _segments(session, engagement.id)):
        row = existing.get(d.kind) or ReadinessSignal(engagement_id=engagement.id, kind=d.kind)
        row.derived, row.score, row.evidence, row.updated_at = d.value, d.score, d.evidence, utcnow()
        session.add(row)
        rows.append(row)
    session.flush()
    return rows


def snapshot(session: Session, engagement: Engagement, rubric: Rubric) -> list[ReadinessSignal]:
    """The signals as the evidence stands now, with the consultant's confirmations, in rubric order,
    without writing anything (for pages and exports): detached rows, never added to the session."""
    stored = {
        s.kind: s
        for s in session.exec(select(ReadinessSignal).where(ReadinessSignal.engagement_id == engagement.id)).all()
    }
    out = []
    for d in derive_values(rubric, decided_levels(session, engagement.id), _segments(session, engagement.id)):
        row = stored.get(d.kind)
        copy = ReadinessSignal(
            engagement_id=engagement.id, kind=d.kind, derived=d.value, score=d.score, evidence=d.evidence
        )
        if row is not None:
            copy.id, copy.value, copy.note = row.id, row.value, row.note
            copy.derived_when_confirmed, copy.confirmed_by, copy.confirmed_at = (
                row.derived_when_confirmed,
                row.confirmed_by,
                row.confirmed_at,
            )
        out.append(copy)
    return out


def signals(session: Session, engagement: Engagement, rubric: Rubric) -> list[ReadinessSignal]:
    """The stored signals in rubric order, derived first when some are missing."""
    rows = {
        s.kind: s
        for s in session.exec(select(ReadinessSignal).where(ReadinessSignal.engagement_id == engagement.id)).all()
    }
    if any(k.id not in rows for k in rubric.readiness):
        return refresh(session, engagement, rubric)
    return [rows[k.id] for k in rubric.readiness]


def effective(signal: ReadinessSignal) -> str:
    """What sequencing uses: the consultant's value once confirmed, else the derived one."""
    return signal.value or signal.derived


def changed_since_confirmed(signal: ReadinessSignal) -> bool:
    """True when the evidence now points to another value than when the consultant confirmed."""
    return signal.value is not None and signal.derived_when_confirmed not in (None, signal.derived)


def confirm(
    session: Session, engagement: Engagement, kind: str, value: str, note: str, user: User, rubric: Rubric
) -> ReadinessSignal:
    """Confirm (same value as derived) or adjust a signal; returns it (added, not committed).

    Rules: the value is low, medium or high; a value other than the derived one needs a note
    saying why; audited with the value before and after."""
    known = {k.id: k for k in rubric.readiness}
    if kind not in known:
        raise ReviewError(f"unknown readiness signal {kind!r}")
    value = (value or "").strip().lower()
    if value not in VALUES:
        raise ReviewError(f"{known[kind].name}: choose low, medium or high")
    note = " ".join((note or "").split())
    row = next(s for s in signals(session, engagement, rubric) if s.kind == kind)
    if value != row.derived and not note:
        raise ReviewError(f"{known[kind].name}: the evidence says {row.derived}; add a note saying why you set {value}")
    if len(note) > 1000:
        raise ReviewError(f"{known[kind].name}: keep the note under 1000 characters")
    before = {"value": row.value, "note": row.note, "derived": row.derived}
    row.value, row.note, row.derived_when_confirmed = value, note, row.derived
    row.confirmed_by, row.confirmed_at = user.id, utcnow()
    session.add(row)
    audit_by(
        session,
        "readiness.confirm" if value == row.derived else "readiness.adjust",
        user,
        role="consultant",
        engagement_id=engagement.id,
        entity=f"readiness:{kind}",
        before=before,
        after={"value": value, "note": note, "derived": row.derived},
    )
    return row
