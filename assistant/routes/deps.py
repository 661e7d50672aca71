"""Path dependencies shared by every router: the engagement and the rubric component in the URL.

A route that serves an engagement page takes ``ConsultantEngagement`` (or, later, another actor's
variant) instead of loading the row itself, so access rules live in one place: a path id that is
not a valid database id, an engagement that does not exist, and (once teams exist) an engagement
the user is not a member of all answer 404 here, before the route runs.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Path

from assistant.models import Engagement
from assistant.rubric import Component
from assistant.web import Consultant, RubricDep, SessionDep

MAX_ID = 2**63 - 1  # the largest id a database integer key can hold; larger ids are 404, never a crash

PathId = Annotated[int, Path(ge=1, le=MAX_ID)]


def consultant_engagement(engagement_id: PathId, session: SessionDep, user: Consultant) -> Engagement:
    """The engagement in the path, for a logged-in consultant; 404 when there is none."""
    engagement = session.get(Engagement, engagement_id)
    if engagement is None:
        raise HTTPException(404, "There is no such engagement.")
    return engagement


def component_in_path(component_id: str, rubric: RubricDep) -> Component:
    """The rubric component in the path; 404 when the rubric has none of that id."""
    try:
        return rubric.component(component_id)
    except KeyError:
        raise HTTPException(404, "There is no such component in the rubric.") from None


ConsultantEngagement = Annotated[Engagement, Depends(consultant_engagement)]
ComponentInPath = Annotated[Component, Depends(component_in_path)]
