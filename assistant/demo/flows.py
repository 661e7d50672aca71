"""The completed demo's data flows (``demo/data/flows.yaml``), entered as the staff form enters them,
so the catalogue, the map and its bottlenecks show at once. Idempotent: nothing is added when the
engagement already has flows."""

from __future__ import annotations

from importlib import resources

import yaml
from sqlmodel import Session, col, select

from assistant.dataflow.flows import FlowInput, save_flow
from assistant.models import Engagement, Flow, Interview, Participant


def _submitted_by_department(session: Session, engagement_id: int) -> dict[str, list[Participant]]:
    rows = session.exec(
        select(Participant)
        .join(Interview, Interview.participant_id == Participant.id)
        .where(Participant.engagement_id == engagement_id, Interview.state == "submitted")
        .order_by(col(Participant.id))
    ).all()
    out: dict[str, list[Participant]] = {}
    for p in rows:
        out.setdefault(p.department, []).append(p)
    return out


def seed_flows(session: Session, engagement: Engagement) -> int:
    """Enter the demo's flows for ``engagement``'s submitted staff; returns how many were added."""
    if session.exec(select(Flow.id).where(Flow.engagement_id == engagement.id)).first() is not None:
        return 0
    raw = yaml.safe_load(resources.files("assistant.demo").joinpath("data/flows.yaml").read_text("utf-8"))
    people = _submitted_by_department(session, engagement.id)
    added = 0
    for entry in raw["flows"]:
        spellings = entry["spellings"]
        for n, person in enumerate(people.get(entry["department"], [])[: entry["people"]]):
            posted = FlowInput(
                system=spellings[n % len(spellings)],
                source=entry.get("source", ""),
                target=entry.get("target", ""),
                method=entry["method"],
                frequency=entry.get("frequency", ""),
                minutes=entry.get("minutes"),
                fixes=entry.get("fixes", ""),
                note=entry.get("note", ""),
            )
            save_flow(session, engagement, person, posted)
            added += 1
    return added
