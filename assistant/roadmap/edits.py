"""A consultant's edits to a generated roadmap: move, owner, custom activity, remove, restore.

Every edit is audited with the item's state before and after. Rules:
- a move that would put an activity before something it depends on, or after something that
  depends on it, is refused with a message naming that activity and its phase; an accepted move
  pins the item, so re-generation keeps it there;
- an owner is free text (a role or a team), at most 120 characters;
- a custom activity needs a title and a component; what it depends on must be on the roadmap,
  and its phase cannot come before them;
- removing needs a reason; a removed activity is never added back by re-generation (restore it
  to bring it back).
"""

from __future__ import annotations

from pydantic import BaseModel, field_validator
from sqlmodel import Session, col, select

from assistant.models import Engagement, RoadmapItem, User, utcnow
from assistant.records.review import ReviewError
from assistant.roadmap.sequence import PHASES
from assistant.roadmap.targets import Phase
from assistant.rubric import Rubric
from assistant.security import audit_by, whole_number

MAX_OWNER = 120
MAX_TITLE = 200
MAX_TEXT = 2000


class RoadmapEditError(ReviewError):
    """An edit that cannot be made; the message says why and what to do instead."""


class CustomActivity(BaseModel):
    """A consultant's own activity as the roadmap page posts it, tidied (one line of words for the title
    and owner, each dependency once, a phase that is not a number is None); ``add_custom`` checks it
    against the rubric and the roadmap."""

    title: str = ""
    description: str = ""
    component: str = ""
    phase: int | None = None
    owner: str = ""
    depends_on: list[str] = []

    @field_validator("title", "owner")
    @classmethod
    def _one_line(cls, value: str) -> str:
        return " ".join(value.split())

    @field_validator("description")
    @classmethod
    def _stripped(cls, value: str) -> str:
        return value.strip()

    @field_validator("phase", mode="before")
    @classmethod
    def _number(cls, value: object) -> int | None:
        return whole_number(str(value))

    @field_validator("depends_on")
    @classmethod
    def _each_once(cls, value: list[str]) -> list[str]:
        return [d for d in dict.fromkeys(value) if d]


def _state(item: RoadmapItem) -> dict:
    return {
        "phase": item.phase,
        "owner": item.owner,
        "status": item.status,
        "reason": item.removed_reason,
        "pinned": item.pinned,
    }


def _audit(session: Session, item: RoadmapItem, user: User, action: str, before: dict) -> None:
    audit_by(
        session,
        f"roadmap.{action}",
        user,
        role="consultant",
        engagement_id=item.engagement_id,
        entity=f"roadmap_item:{item.key}",
        before=before,
        after={**_state(item), "title": item.title},
    )


def get_item(session: Session, engagement: Engagement, item_id: int) -> RoadmapItem:
    """The engagement's roadmap item ``item_id``; ``RoadmapEditError`` when it has none."""
    item = session.get(RoadmapItem, item_id)
    if item is None or item.engagement_id != engagement.id:
        raise RoadmapEditError("that roadmap item does not exist any more; reload the roadmap")
    return item


def _planned(session: Session, engagement_id: int) -> dict[str, RoadmapItem]:
    rows = session.exec(
        select(RoadmapItem).where(RoadmapItem.engagement_id == engagement_id, col(RoadmapItem.status) == "planned")
    ).all()
    return {r.key: r for r in rows}


def move_conflicts(item: RoadmapItem, phase: int, planned: dict[str, RoadmapItem], phases: list[Phase]) -> list[str]:
    """Why ``item`` cannot move to ``phase``: one message per dependency the move would break."""
    problems = []
    for dep in item.depends_on:
        other = planned.get(dep)
        if other is not None and other.phase > phase:
            problems.append(
                f"“{item.title}” depends on “{other.title}”, planned for {phases[other.phase].label}: "
                f"move that first, or choose {phases[other.phase].label} or later"
            )
    for other in planned.values():
        if item.key in other.depends_on and other.phase < phase:
            problems.append(
                f"“{other.title}” depends on “{item.title}” and is planned for "
                f"{phases[other.phase].label}: move it later first, or choose "
                f"{phases[other.phase].label} or earlier"
            )
    return problems


def move(
    session: Session, engagement: Engagement, item: RoadmapItem, phase: int, user: User, phases: list[Phase]
) -> RoadmapItem:
    """Move ``item`` to ``phase`` and pin it there; refused (``RoadmapEditError``) when it breaks a dependency."""
    if not 0 <= phase <= PHASES:
        raise RoadmapEditError("choose one of the roadmap's phases")
    if item.status != "planned":
        raise RoadmapEditError("a removed activity cannot be moved; restore it first")
    problems = move_conflicts(item, phase, _planned(session, engagement.id), phases)
    if problems:
        raise RoadmapEditError("; ".join(problems))
    before = _state(item)
    item.phase, item.pinned, item.updated_at = phase, True, utcnow()
    session.add(item)
    _audit(session, item, user, "move", before)
    return item


def set_owner(session: Session, item: RoadmapItem, owner: str, user: User) -> RoadmapItem:
    """Set (or clear, with "") the owner of ``item``."""
    owner = " ".join((owner or "").split())
    if len(owner) > MAX_OWNER:
        raise RoadmapEditError(f"keep the owner under {MAX_OWNER} characters (a role or team, e.g. “IT manager”)")
    before = _state(item)
    item.owner, item.updated_at = owner, utcnow()
    session.add(item)
    _audit(session, item, user, "owner", before)
    return item


def remove(session: Session, item: RoadmapItem, reason: str, user: User) -> RoadmapItem:
    """Remove ``item`` with a reason; it stays out of later re-generations."""
    reason = " ".join((reason or "").split())
    if not reason:
        raise RoadmapEditError("say why you remove this activity (for example “already done by IT in 2025”)")
    if len(reason) > MAX_OWNER * 4:
        raise RoadmapEditError("keep the reason under 480 characters")
    before = _state(item)
    item.status, item.removed_reason, item.updated_at = "removed", reason, utcnow()
    session.add(item)
    _audit(session, item, user, "remove", before)
    return item


def restore(session: Session, item: RoadmapItem, user: User) -> RoadmapItem:
    """Bring a removed item back; the next generation places it again unless it was moved by hand."""
    if item.status != "removed":
        raise RoadmapEditError("this activity is not removed")
    before = _state(item)
    item.status, item.removed_reason, item.updated_at = "planned", "", utcnow()
    session.add(item)
    _audit(session, item, user, "restore", before)
    return item


def add_custom(
    session: Session, engagement: Engagement, user: User, rubric: Rubric, phases: list[Phase], activity: CustomActivity
) -> RoadmapItem:
    """Add a consultant's own activity (pinned to its phase); returns it (added, not committed)."""
    if not activity.title:
        raise RoadmapEditError("give the activity a title")
    if len(activity.title) > MAX_TITLE or len(activity.description) > MAX_TEXT:
        raise RoadmapEditError(f"keep the title under {MAX_TITLE} and the description under {MAX_TEXT} characters")
    if activity.component not in {c.id for c in rubric.components}:
        raise RoadmapEditError("choose the component this activity belongs to")
    if activity.phase is None or not 0 <= activity.phase <= PHASES:
        raise RoadmapEditError("choose one of the roadmap's phases")
    planned = _planned(session, engagement.id)
    unknown = [d for d in activity.depends_on if d not in planned]
    if unknown:
        raise RoadmapEditError("it can only depend on activities on the roadmap; reload the page and choose again")
    late = [planned[d] for d in activity.depends_on if planned[d].phase > activity.phase]
    if late:
        raise RoadmapEditError(
            "; ".join(
                f"it depends on “{o.title}”, planned for {phases[o.phase].label}: "
                f"choose {phases[o.phase].label} or later"
                for o in late
            )
        )
    if len(activity.owner) > MAX_OWNER:
        raise RoadmapEditError(f"keep the owner under {MAX_OWNER} characters")
    keys = session.exec(
        select(RoadmapItem.key).where(RoadmapItem.engagement_id == engagement.id, col(RoadmapItem.origin) == "custom")
    ).all()
    number = max([int(k.split("-", 1)[1]) for k in keys if k.split("-", 1)[1].isdigit()] + [0]) + 1
    item = RoadmapItem(
        **activity.model_dump(),
        engagement_id=engagement.id,
        key=f"custom-{number}",
        pinned=True,
        origin="custom",
        position=max([r.position for r in planned.values()] + [0]) + 1,
        why={"custom": True, "placement": "added by a consultant"},
    )
    session.add(item)
    session.flush()
    audit_by(
        session,
        "roadmap.add",
        user,
        role="consultant",
        engagement_id=engagement.id,
        entity=f"roadmap_item:{item.key}",
        before={},
        after={**_state(item), "title": item.title, "component": item.component, "depends_on": item.depends_on},
    )
    return item
