"""How a post from a page ends, the same way on every page: saved (the change committed, the browser
sent on with a redirect, so a reload posts nothing), refused (the change rolled back, the page shown
again with what is wrong and what was typed, status 422 or the one given), or a background run queued.

Routers subclass ``PagePost`` with the rows their pages need (the engagement from ``routes/deps.py``,
the user, the rubric) and take it as a dependency (``Annotated[Sub, Depends()]``); a page that needs
nothing more takes ``PagePostDep``. A form's fields are one pydantic model taken as
``Annotated[Model, Form()]`` (re-shown on a refusal with ``model_dump()``); fields that more than one
page posts are declared once, here.

This module keeps its annotations evaluated (no ``from __future__ import annotations``): FastAPI
reads the fields of a subclass's generated ``__init__`` in the subclass's module, where these names
may not be imported.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel

from assistant.web.shell import SessionDep, render


@dataclass
class PagePost:
    """The request and its database session, and the ways a post ends."""

    request: Request
    session: SessionDep

    def saved(self, url: str) -> Response:
        """Commit, then send the browser to ``url`` (303, so a reload posts nothing)."""
        self.session.commit()
        return RedirectResponse(url, status_code=303)

    def queue(self, engagement_id: int, kind: str, started_by: int | None, params: dict | None = None) -> bool:
        """Commit (so no transaction is held while the work runs), then queue a run of ``kind`` for the
        background workers of every app process (``jobs.submit``). True when this post queued it, False
        when the engagement already had one unfinished (the page then follows that one)."""
        self.session.commit()
        _run, created = self.request.app.state.jobs.submit(engagement_id, kind, started_by=started_by, params=params)
        return created

    def refused(self, template: str, context: Callable[[], dict[str, Any]], status_code: int = 422) -> Response:
        """Roll back, then show ``template`` with ``context()``, built after the rollback so the page shows
        what is stored (nothing of the refused change)."""
        self.session.rollback()
        return render(self.request, template, context(), status_code=status_code)


PagePostDep = Annotated[PagePost, Depends()]  # a page whose posts need nothing more than the request and session


class GroupForm(BaseModel):
    """The group a person is in, as the department and role-level pickers post it (the open link's
    sign-up page, the consultant's invite form); checked against the engagement by the records."""

    department: str = ""
    role_level: str = ""
