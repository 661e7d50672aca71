"""Following an organisation: start a follow-up assessment from an earlier one.

Rules:
- both engagements name one ``Organisation`` (made from the earlier engagement's name the first time);
- the follow-up carries over the departments, role levels and roster counts (editable afterwards on
  its set-up page, as any roster), the targets, the horizon, the equity settings (the same
  small-group threshold k on every wave, so a difference cannot single anyone out), the team, and
  the roadmap with its progress and notes; nothing from staff: staff get new links;
- a pulse follow-up stores its plan (``pulse.py``); a full one asks the whole interview again;
- the rubric version in use is recorded on both, so levels are compared only when it matches;
- audited on both engagements.
"""

from __future__ import annotations

from sqlmodel import Session, select

from assistant.followup.pulse import plan_pulse, worked_components
from assistant.models import (
    Engagement,
    ItemProgress,
    Membership,
    Organisation,
    ProgressNote,
    RoadmapItem,
    User,
)
from assistant.records.engagements import change_settings, create_engagement, roster_rows, settings_of
from assistant.records.review import ReviewError
from assistant.rubric import Rubric
from assistant.security import audit_by

KINDS = ("full", "pulse")
CARRIED_SETTINGS = ("target_levels", "roadmap_horizon_months", "equity", "llm_enabled", "roster_names", "open_link")


class FollowUpError(ReviewError):
    """A follow-up that cannot be started; the message says why."""


def organisation_of(session: Session, engagement: Engagement) -> Organisation:
    """The engagement's organisation, made from its name the first time it is followed up."""
    if engagement.organisation_id is not None:
        found = session.get(Organisation, engagement.organisation_id)
        if found is not None:
            return found
    organisation = Organisation(name=engagement.organisation)
    session.add(organisation)
    session.flush()
    engagement.organisation_id = organisation.id
    session.add(engagement)
    return organisation


def _carry_team(session: Session, previous: Engagement, new: Engagement, user: User) -> None:
    for member in session.exec(select(Membership).where(Membership.engagement_id == previous.id)):
        if member.user_id != user.id:
            session.add(Membership(engagement_id=new.id, user_id=member.user_id, role=member.role, added_by=user.id))


def _carry_roadmap(session: Session, previous: Engagement, new: Engagement) -> int:
    """Copy the planned items with their progress and notes; returns how many items."""
    progress = {
        p.item_id: p for p in session.exec(select(ItemProgress).where(ItemProgress.engagement_id == previous.id))
    }
    items = session.exec(
        select(RoadmapItem).where(RoadmapItem.engagement_id == previous.id, RoadmapItem.status == "planned")
    ).all()
    for item in items:
        copy = RoadmapItem(**item.model_dump(exclude={"id", "engagement_id"}), engagement_id=new.id)
        session.add(copy)
        session.flush()
        row = progress.get(item.id)
        if row is not None:
            session.add(
                ItemProgress(
                    **row.model_dump(exclude={"id", "item_id", "engagement_id"}), item_id=copy.id, engagement_id=new.id
                )
            )
        for note in session.exec(select(ProgressNote).where(ProgressNote.item_id == item.id)):
            session.add(
                ProgressNote(
                    **note.model_dump(exclude={"id", "item_id", "engagement_id"}), item_id=copy.id, engagement_id=new.id
                )
            )
    return len(items)


def start_follow_up(
    session: Session, previous: Engagement, kind: str, user: User, rubric: Rubric, name: str = ""
) -> Engagement:
    """A new engagement following ``previous`` (see the module's rules); returns it (added, not
    committed). Raises ``FollowUpError`` for an unknown kind, or a pulse with nothing to ask about."""
    if kind not in KINDS:
        raise FollowUpError("choose a pulse or a full assessment")
    plan = None
    if kind == "pulse":
        plan = plan_pulse(worked_components(session, previous.id, rubric), rubric)
        if not plan["questions"]:
            raise FollowUpError(
                "a pulse asks about what the roadmap worked on, and there is no roadmap yet: "
                "generate it first, or start a full assessment"
            )
    organisation = organisation_of(session, previous)
    roster = {(r.department, r.role_level): r.count for r in roster_rows(session, previous)}
    new = create_engagement(
        session,
        " ".join(name.split()) or f"{previous.organisation} (follow-up)",
        list(previous.departments),
        list(previous.role_levels),
        roster,
        user,
    )
    new.organisation_id, new.previous_id, new.kind, new.pulse_plan = organisation.id, previous.id, kind, plan
    new.rubric_version = rubric.version
    previous.rubric_version = previous.rubric_version or rubric.version
    session.add_all([new, previous])
    carried = settings_of(previous).model_dump(mode="json", include=set(CARRIED_SETTINGS))
    change_settings(session, new, "followup.settings", user, carried, role="lead")
    _carry_team(session, previous, new, user)
    items = _carry_roadmap(session, previous, new)
    after = {"follow_up": new.id, "kind": kind, "roadmap_items": items, "pulse": plan}
    audit_by(
        session,
        "followup.start",
        user,
        role="lead",
        engagement_id=previous.id,
        entity=f"engagement:{previous.id}",
        after=after,
    )
    audit_by(
        session,
        "followup.start",
        user,
        role="lead",
        engagement_id=new.id,
        entity=f"engagement:{new.id}",
        after={**after, "previous": previous.id},
    )
    session.flush()
    return new
