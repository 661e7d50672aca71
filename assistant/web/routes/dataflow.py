"""The data-flow map's pages: the staff section of the interview (their own flows), the consultant's
catalogue (merge, split, rename), map (filters, one- and two-hop view, search, the SVG), bottlenecks
and exports, and the equity reviewer's de-identified map.

Thin: parse the form, call one function of ``assistant.dataflow`` or ``assistant.views.dataflow``,
render. A refused post shows its page again with every problem and what was typed (nothing saved).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, HTTPException, Query
from fastapi.responses import RedirectResponse, Response
from pydantic import Field

from assistant.dataflow import edits, exports, layout
from assistant.dataflow.flows import FlowInput, FlowProblems, delete_flow, save_flow
from assistant.dataflow.store import rebuild
from assistant.engines import engines_for
from assistant.interview.actions import Conversation
from assistant.records.engagements import min_cell_of
from assistant.security import whole_number_type
from assistant.views.dataflow import (
    MapFilter,
    bottlenecks_page,
    catalogue_page,
    catalogue_rows,
    equity_dataflow_page,
    map_graph,
    map_page,
    reviewer_graph,
    staff_flows_page,
)
from assistant.views.runs import run_context
from assistant.web.forms import PagePost, Refusable
from assistant.web.routes.deps import ConsultantEngagement, PathId, ReviewerEngagement, StaffLink, StaffParticipant
from assistant.web.shell import Consultant, CSRFDep, EngineDep, is_htmx, render, run_panel

router = APIRouter()
Minutes = whole_number_type(0, 10_000, "must be a whole number of minutes", blank=True)
Hops = whole_number_type(1, 2, "must be 1 or 2", blank=True)
Text = Annotated[str, Field(max_length=2000)]

# --- staff ----------------------------------------------------------------------------------


class FlowForm(Refusable):
    """One flow as the staff form posts it; checked by ``dataflow.flows.check``."""

    system: Text = ""
    source: Text = ""
    target: Text = ""
    method: Text = ""
    frequency: Text = ""
    minutes: Minutes = None
    fixes: Text = ""
    note: Text = ""


def _consented(conv: Conversation) -> bool:
    """The section is part of the interview: open once the person consented to take part."""
    return conv.consent is not None and conv.consent.given


def _to_consent(token: str) -> Response:
    return RedirectResponse(f"/i/{token}", status_code=303)


@router.get("/i/{token}/flows")
def staff_flows(
    f: Annotated[PagePost, Depends()],
    token: str,
    conv: StaffLink,
    engine: EngineDep,
    saved: int = 0,
    new: Annotated[list[str] | None, Query(max_length=5)] = None,
    system: Annotated[str, Query(max_length=200)] = "",
    method: Annotated[str, Query(max_length=40)] = "",
    source: Annotated[str, Query(max_length=200)] = "",
    target: Annotated[str, Query(max_length=200)] = "",
) -> Response:
    """The staff section: their flows and the form (``system``, ``method``, ``source``, ``target``: a
    proposal's pre-fill); proposals from their answers by the LLM when the engine seam gives one."""
    if not _consented(conv):
        return _to_consent(token)
    participant, engagement = conv.participant, conv.engagement
    message = "Saved. Add another, or go back to the interview." if saved else None
    extractor = engines_for(f.request.app.state.settings, engine, None, engagement).flow_extractor
    page = staff_flows_page(
        f.session,
        participant,
        engagement,
        token,
        extractor,
        message=message,
        notes=[n[:200] for n in new or []],
        form={"system": system, "method": method, "source": source, "target": target},
    )
    return render(f.request, "dataflow/staff_flows.html", page)


@router.post("/i/{token}/flows", dependencies=[CSRFDep])
def add_flow(
    f: Annotated[PagePost, Depends()], token: str, conv: StaffLink, posted: Annotated[FlowForm, Form()]
) -> Response:
    if not _consented(conv):
        return _to_consent(token)
    participant, engagement = conv.participant, conv.engagement
    problems = list(posted.problems)
    if not problems:
        try:
            result = save_flow(f.session, engagement, participant, FlowInput(**posted.model_dump()))
        except FlowProblems as exc:
            problems = exc.problems
        else:
            new = "".join(f"&new={quote(n)}" for n in result.notes)
            return f.saved(f"/i/{token}/flows?saved=1{new}#flows")
    typed = posted.typed or {k: str(v) for k, v in posted.model_dump().items() if v is not None}
    return f.refused(
        "dataflow/staff_flows.html",
        lambda: staff_flows_page(f.session, participant, engagement, token, problems=problems, form=typed),
    )


@router.post("/i/{token}/flows/{flow_id}/delete", dependencies=[CSRFDep])
def remove_flow(
    f: Annotated[PagePost, Depends()], token: str, participant: StaffParticipant, flow_id: PathId
) -> Response:
    """Remove one of the person's flows; one that is not theirs (or already gone: a second click) is left alone."""
    if delete_flow(f.session, participant, flow_id):
        rebuild(f.session, participant.engagement_id)
    return f.saved(f"/i/{token}/flows#flows")


# --- consultant -----------------------------------------------------------------------------

DONE = {
    "merge": "Merged. The merge is kept when the catalogue is rebuilt.",
    "split": "Split into a new system.",
    "rename": "Renamed.",
    "owner": "Owner department saved. It is kept when the catalogue is rebuilt.",
    "started": "The catalogue rebuild has started: it groups every confirmed mention again and keeps your edits.",
    "already": "A catalogue rebuild is already running; this page follows it.",
}


@dataclass
class DataflowPage(PagePost):
    engagement: ConsultantEngagement
    user: Consultant

    def done(self, done: str) -> Response:
        return self.saved(f"/engagements/{self.engagement.id}/dataflow/catalogue?done={done}")

    def refuse(self, problems: list[str]) -> Response:
        return self.refused(
            "dataflow/catalogue.html", lambda: catalogue_page(self.session, self.engagement, problems=problems)
        )


DataflowPageDep = Annotated[DataflowPage, Depends()]


def _encode(f: DataflowPage):  # noqa: ANN202 - the embedder's encode, or None when it cannot load
    from assistant.embeddings import get_embedder

    settings = f.request.app.state.settings
    try:
        return get_embedder(settings.embedding_model, settings.embedding_batch_size).encode
    except Exception:
        return None


@router.get("/engagements/{engagement_id}/dataflow/catalogue")
def catalogue(f: DataflowPageDep, done: str = "") -> Response:
    return render(
        f.request,
        "dataflow/catalogue.html",
        catalogue_page(f.session, f.engagement, _encode(f), message=DONE.get(done)),
    )


class MergeForm(Refusable):
    system: Text = ""
    into: Text = ""


class SplitForm(Refusable):
    system: Text = ""
    alias: Text = ""


class RenameForm(Refusable):
    system: Text = ""
    name: Annotated[str, Field(max_length=120)] = ""


@router.post("/engagements/{engagement_id}/dataflow/catalogue/merge", dependencies=[CSRFDep])
def merge(f: DataflowPageDep, posted: Annotated[MergeForm, Form()]) -> Response:
    try:
        edits.merge(f.session, f.engagement, f.user, posted.system, posted.into)
    except edits.CatalogueError as exc:
        return f.refuse([*posted.problems, str(exc)])
    return f.done("merge")


@router.post("/engagements/{engagement_id}/dataflow/catalogue/split", dependencies=[CSRFDep])
def split(f: DataflowPageDep, posted: Annotated[SplitForm, Form()]) -> Response:
    try:
        edits.split(f.session, f.engagement, f.user, posted.system, posted.alias)
    except edits.CatalogueError as exc:
        return f.refuse([*posted.problems, str(exc)])
    return f.done("split")


@router.post("/engagements/{engagement_id}/dataflow/catalogue/rename", dependencies=[CSRFDep])
def rename(f: DataflowPageDep, posted: Annotated[RenameForm, Form()]) -> Response:
    try:
        edits.rename(f.session, f.engagement, f.user, posted.system, posted.name)
    except edits.CatalogueError as exc:
        return f.refuse([*posted.problems, str(exc)])
    return f.done("rename")


class OwnerForm(Refusable):
    system: Text = ""
    department: Annotated[str, Field(max_length=200)] = ""


@router.post("/engagements/{engagement_id}/dataflow/catalogue/owner", dependencies=[CSRFDep])
def owner(f: DataflowPageDep, posted: Annotated[OwnerForm, Form()]) -> Response:
    try:
        edits.set_owner(f.session, f.engagement, f.user, posted.system, posted.department)
    except edits.CatalogueError as exc:
        return f.refuse([*posted.problems, str(exc)])
    return f.done("owner")


@router.post("/engagements/{engagement_id}/dataflow/run", dependencies=[CSRFDep])
def run(f: DataflowPageDep) -> Response:
    """Queue the catalogue and map rebuild (kind ``dataflow``); returns at once, the page follows the run."""
    created = f.queue(f.engagement.id, "dataflow", f.user.id)
    if is_htmx(f.request):
        return run_panel(f.request, run_context(f.session, f.engagement, "dataflow"))
    return f.done("started" if created else "already")


def _filter(department: str, method: str, focus: str, hops: int | None, q: str, level: str) -> MapFilter:
    return MapFilter(
        department=department[:120],
        method=method[:40],
        focus=focus[:200],
        hops=hops or 1,
        q=q[:120],
        level="department" if level == "department" else "",
    )


MapQuery = Annotated[str, Query(max_length=200)]


@router.get("/engagements/{engagement_id}/dataflow")
def map_view(
    f: DataflowPageDep,
    department: MapQuery = "",
    method: MapQuery = "",
    focus: MapQuery = "",
    hops: Annotated[Hops, Query()] = None,
    q: MapQuery = "",
    level: MapQuery = "",
) -> Response:
    chosen = _filter(department, method, focus, hops, q, level)
    return render(f.request, "dataflow/map.html", map_page(f.session, f.engagement, chosen))


def _svg(text: str) -> Response:
    return Response(text, media_type="image/svg+xml")  # no-store: the middleware's default


@router.get("/engagements/{engagement_id}/dataflow/map.svg")
def map_svg(
    f: DataflowPageDep,
    department: MapQuery = "",
    method: MapQuery = "",
    focus: MapQuery = "",
    hops: Annotated[Hops, Query()] = None,
    level: MapQuery = "",
) -> Response:
    chosen = _filter(department, method, focus, hops, "", level)
    _whole, shown = map_graph(f.session, f.engagement, chosen)
    return _svg(layout.svg(shown, highlight=chosen.focus or None))


@router.get("/engagements/{engagement_id}/dataflow/bottlenecks")
def bottlenecks(f: DataflowPageDep) -> Response:
    return render(f.request, "dataflow/bottlenecks.html", bottlenecks_page(f.session, f.engagement))


EXPORTS = {
    "nodes.csv": "text/csv; charset=utf-8",
    "edges.csv": "text/csv; charset=utf-8",
    "graph.graphml": "application/graphml+xml",
    "graph.json": "application/json",
    "catalogue.csv": "text/csv; charset=utf-8",
}


@router.get("/engagements/{engagement_id}/dataflow/export/{name}")
def export(f: DataflowPageDep, name: str) -> Response:
    if name not in EXPORTS:
        raise HTTPException(
            404, "Unknown export: pick nodes.csv, edges.csv, graph.graphml, graph.json or catalogue.csv."
        )
    whole, _shown = map_graph(f.session, f.engagement, MapFilter())
    if name == "catalogue.csv":
        rows = [
            (r.key, r.name, r.aliases, r.vendor, r.owner_department, r.people, "yes" if r.known else "")
            for r in catalogue_rows(f.session, f.engagement)
        ]
        body: str | bytes = exports.catalogue_csv(rows)
    elif name == "nodes.csv":
        body = exports.nodes_csv(whole)
    elif name == "edges.csv":
        body = exports.edges_csv(whole)
    elif name == "graph.graphml":
        body = exports.graphml(whole)
    else:
        body = exports.graph_json(whole)
    filename = f"dataflow-{f.engagement.id}-{name}"
    return Response(
        body, media_type=EXPORTS[name], headers={"Content-Disposition": f'attachment; filename="{filename}"'}
    )


# --- equity reviewer ------------------------------------------------------------------------


@router.get("/engagements/{engagement_id}/equity/dataflow")
def equity_map(f: Annotated[PagePost, Depends()], engagement: ReviewerEngagement) -> Response:
    return render(f.request, "dataflow/equity.html", equity_dataflow_page(f.session, engagement))


@router.get("/engagements/{engagement_id}/equity/dataflow/map.svg")
def equity_map_svg(f: Annotated[PagePost, Depends()], engagement: ReviewerEngagement) -> Response:
    whole, _shown = map_graph(f.session, engagement, MapFilter())
    shown, _pool = reviewer_graph(whole, min_cell_of(engagement))
    return _svg(layout.svg(shown))
