"""The whole equity audit as one JSON-ready dict and as CSV (``dm3 equity-audit`` and the reviewer's downloads).

Shape: ``{"participation": [...], "themes": [...], "ratings": [...], "left_out": [...]}``; every
row names its grouping and group and carries ``"suppressed"``: a hidden row's figures are null.
Nothing in it names, contacts or quotes a person: no emails, tokens, participant labels or
segment text.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from assistant.equity.config import equity_settings
from assistant.equity.left_out import left_out
from assistant.equity.participation import participation
from assistant.equity.voice import VoiceSet, rating_voice, theme_voice
from assistant.models import Engagement
from assistant.rubric import Rubric
from assistant.security import csv_text
from assistant.suppression import PROTECTS

CSV_COLUMNS = (
    "section",
    "component",
    "theme",
    "level",
    "grouping",
    "group",
    "roster",
    "invited",
    "started",
    "submitted",
    "rate",
    "ratio",
    "people",
    "share",
    "expected",
    "flag",
    "suppressed",
    "note",
)


def _shares(voice: VoiceSet) -> list[dict[str, Any]]:
    return [r.as_json() for r in voice.rows]


def build_audit(session: Session, engagement: Engagement, rubric: Rubric) -> dict[str, Any]:
    """The audit of one engagement (see the module docstring for the shape)."""
    cfg = equity_settings(engagement)
    return {
        "engagement": {"id": engagement.id, "organisation": engagement.organisation},
        "settings": {"min_cell": cfg.min_cell, "flag_ratio": cfg.flag_ratio, "voice_ratio": cfg.voice_ratio},
        "participation": [r.as_json() for t in participation(session, engagement) for r in t.rows],
        "themes": _theme_rows(session, engagement, rubric),
        "ratings": _rating_rows(session, engagement, rubric),
        "left_out": _left_out_rows(session, engagement, rubric),
    }


def _theme_rows(session: Session, engagement: Engagement, rubric: Rubric) -> list[dict[str, Any]]:
    """Each theme's people and the shares of each group among them."""
    return [
        {
            "component": t.component,
            "theme_id": t.theme_id,
            "theme": t.label,
            "people": t.voice.people,
            "flags": t.voice.flags,
            "groups": _shares(t.voice),
        }
        for t in theme_voice(session, engagement, rubric)
    ]


def _rating_rows(session: Session, engagement: Engagement, rubric: Rubric) -> list[dict[str, Any]]:
    """Each component's proposal and decision with the voices behind each."""
    return [
        {
            "component": r.component,
            "proposal_status": r.proposal_status,
            "proposal_level": r.proposal_level,
            "proposal_people": r.proposal.people,
            "proposal_groups": _shares(r.proposal),
            "decision": r.decision_action,
            "decided_level": r.decided_level,
            "decided_people": r.decided.people if r.decided else None,
            "decided_groups": _shares(r.decided) if r.decided else [],
            "flags": r.flags,
        }
        for r in rating_voice(session, engagement, rubric)
    ]


def _left_out_rows(session: Session, engagement: Engagement, rubric: Rubric) -> list[dict[str, Any]]:
    """Voices left out: other voices, merged themes, groups never cited (pooled where small)."""
    gone = left_out(session, engagement, rubric)
    left: list[dict[str, Any]] = [
        {
            "kind": "other_voices",
            "component": o.component,
            "segments": o.segments,
            "people": o.voice.people,
            "groups": _shares(o.voice),
            "flags": o.voice.flags,
        }
        for o in gone.other
    ]
    left += [
        {"kind": "merged_theme", "component": m.component, "theme": m.label, "merged_into": m.into} for m in gone.merged
    ]
    left += [
        {"kind": "never_cited", "grouping": n.grouping, "group": n.group, "voices": n.voices, "suppressed": False}
        for n in gone.never_cited
    ]
    if gone.unnamed_never_cited:
        left.append(
            {
                "kind": "never_cited",
                "grouping": None,
                "group": None,
                "voices": None,
                "suppressed": True,
                "groups": gone.unnamed_never_cited,
            }
        )
    return left


def _cell(value: object) -> object:
    """A figure as the audit's CSV shows it: booleans as "true"/"false" (a reviewer's filter words)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def _hidden_note(reasons: dict[str, str]) -> str | None:
    """Which figures of a participation row are hidden and why (``suppression.hidden_text``'s words)."""
    if not reasons:
        return None
    return "; ".join(
        f"{column}: {'not shown (protects a smaller figure)' if why == PROTECTS else 'fewer than k'}"
        for column, why in reasons.items()
    )


def audit_csv(audit: dict[str, Any]) -> str:
    """The audit as one CSV table (one row per group figure; ``section`` says which part), written by
    ``security.csv_text`` (cells that start like a spreadsheet formula stay text)."""
    rows: list[list[object]] = []

    def put(row: dict[str, Any]) -> None:
        rows.append([_cell(row.get(key)) for key in CSV_COLUMNS])

    for r in audit["participation"]:
        put({"section": "participation", **r, "note": _hidden_note(r.get("reasons") or {})})
    for t in audit["themes"]:
        for g in t["groups"]:
            put({"section": "theme", "component": t["component"], "theme": t["theme"], **g})
        for f in t["flags"]:
            put({"section": "theme", "component": t["component"], "theme": t["theme"], "note": f, "suppressed": False})
    for r in audit["ratings"]:
        for g in r["proposal_groups"]:
            put({"section": "rating proposal", "component": r["component"], "level": r["proposal_level"], **g})
        for g in r["decided_groups"]:
            put({"section": "decided level", "component": r["component"], "level": r["decided_level"], **g})
        for f in r["flags"]:
            put({"section": "rating", "component": r["component"], "note": f, "suppressed": False})
    for item in audit["left_out"]:
        if item["kind"] == "other_voices":
            for g in item["groups"]:
                put({"section": "other voices", "component": item["component"], **g})
        elif item["kind"] == "merged_theme":
            put(
                {
                    "section": "merged theme",
                    "component": item["component"],
                    "theme": item["theme"],
                    "note": f"merged into {item['merged_into']}",
                    "suppressed": False,
                }
            )
        else:
            note = (
                f"never cited ({item['voices']} voices)"
                if not item["suppressed"]
                else f"{item['groups']} group(s) too small to name never cited"
            )
            put(
                {
                    "section": "never cited",
                    "grouping": item["grouping"],
                    "group": item["group"],
                    "note": note,
                    "suppressed": item["suppressed"],
                }
            )
    return csv_text(CSV_COLUMNS, rows)
