"""Page data: what each web page shows, read from the stored rows.

One module per router (``engagement``, ``review``, ``staff``, ``themes``, ``runs``, ``audit``,
``roadmap``, ``report``) plus ``lookup``
for the rows a URL names. Functions here read and shape data; they never write, render or know
about HTTP, so the routes in ``assistant/web/routes/`` stay parse-call-render and hold no SQL.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import Any, Self


@dataclass(frozen=True, kw_only=True)
class Page:
    """What a page's template relies on, as typed fields: each view returns a subclass, and the shell
    (``web.render``) gives the template its fields as names, shallowly (rows stay objects), so the
    templates read ``message``, ``problems`` and the subclass's own fields, always defined.

    ``message`` is what was just done, ``problems`` why a post was refused, ``form`` what was typed."""

    message: str | None = None
    problems: list[str] = field(default_factory=list)
    form: dict[str, Any] = field(default_factory=dict)

    def context(self) -> dict[str, Any]:
        """The fields by name, one level deep (no ``asdict``: nested rows and views stay as they are)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def with_news(self, message: str | None = None, problems: list[str] | None = None) -> Self:
        """This page with what was just done and why a post was refused (a copy: pages are frozen)."""
        return replace(self, message=message, problems=list(problems or []))
