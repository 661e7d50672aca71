"""The staff section's save and checks: one flow around one system, with clear refusals (a missing
end, a duplicate) and a note when a system is new to the catalogue (allowed: it is added).

A flow names the system it is about as the person wrote it, where its data comes from and where it
goes next (each a system, a department or the public; at least one), how it moves, how often, how long
it takes and how often it must be fixed or chased. Systems are stored as mentions (``SystemMention``)
and resolved through the catalogue by a re-build (``store.rebuild``), so "munis" and "Tyler Munis"
meet in one node.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import Session, col, select

from assistant.dataflow import catalogue as C
from assistant.dataflow.store import normalised, rebuild
from assistant.dataflow.vocab import FIXES, FREQUENCIES, METHODS, PUBLIC, PUBLIC_WORDS, SHORT_METHODS, End
from assistant.models import Engagement, Flow, Participant, SystemMention

MAX_TEXT = 120
MAX_NOTE = 1000


class FlowProblems(ValueError):
    """Why a flow was not saved: every problem, in the order of the form's fields."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class FlowInput:
    """What the staff form posted, as text (checked by ``check``)."""

    system: str
    source: str = ""
    target: str = ""
    method: str = ""
    frequency: str = ""
    minutes: int | None = None
    fixes: str = ""
    note: str = ""


@dataclass
class Saved:
    """A saved flow and what the person should know about it (new systems added to the catalogue)."""

    flow: Flow
    notes: list[str] = field(default_factory=list)


def parse_end(text: str, departments: list[str]) -> End | None:
    """One end as typed: the public, one of the engagement's departments (any case), else a system;
    None when blank."""
    text = " ".join(text.split())
    if not text:
        return None
    if text.lower() in PUBLIC_WORDS:
        return End("public", PUBLIC)
    for dept in departments:
        if dept.lower() == text.lower() or dept.lower() == text.lower().removeprefix("the "):
            return End("department", dept)
    return End("system", text)


def check(engagement: Engagement, posted: FlowInput) -> tuple[End | None, End | None, list[str]]:
    """The ends and every problem with ``posted`` (empty when it can be saved)."""
    problems = []
    if not posted.system.strip():
        problems.append("Name the system, file or tool this is about (for example: Munis, the permits spreadsheet).")
    too_long = [n for n in ("system", "source", "target") if len(getattr(posted, n)) > MAX_TEXT]
    problems += [f"Keep the {n} to {MAX_TEXT} characters." for n in too_long]
    source = parse_end(posted.source, list(engagement.departments))
    target = parse_end(posted.target, list(engagement.departments))
    if source is None and target is None:
        problems.append(
            "Say where its data comes from or where it goes next (or both): a system, a department or the public."
        )
    if posted.method not in METHODS:
        problems.append("Pick how the data moves (automatic, export and import, re-typed, email, paper, shared drive).")
    if posted.frequency and posted.frequency not in FREQUENCIES:
        problems.append("Pick how often it happens from the list.")
    if posted.fixes and posted.fixes not in FIXES:
        problems.append("Pick how often it has to be fixed or chased from the list.")
    if len(posted.note) > MAX_NOTE:
        problems.append(f"Keep the note to {MAX_NOTE} characters.")
    return source, target, problems


def _mention(session: Session, participant: Participant, text: str, turn_id: int | None = None) -> SystemMention:
    """The person's mention written this way (reused when they wrote it before), confirmed."""
    text = " ".join(text.split())
    for m in session.exec(select(SystemMention).where(SystemMention.participant_id == participant.id)).all():
        if normalised(m.text) == normalised(text):
            m.confirmed = True
            return m
    m = SystemMention(
        engagement_id=participant.engagement_id, participant_id=participant.id, text=text, turn_id=turn_id
    )
    session.add(m)
    session.flush()
    return m


def _same_end(kind: str, ref: str, end: End | None) -> bool:
    return (end is None and not kind) or (
        end is not None and end.kind == kind and normalised(ref) == normalised(end.ref)
    )


def duplicate_of(
    session: Session, participant: Participant, posted: FlowInput, source: End | None, target: End | None
) -> Flow | None:
    """The person's flow that says the same (same system as written, same ends, same method), if any."""
    rows = session.exec(
        select(Flow, SystemMention)
        .join(SystemMention, SystemMention.id == Flow.mention_id)
        .where(Flow.participant_id == participant.id, col(Flow.confirmed).is_(True))
    ).all()
    for flow, mention in rows:
        if (
            normalised(mention.text) == normalised(posted.system)
            and flow.method == posted.method
            and _same_end(flow.source_kind, flow.source_ref, source)
            and _same_end(flow.target_kind, flow.target_ref, target)
        ):
            return flow
    return None


def describe(system: str, source: End | None, target: End | None, method: str) -> str:
    """A flow in a line: "permit desk -> Accela -> the public (re-typed)"."""
    parts = [e.label for e in (source,) if e] + [system] + [e.label for e in (target,) if e]
    return " \u2192 ".join(parts) + f" ({SHORT_METHODS.get(method, method)})"


def _is_new(session: Session, mention: SystemMention) -> bool:
    """True when nobody else's mention shares the system and no known product names it."""
    if C.match_known(C.tokens(mention.text), C.knowledge()) is not None:
        return False
    others = session.exec(
        select(SystemMention.id).where(
            SystemMention.system_id == mention.system_id,
            SystemMention.participant_id != mention.participant_id,
            col(SystemMention.confirmed).is_(True),
        )
    ).first()
    return others is None


def save_flow(
    session: Session, engagement: Engagement, participant: Participant, posted: FlowInput, turn_id: int | None = None
) -> Saved:
    """Check and store one flow (``FlowProblems`` with nothing stored when refused), re-build the
    catalogue, and say which systems were new to it. Not committed."""
    source, target, problems = check(engagement, posted)
    if not problems and (dup := duplicate_of(session, participant, posted, source, target)) is not None:
        problems.append(
            f"You already added this flow: {describe(posted.system, source, target, dup.method)}. "
            "Change what is different, or go back to the interview."
        )
    if problems:
        raise FlowProblems(problems)
    mention = _mention(session, participant, posted.system, turn_id)
    ends = {
        name: _mention(session, participant, e.ref) if e and e.kind == "system" else None
        for name, e in (("source", source), ("target", target))
    }
    flow = Flow(
        engagement_id=engagement.id,
        participant_id=participant.id,
        mention_id=mention.id,
        source_kind=source.kind if source else "",
        source_ref=source.ref if source else "",
        source_mention_id=ends["source"].id if ends["source"] else None,
        target_kind=target.kind if target else "",
        target_ref=target.ref if target else "",
        target_mention_id=ends["target"].id if ends["target"] else None,
        method=posted.method,
        frequency=posted.frequency,
        minutes=posted.minutes,
        fixes=posted.fixes,
        note=posted.note.strip(),
        turn_id=turn_id,
    )
    session.add(flow)
    session.flush()
    rebuild(session, engagement.id)
    new = [m.text for m in (mention, ends["source"], ends["target"]) if m is not None and _is_new(session, m)]
    notes = [
        f"\u201c{t}\u201d is new to the catalogue: it was added, and the consultants will check it."
        for t in dict.fromkeys(new)
    ]
    return Saved(flow, notes)


def delete_flow(session: Session, participant: Participant, flow_id: int) -> bool:
    """Remove one of the person's own flows (False when it is not theirs). Not committed."""
    flow = session.get(Flow, flow_id)
    if flow is None or flow.participant_id != participant.id:
        return False
    session.delete(flow)
    session.flush()
    return True


def own_flows(session: Session, participant: Participant) -> list[tuple[Flow, str]]:
    """The person's flows with the system as they wrote it, oldest first."""
    rows = session.exec(
        select(Flow, SystemMention.text)
        .join(SystemMention, SystemMention.id == Flow.mention_id)
        .where(Flow.participant_id == participant.id)
        .order_by(col(Flow.id))
    ).all()
    return [(f, t) for f, t in rows]
