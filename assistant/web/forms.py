"""How a post from a page ends, the same way on every page: saved (the change committed, the browser
sent on with a redirect, so a reload posts nothing), refused (the change rolled back, the page shown
again with what is wrong and what was typed, status 422 or the one given), or a background run queued.

Routers subclass ``PagePost`` with the rows their pages need (the engagement from ``routes/deps.py``,
the user, the rubric) and take it as a dependency (``Annotated[Sub, Depends()]``); a page that needs
nothing more takes ``PagePostDep``. A form's fields are one pydantic model taken as
``Annotated[Model, Form()]`` (re-shown on a refusal with ``model_dump()``); fields that more than one
page posts are declared once, here. Every number in a form is ``security.whole_number_type`` (one
rule: plain digits 0-9 within bounds, else a 422 naming the field); fields whose names come from the
data (one per rubric component, roster cell or equity attribute) are gathered by ``NamedByData``.

This module keeps its annotations evaluated (no ``from __future__ import annotations``): FastAPI
reads the fields of a subclass's generated ``__init__`` in the subclass's module, where these names
may not be imported.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any, ClassVar

from fastapi import Depends, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, model_validator
from pydantic.json_schema import SkipJsonSchema
from pydantic_core import ErrorDetails

from assistant.security import whole_number_type
from assistant.views import Page
from assistant.web.shell import SessionDep, render

# a level as a form posts it: a number the rubric may not have ("9") is the records' to refuse
# (``review.set_targets``, ``review.decide``), with the rubric's levels in the message
Level = whole_number_type(0, 1000, "must be a level from 1 to 5", blank=True)


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

    def refused(self, template: str, context: Callable[[], Page | dict[str, Any]], status_code: int = 422) -> Response:
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


class NamedByData(BaseModel):
    """A form some of whose field names come from the data: ``<prefix>-<key>`` for each prefix in
    ``PREFIXES`` (``{"target": "targets"}``: ``target-data_life_cycle=3`` becomes ``targets ==
    {"data_life_cycle": 3}``), so the page keeps one plain named input (or radio group) per
    component, roster cell or attribute and works without JavaScript.

    Each gathered field is a ``dict[str, T]`` declared with ``gathered(prefix)``: its values are
    validated as ``T`` and an error names the field as posted (``target-data_life_cycle``). The
    OpenAPI description declares the names by pattern (``patternProperties``) so the schema
    fuzzer posts them; any other name is ignored."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)
    PREFIXES: ClassVar[tuple[str, ...]] = ()

    @model_validator(mode="before")
    @classmethod
    def _gather(cls, data: object) -> object:
        if not isinstance(data, Mapping):
            return data
        out = {k: v for k, v in data.items() if not any(k.startswith(p + "-") for p in cls.PREFIXES)}
        for prefix in cls.PREFIXES:
            named = {k[len(prefix) + 1 :]: v for k, v in data.items() if k.startswith(prefix + "-")}
            if named:
                out[prefix] = named
        return out

    @classmethod
    def pattern_schema(cls, **values: dict[str, Any]) -> dict[str, Any]:
        """The ``json_schema_extra`` declaring each prefix's names: ``pattern_schema(target={...})``."""
        return {"patternProperties": {f"^{prefix}-": schema for prefix, schema in values.items()}}


def gathered(prefix: str) -> Any:
    """The field of a ``NamedByData`` form holding the ``<prefix>-<key>`` fields, keyed by ``<key>``."""
    return Field(default_factory=dict, alias=prefix)


class TargetsForm(NamedByData):
    """Target levels as the review and roadmap pages post them: ``target-<component>``, a level or blank."""

    model_config = ConfigDict(
        json_schema_extra=NamedByData.pattern_schema(target={"type": "integer", "minimum": 0, "maximum": 1000})
    )
    PREFIXES = ("target",)

    targets: SkipJsonSchema[dict[str, Level]] = gathered("target")


def field_problem(error: ErrorDetails) -> str:
    """One refused field as a sentence, named as the form posts it: ``target-data_life_cycle: must be a
    level from 1 to 5 (got '²')`` (a gathered field's key joined to its prefix)."""
    name = "-".join(str(part) for part in error["loc"] if part != "body")
    message = "is missing" if error["type"] == "missing" else str(error["msg"]).removeprefix("Value error, ")
    return f"{name}: {message}" if name else message


class Refusable(BaseModel):
    """A form its page shows again when a field is refused, with every problem and what was typed
    (so nothing typed is lost), instead of the plain 422 page: the route checks ``problems`` first.

    A refused field is left at its default and the others are validated as usual, so the page's own
    checks can add their problems to the same list. Give each field that can be refused a default."""

    _problems: list[str] = PrivateAttr(default_factory=list)
    _typed: dict[str, str] = PrivateAttr(default_factory=dict)

    @model_validator(mode="wrap")
    @classmethod
    def _keep_problems(cls, data: Any, handler: Any) -> Any:
        try:
            return handler(data)
        except ValidationError as exc:
            if not isinstance(data, Mapping):
                raise
            refused = {e["loc"][0] for e in exc.errors() if e["loc"]}
            try:
                form = handler({k: v for k, v in data.items() if k not in refused})
            except ValidationError:
                form = cls.model_construct()
            form._problems = [field_problem(e) for e in exc.errors()]
            form._typed = {k: v for k, v in data.items() if isinstance(v, str)}
            return form

    @property
    def problems(self) -> list[str]:
        """Why fields were refused (empty when the form is valid)."""
        return self._problems

    @property
    def typed(self) -> dict[str, str]:
        """What was posted, as text, to show again beside the problems."""
        return self._typed
