"""The data exports' tables (themes, de-identified segments, proposals, decisions, readiness, roadmap,
participation), filled when the report is built from the same rows (``Sources``) and the same model.

The same rules as the report: staff text only from people who agreed to be quoted (others' rows
are kept with an empty text, so counts still add up), names replaced, no department or role on a
segment (a segment with its group could single a person out), participation with groups under the
engagement's threshold k suppressed (the report's tables).
"""

from __future__ import annotations

from typing import Any

from assistant.models import Theme
from assistant.report.clean import clean
from assistant.report.model import Report
from assistant.report.sources import Sources

Rows = list[dict[str, Any]]


def _as_they_are(row: object, *names: str) -> dict[str, Any]:
    """The columns that are ``row``'s attributes of the same name, as they are (in the order named)."""
    return {name: getattr(row, name) for name in names}


def _label(src: Sources, theme: Theme) -> str:
    return "other voices" if theme.is_other else clean(src, theme.label)


def themes(src: Sources) -> Rows:
    comp_names = {c.id: c.name for c in src.rubric.components}
    return [
        {
            "theme_id": t.id,
            "component": t.component,
            "component_name": comp_names.get(t.component, t.component),
            "label": _label(src, t),
            "summary": clean(src, t.summary),
            "keywords": "; ".join(src.names.scrub(k) for k in t.keywords),
            "people": len(src.people_of(t.id)),
            "segments": len(src.members.get(t.id, [])),
            "created_by": t.created_by,
        }
        for t in src.themes
    ]


def segments(src: Sources) -> Rows:
    theme_of = {sid: t for t in src.themes for _, sid in src.members.get(t.id, [])}
    return [
        {
            "segment": f"E-{sid}",
            "component": ev.segment.component,
            "theme_id": theme_of[sid].id if sid in theme_of else None,
            "theme": _label(src, theme_of[sid]) if sid in theme_of else "",
            "source": ev.segment.source,
            "quote_consent": ev.consented,
            "text": src.names.scrub(ev.segment.text) if ev.consented else "",
        }
        for sid, ev in src.evidence.items()
    ]


def proposals(src: Sources) -> Rows:
    return [
        {
            "proposal_id": p.id,
            **_as_they_are(p, "component", "status", "level", "engine", "confidence"),
            "current": not p.superseded,
            "cited_segments": "; ".join(str(c.get("segment_id", "")) for c in p.citations),
            "rationale": clean(src, p.rationale),
            "created_at": p.created_at.isoformat(timespec="seconds"),
        }
        for p in src.proposals_history
    ]


def decisions(src: Sources) -> Rows:
    return [
        {
            "decision_id": d.id,
            **_as_they_are(d, "proposal_id", "component", "action", "final_level"),
            "rationale": clean(src, d.rationale),
            "created_at": d.created_at.isoformat(timespec="seconds"),
        }
        for d in src.decisions_history
    ]


def roadmap(report: Report) -> Rows:
    rows = [(phase.label, r) for phase in report.phases for r in phase.rows]
    rows += [("beyond the horizon", r) for r in report.beyond]
    return [
        {
            "phase": label,
            "activity": r.key,
            "title": r.title,
            "component": r.component,
            "step": r.step,
            "owner": r.owner,
            "depends_on": "; ".join(r.depends_on),
            "why": r.why,
        }
        for label, r in rows
    ]


def participation(report: Report) -> Rows:
    p = report.participation
    return [
        {"by": by, "group": g.group, "roster": g.roster, "took_part": g.took_part}
        for by, groups in (("department", p.by_department), ("role level", p.by_role))
        for g in groups
    ]


def tables(src: Sources, report: Report) -> dict[str, Rows]:
    """Every export table as a list of rows (dicts with the same keys), in a stable order."""
    return {
        "themes": themes(src),
        "segments": segments(src),
        "proposals": proposals(src),
        "decisions": decisions(src),
        "readiness": [
            {"signal": r.name, **_as_they_are(r, "value", "derived", "confirmed", "basis", "note")}
            for r in report.readiness
        ],
        "roadmap": roadmap(report),
        "participation": participation(report),
    }
