"""Path dependencies shared by every router: the engagement, the rubric component, a theme or a
transcript in the URL, and the staff member behind a personal link.

A route that serves an engagement page takes ``ConsultantEngagement``, ``ReviewerEngagement``,
``LeadEngagement`` or ``TrackerEngagement`` (consultants and the city contact) instead of loading
the row itself, so the access rule lives here, in one place:
- not logged in: the login page;
- a path id that is not a valid database id: 422;
- an engagement that does not exist, or that the user is not a member of: 404 (a non-member
  cannot even learn that it exists);
- a member whose team role is not the page's: 403 (consultant pages for lead and consultant
  members, equity pages for equity reviewer members, team management for leads).

A staff route takes ``StaffLink`` (or ``StaffParticipant``): an unknown, expired or withdrawn link
raises ``LinkError``, which the app's one handler turns into the friendly 404/410 page.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, HTTPException, Path

from assistant.interview import actions
from assistant.interview.actions import Conversation
from assistant.models import Engagement, Interview, Membership, Participant, Theme
from assistant.records.teams import membership
from assistant.rubric import Component
from assistant.security import MAX_ID
from assistant.views import lookup
from assistant.web.shell import CurrentUser, RubricDep, SessionDep

PathId = Annotated[int, Path(ge=1, le=MAX_ID)]  # larger ids are refused (422), never a crash
# a participant in a URL is named by their random public label (P-7KQ2MX), never by database id: ids
# follow invite order; anything longer than a label is refused (422), anything else not found (404)
PathLabel = Annotated[str, Path(min_length=1, max_length=20)]


# which team roles may open which kind of engagement page
CONSULTANT_ROLES = ("lead", "consultant")
REVIEWER_ROLES = ("equity_reviewer",)
LEAD_ROLES = ("lead",)
# the roadmap's progress and the progress report: consultants, and the organisation's city contact
TRACKER_ROLES = ("lead", "consultant", "city_contact")
_FOR = {
    TRACKER_ROLES: "This page is for the engagement's consultants and the organisation's city contact.",
    CONSULTANT_ROLES: "This page is for the engagement's consultants.",
    REVIEWER_ROLES: "This page is for the engagement's equity reviewers.",
    LEAD_ROLES: "Only the engagement's lead consultant manages the team.",
}


def member_engagement(engagement_id: PathId, session: SessionDep, user: CurrentUser) -> tuple[Engagement, Membership]:
    """The engagement in the path and the user's membership; 404 when there is no such engagement
    or the user is not on its team (the same answer, so a non-member learns nothing)."""
    engagement = lookup.engagement(session, engagement_id)
    found = membership(session, engagement.id, user.id) if engagement is not None else None
    if engagement is None or found is None or not user.is_active:
        raise HTTPException(404, "There is no such engagement.")
    return engagement, found


MemberEngagement = Annotated[tuple[Engagement, Membership], Depends(member_engagement)]


def _engagement_for(roles: tuple[str, ...]) -> Callable[[tuple[Engagement, Membership]], Engagement]:
    def dependency(found: MemberEngagement) -> Engagement:
        engagement, member = found
        if member.role not in roles:
            raise HTTPException(403, _FOR[roles])
        return engagement

    dependency.__doc__ = f"The engagement in the path for a member in a role of {roles} (404 others, 403 other roles)."
    return dependency


ConsultantEngagement = Annotated[Engagement, Depends(_engagement_for(CONSULTANT_ROLES))]


def tracker_engagement(found: MemberEngagement) -> tuple[Engagement, Membership]:
    """The engagement in the path and the membership of a consultant or city contact (404 others, 403
    other roles); the role decides what they may change (a contact: the items they own)."""
    if found[1].role not in TRACKER_ROLES:
        raise HTTPException(403, _FOR[TRACKER_ROLES])
    return found


TrackerEngagement = Annotated[tuple[Engagement, Membership], Depends(tracker_engagement)]
ReviewerEngagement = Annotated[Engagement, Depends(_engagement_for(REVIEWER_ROLES))]
LeadEngagement = Annotated[Engagement, Depends(_engagement_for(LEAD_ROLES))]


def compared_engagement(
    engagement: ConsultantEngagement, other_id: PathId, session: SessionDep, user: CurrentUser
) -> Engagement:
    """The other assessment of the same organisation in the path, for a consultant of both; 404 for
    anything else (another organisation's, one the user is not a consultant of, the same one)."""
    other = lookup.engagement(session, other_id)
    member = membership(session, other.id, user.id) if other is not None else None
    if (
        other is None
        or member is None
        or member.role not in CONSULTANT_ROLES
        or other.id == engagement.id
        or engagement.organisation_id is None
        or other.organisation_id != engagement.organisation_id
    ):
        raise HTTPException(404, "There is no such assessment of this organisation to compare with.")
    return other


ComparedEngagement = Annotated[Engagement, Depends(compared_engagement)]


def component_in_path(component_id: str, rubric: RubricDep) -> Component:
    """The rubric component in the path; 404 when the rubric has none of that id."""
    try:
        return rubric.component(component_id)
    except KeyError:
        raise HTTPException(404, "There is no such component in the rubric.") from None


ComponentInPath = Annotated[Component, Depends(component_in_path)]


def theme_in_path(engagement: ConsultantEngagement, theme_id: PathId, session: SessionDep) -> Theme:
    """The live theme in the path; 404 when the engagement has none, 410 (saying where it went) when
    a merge or a newer synthesis run archived it."""
    theme = lookup.theme(session, engagement.id, theme_id)
    if theme is None:
        raise HTTPException(404, "There is no such theme in this engagement.")
    if theme.archived:
        merged = (theme.changes or {}).get("merged_into")
        raise HTTPException(
            410,
            f"This theme was merged into theme {merged}."
            if merged
            else "This theme was replaced by a newer synthesis run. Open the component's themes again.",
        )
    return theme


ThemeInPath = Annotated[Theme, Depends(theme_in_path)]


def transcript_in_path(
    engagement: ConsultantEngagement, label: PathLabel, session: SessionDep
) -> tuple[Interview, Participant]:
    """The interview of the participant whose public label is in the path; 404 when it is not this engagement's or not
    submitted (unsubmitted text is shown to nobody), 410 when the participant withdrew (their
    answers are no longer shown)."""
    found = lookup.transcript(session, engagement.id, label)
    if found is None:
        raise HTTPException(404, "There is no such transcript in this engagement.")
    if found[1].withdrawn_at is not None:
        raise HTTPException(410, "This participant withdrew; their answers are no longer available.")
    if found[0].state != lookup.READABLE_STATE:
        raise HTTPException(404, "There is no such transcript yet: answers are shown once the person submits them.")
    return found


TranscriptInPath = Annotated[tuple[Interview, Participant], Depends(transcript_in_path)]


def staff_participant(token: str, session: SessionDep) -> Participant:
    """The participant behind the personal link in the path (one read); ``LinkError`` when it cannot be used."""
    return actions.participant_for_token(session, token)


def staff_link(participant: Annotated[Participant, Depends(staff_participant)], session: SessionDep) -> Conversation:
    """The whole conversation behind the personal link in the path: its author's own interview only."""
    return actions.load(session, participant)


StaffParticipant = Annotated[Participant, Depends(staff_participant)]
StaffLink = Annotated[Conversation, Depends(staff_link)]
