"""A consultant's catalogue edits: merge, split, rename, owner department. Each is stored as a
``CatalogueEdit`` (re-applied by every re-build, so it is kept across re-runs), audited like every
other consultant edit, and followed by a re-build. Merge suggestions are ranked by string and embedding
similarity of the names.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from difflib import SequenceMatcher

import numpy as np
from sqlmodel import Session, col, select

from assistant.dataflow import catalogue as C
from assistant.dataflow.store import _next_key, canonical, normalised, rebuild, systems_of
from assistant.models import CatalogueEdit, Engagement, System, SystemMention, User
from assistant.security import audit_by

Encode = Callable[[list[str]], np.ndarray]


class CatalogueError(ValueError):
    """An edit that cannot be made, saying why (shown on the catalogue page)."""


def _live(session: Session, engagement: Engagement, key: str) -> System:
    systems = systems_of(session, engagement.id)
    row = systems.get(key)
    if row is None or canonical(key, systems) != key:
        raise CatalogueError(f"{key} is not in the catalogue (it may have been merged already); reload the page.")
    return row


def _record(session: Session, engagement: Engagement, user: User | None, edit: CatalogueEdit, before: dict) -> None:
    session.add(edit)
    audit_by(
        session,
        f"catalogue.{edit.action}",
        user,
        role="consultant",
        engagement_id=engagement.id,
        entity=f"system:{edit.system_key}",
        before=before,
        after={"other": edit.other_key, "alias": edit.alias, "name": edit.name},
    )
    session.flush()
    rebuild(session, engagement.id)


def merge(session: Session, engagement: Engagement, user: User | None, key: str, into: str) -> None:
    """Merge system ``key`` into ``into`` (both live): its mentions, aliases and flows count there."""
    if key == into:
        raise CatalogueError("Pick two different systems to merge.")
    row, target = _live(session, engagement, key), _live(session, engagement, into)
    edit = CatalogueEdit(
        engagement_id=engagement.id, action="merge", system_key=key, other_key=into, user_id=user and user.id
    )
    _record(session, engagement, user, edit, {"name": row.name, "into_name": target.name})


def split(session: Session, engagement: Engagement, user: User | None, key: str, alias: str) -> str:
    """Move the mentions written as ``alias`` out of ``key`` into a new system; returns the new key."""
    row = _live(session, engagement, key)
    wanted = normalised(alias)
    systems = systems_of(session, engagement.id)
    ids = {s.id for s in systems.values() if canonical(s.key, systems) == key}
    found = session.exec(
        select(SystemMention).where(col(SystemMention.system_id).in_(ids), SystemMention.engagement_id == engagement.id)
    ).all()
    if not any(normalised(m.text) == wanted for m in found):
        raise CatalogueError(f"No one wrote {alias!r} for {row.name}; pick one of its aliases.")
    new_key = _next_key(systems_of(session, engagement.id))
    session.add(System(engagement_id=engagement.id, key=new_key, name=alias.strip()))
    edit = CatalogueEdit(
        engagement_id=engagement.id,
        action="split",
        system_key=key,
        other_key=new_key,
        alias=alias,
        user_id=user and user.id,
    )
    _record(session, engagement, user, edit, {"name": row.name})
    return new_key


def rename(session: Session, engagement: Engagement, user: User | None, key: str, name: str) -> None:
    """Give system ``key`` the name ``name`` (kept through re-builds)."""
    name = " ".join(name.split())
    if not name:
        raise CatalogueError("Type the new name.")
    row = _live(session, engagement, key)
    edit = CatalogueEdit(
        engagement_id=engagement.id, action="rename", system_key=key, name=name, user_id=user and user.id
    )
    _record(session, engagement, user, edit, {"name": row.name})


def set_owner(session: Session, engagement: Engagement, user: User | None, key: str, department: str) -> None:
    """Record that ``department`` (one of the engagement's, or "" for none) owns system ``key`` (kept
    through re-builds; the department-level map folds the system into it)."""
    department = " ".join(department.split())
    if department and department not in engagement.departments:
        raise CatalogueError(f"{department!r} is not a department of this engagement; pick one from the list.")
    row = _live(session, engagement, key)
    edit = CatalogueEdit(
        engagement_id=engagement.id, action="owner", system_key=key, name=department, user_id=user and user.id
    )
    _record(session, engagement, user, edit, {"name": row.name, "owner_department": row.owner_department})


@dataclass(frozen=True)
class Suggestion:
    """Two live systems that may be one, with why: the string and embedding similarity of their names."""

    a: str
    b: str
    a_name: str
    b_name: str
    string: float
    embedding: float

    @property
    def score(self) -> float:
        return max(self.string, self.embedding)


def _string_similarity(a: str, b: str) -> float:
    ka, kb = C.name_key(C.tokens(a)), C.name_key(C.tokens(b))
    return SequenceMatcher(None, ka, kb).ratio() if ka and kb else 0.0


def suggestions(
    names: dict[str, str], known: set[str], encode: Encode | None = None, *, top: int = 10, floor: float = 0.6
) -> list[Suggestion]:
    """Pairs of systems (key -> name) worth a look, best first: the larger of the names' string
    similarity (closed-up keys) and embedding cosine (when ``encode`` is given), at least ``floor``.
    Two systems that are both ``known`` products are never suggested (knowledge already told them apart)."""
    keys = sorted(names)
    vectors: dict[str, np.ndarray] = {}
    if encode is not None and keys:
        x = np.asarray(encode([names[k] for k in keys]), dtype=np.float32)
        x = x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)
        vectors = dict(zip(keys, x, strict=True))
    out = []
    for i, a in enumerate(keys):
        for b in keys[i + 1 :]:
            if a in known and b in known:
                continue
            cos = float(vectors[a] @ vectors[b]) if vectors else 0.0
            s = Suggestion(a, b, names[a], names[b], round(_string_similarity(names[a], names[b]), 3), round(cos, 3))
            if s.score >= floor:
                out.append(s)
    return sorted(out, key=lambda s: (-s.score, s.a, s.b))[:top]
