"""The engagement's catalogue as stored rows: every confirmed mention resolved to a canonical system
(``catalogue.group``), with the consultant's edits re-applied in order, so a re-build never loses a
merge, a split or a rename.

Keys are stable: a re-built group keeps the key most of its mentions had before (``SYS-<n>`` for a
new one), a split's new system keeps the key the edit gave it, and a merge is kept as ``merged_into``
on the system merged away (its mentions keep pointing at it; ``canonical`` follows the chain). A
mention's ``system_id`` is therefore its group's system, and every reader resolves it through
``canonical_keys``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from sqlmodel import Session, col, select

from assistant.dataflow import catalogue as C
from assistant.models import CatalogueEdit, Participant, System, SystemAlias, SystemMention
from assistant.records.handoffs import canonical, systems_of

__all__ = ["canonical", "canonical_keys", "counted_mentions", "normalised", "rebuild", "systems_of"]


def normalised(text: str) -> str:
    """The form an alias is compared by: ``catalogue.tokens`` joined by spaces ("The MUNIS" -> "the munis")."""
    return " ".join(C.tokens(text))


def counted_mentions(session: Session, engagement_id: int) -> list[SystemMention]:
    """The confirmed mentions of people of the engagement who have not withdrawn, oldest first."""
    return list(
        session.exec(
            select(SystemMention)
            .join(Participant, Participant.id == SystemMention.participant_id)
            .where(
                SystemMention.engagement_id == engagement_id,
                col(SystemMention.confirmed).is_(True),
                col(Participant.withdrawn_at).is_(None),
            )
            .order_by(col(SystemMention.id))
        ).all()
    )


def canonical_keys(session: Session, engagement_id: int) -> dict[int, str]:
    """system row id -> the canonical key it counts as."""
    systems = systems_of(session, engagement_id)
    return {s.id: canonical(s.key, systems) for s in systems.values() if s.id is not None}


def _next_key(taken: Iterable[str]) -> str:
    numbers = [int(k[4:]) for k in taken if k.startswith("SYS-") and k[4:].isdigit()]
    return f"SYS-{max(numbers, default=0) + 1}"


def _split_pins(mentions: list[SystemMention], edits: list[CatalogueEdit]) -> dict[str, str]:
    """mention id -> the key a split gave its alias (a later split of the same alias wins)."""
    pins: dict[str, str] = {}
    for edit in edits:
        if edit.action == "split":
            wanted = normalised(edit.alias)
            pins.update({str(m.id): edit.other_key for m in mentions if normalised(m.text) == wanted})
    return pins


def _keys_for(
    groups: list[C.System], mentions: dict[str, SystemMention], old: dict[int, str], pins: set[str]
) -> list[str]:
    """Each group's key: the split's key when pinned, else the key most of its mentions had (a key goes
    to the larger group first), else a new ``SYS-<n>``."""
    keys: list[str] = [""] * len(groups)
    claimed: set[str] = set(pins)
    for n in sorted(range(len(groups)), key=lambda i: (-len(groups[i].mentions), i)):
        g = groups[n]
        if g.id in pins:
            keys[n] = g.id
            continue
        votes = Counter(old[mentions[m].system_id] for m in g.mentions if mentions[m].system_id in old)
        for key, _count in sorted(votes.items(), key=lambda kv: (-kv[1], kv[0])):
            if key not in claimed:
                keys[n] = key
                break
        claimed.add(keys[n])
    for n, key in enumerate(keys):
        if not key:
            keys[n] = _next_key([*claimed, *old.values()])
            claimed.add(keys[n])
    return keys


def rebuild(session: Session, engagement_id: int) -> dict[str, System]:
    """Re-group the engagement's counted mentions into systems, re-apply every catalogue edit in order,
    and rewrite the staff aliases; returns the systems by key (flushed, not committed)."""
    mentions = counted_mentions(session, engagement_id)
    edits = list(
        session.exec(
            select(CatalogueEdit).where(CatalogueEdit.engagement_id == engagement_id).order_by(col(CatalogueEdit.id))
        ).all()
    )
    systems = systems_of(session, engagement_id)
    old = {s.id: s.key for s in systems.values() if s.id is not None}
    pins = _split_pins(mentions, edits)
    groups = C.group([C.Mention(str(m.id), m.text) for m in mentions], pins)
    by_id = {str(m.id): m for m in mentions}
    keys = _keys_for(groups, by_id, old, set(pins.values()))
    products = {k.id: k for k in C.knowledge().systems}
    for g, key in zip(groups, keys, strict=True):
        row = systems.get(key) or System(engagement_id=engagement_id, key=key, name=g.name)
        if not row.name_locked:
            row.name = g.name
        row.known = g.known
        row.vendor = products[g.known].vendor if g.known else row.vendor
        session.add(row)
        systems[key] = row
    session.flush()
    for g, key in zip(groups, keys, strict=True):
        for m in g.mentions:
            by_id[m].system_id = systems[key].id
            session.add(by_id[m])
    _apply_edits(systems, edits)
    _rewrite_aliases(session, list(systems.values()), mentions)
    session.flush()
    return systems


def _apply_edits(systems: dict[str, System], edits: list[CatalogueEdit]) -> None:
    for edit in edits:
        row = systems.get(edit.system_key)
        if row is None:
            continue
        if edit.action == "merge" and edit.other_key in systems and edit.other_key != edit.system_key:
            row.merged_into = edit.other_key
        elif edit.action == "rename" and edit.name:
            row.name, row.name_locked = edit.name, True
        elif edit.action == "owner":
            row.owner_department = edit.name  # "" clears it


def _rewrite_aliases(session: Session, systems: list[System], mentions: list[SystemMention]) -> None:
    ids = [s.id for s in systems if s.id is not None]
    if ids:
        for alias in session.exec(select(SystemAlias).where(col(SystemAlias.system_id).in_(ids))).all():
            if alias.source == "staff":
                session.delete(alias)
    seen: set[tuple[int, str, int]] = set()
    for m in mentions:
        if m.system_id is None or (m.system_id, normalised(m.text), m.participant_id) in seen:
            continue
        seen.add((m.system_id, normalised(m.text), m.participant_id))
        session.add(
            SystemAlias(
                system_id=m.system_id,
                text=m.text,
                normalised=normalised(m.text),
                source="staff",
                participant_id=m.participant_id,
            )
        )
