"""Data exports of an engagement: themes, de-identified segments, proposals, decisions, readiness,
roadmap and participation, as one JSON document or a ZIP of CSV files (one per table).

The same rules as the report: staff text only from people who agreed to be quoted (others' rows
are kept with an empty text, so counts still add up), names replaced, no department or role on a
segment (a segment with its group could single a person out), participation with groups under 5
suppressed. CSV cells that a spreadsheet would run as a formula (starting with = + - @, tab or
carriage return) are prefixed with an apostrophe.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections import defaultdict
from typing import Any, TypeVar

from sqlmodel import Session, col, select

from assistant.models import Decision, Engagement, RatingProposal, Segment, Theme, ThemeMember
from assistant.records.engagements import scrubber_for
from assistant.records.evidence import counted_segments, live_themes
from assistant.report.deidentify import quotable
from assistant.report.document import Report, withhold_quotes
from assistant.rubric import Rubric
from assistant.security import csv_text

Row = TypeVar("Row", RatingProposal, Decision)


def _history(session: Session, model: type[Row], engagement_id: int) -> list[Row]:
    """Every row of ``model`` for the engagement, oldest first: the export keeps the history (superseded
    proposals, earlier decisions), not only what is current."""
    return list(session.exec(select(model).where(model.engagement_id == engagement_id).order_by(col(model.id))).all())


def _as_they_are(row: object, *names: str) -> dict[str, Any]:
    """The columns that are ``row``'s attributes of the same name, as they are (in the order named)."""
    return {name: getattr(row, name) for name in names}


def tables(session: Session, engagement: Engagement, rubric: Rubric, report: Report) -> dict[str, list[dict]]:
    """Every export table as a list of rows (dicts with the same keys), in a stable order."""
    names = scrubber_for(session, engagement)
    segments = session.exec(counted_segments(Segment, engagement_id=engagement.id).order_by(col(Segment.id))).all()
    allowed = quotable(session, engagement.id, [s.id for s in segments])
    allowed_texts = [s.text for s in allowed.values()]
    themes = session.exec(live_themes(engagement.id).order_by(col(Theme.component), col(Theme.id))).all()
    theme_of: dict[int, Theme] = {}
    people: dict[int, set[int]] = defaultdict(set)
    members: dict[int, int] = defaultdict(int)
    seg_by_id = {s.id: s for s in segments}
    for tid, sid in session.exec(
        select(ThemeMember.theme_id, ThemeMember.segment_id).where(
            col(ThemeMember.theme_id).in_([t.id for t in themes])
        )
    ).all():
        seg = seg_by_id.get(sid)
        if seg is None:
            continue
        theme_of[sid] = next(t for t in themes if t.id == tid)
        people[tid].add(seg.participant_id)
        members[tid] += 1
    comp_names = {c.id: c.name for c in rubric.components}

    def clean(text: str) -> str:
        return names.scrub(withhold_quotes(text, allowed_texts))

    out: dict[str, list[dict]] = {}
    out["themes"] = [
        {
            "theme_id": t.id,
            "component": t.component,
            "component_name": comp_names.get(t.component, t.component),
            "label": "other voices" if t.is_other else clean(t.label),
            "summary": clean(t.summary),
            "keywords": "; ".join(names.scrub(k) for k in t.keywords),
            "people": len(people[t.id]),
            "segments": members[t.id],
            "created_by": t.created_by,
        }
        for t in themes
    ]
    out["segments"] = [
        {
            "segment": f"E-{s.id}",
            "component": s.component,
            "theme_id": theme_of[s.id].id if s.id in theme_of else None,
            "theme": ("other voices" if theme_of[s.id].is_other else clean(theme_of[s.id].label))
            if s.id in theme_of
            else "",
            "source": s.source,
            "quote_consent": s.id in allowed,
            "text": names.scrub(s.text) if s.id in allowed else "",
        }
        for s in segments
    ]
    out["proposals"] = [
        {
            "proposal_id": p.id,
            **_as_they_are(p, "component", "status", "level", "engine", "confidence"),
            "current": not p.superseded,
            "cited_segments": "; ".join(str(c.get("segment_id", "")) for c in p.citations),
            "rationale": clean(p.rationale),
            "created_at": p.created_at.isoformat(timespec="seconds"),
        }
        for p in _history(session, RatingProposal, engagement.id)
    ]
    out["decisions"] = [
        {
            "decision_id": d.id,
            **_as_they_are(d, "proposal_id", "component", "action", "final_level"),
            "rationale": clean(d.rationale),
            "created_at": d.created_at.isoformat(timespec="seconds"),
        }
        for d in _history(session, Decision, engagement.id)
    ]
    out["readiness"] = [
        {"signal": r.name, **_as_they_are(r, "value", "derived", "confirmed", "basis", "note")}
        for r in report.readiness
    ]
    out["roadmap"] = [
        {
            "phase": phase.label,
            "activity": r.key,
            "title": r.title,
            "component": r.component,
            "step": r.step,
            "owner": r.owner,
            "depends_on": "; ".join(r.depends_on),
            "why": r.why,
        }
        for phase in report.phases
        for r in phase.rows
    ]
    out["participation"] = [
        {"by": "department", "group": g.group, "roster": g.roster, "took_part": g.took_part}
        for g in report.participation.by_department
    ] + [
        {"by": "role level", "group": g.group, "roster": g.roster, "took_part": g.took_part}
        for g in report.participation.by_role
    ]
    return out


def to_json(session: Session, engagement: Engagement, rubric: Rubric, report: Report) -> bytes:
    """All tables in one JSON document with the organisation, rubric version and time of export."""
    doc = {
        "organisation": engagement.organisation,
        "rubric_version": rubric.version,
        "exported_at": report.generated_at.isoformat(timespec="seconds"),
        "horizon_months": report.horizon,
        **tables(session, engagement, rubric, report),
    }
    return json.dumps(doc, indent=2, ensure_ascii=False).encode("utf-8")


def to_csv_zip(session: Session, engagement: Engagement, rubric: Rubric, report: Report) -> bytes:
    """A ZIP holding one UTF-8 CSV per table (with a byte-order mark so spreadsheets read accents)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, rows in tables(session, engagement, rubric, report).items():
            header = list(rows[0]) if rows else []
            text = csv_text(header, ([row[k] for k in header] for row in rows), bom=True) if rows else "\ufeff"
            archive.writestr(f"{name}.csv", text)
    return buf.getvalue()
