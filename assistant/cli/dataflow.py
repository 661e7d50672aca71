"""``dm3 dataflow-export``: an engagement's data-flow map or catalogue to a file (the same downloads
the map page offers)."""

from __future__ import annotations

from pathlib import Path

import typer
from sqlmodel import Session

from assistant.cli.common import app, fail
from assistant.config import get_settings
from assistant.db import make_engine, migrate
from assistant.models import Engagement

FORMATS = ("graphml", "json", "nodes-csv", "edges-csv", "catalogue-csv")


@app.command("dataflow-export")
def dataflow_export_cmd(
    engagement_id: int = typer.Argument(..., metavar="ENGAGEMENT"),
    fmt: str = typer.Option(..., "--format", "-f", help="graphml, json, nodes-csv, edges-csv or catalogue-csv"),
    out: Path = typer.Option(..., "--out", "-o", help="the file to write"),
) -> None:
    """Write the engagement's data-flow map (GraphML, JSON, nodes or edges CSV) or its catalogue (CSV) to OUT."""
    from assistant.dataflow import exports
    from assistant.dataflow import graph as G
    from assistant.views.dataflow import catalogue_rows

    if fmt not in FORMATS:
        fail(f"unknown format {fmt!r}: pick one of {', '.join(FORMATS)}", 2)
    settings = get_settings()
    migrate(settings.database_url)
    with Session(make_engine(settings.database_url)) as session:
        engagement = session.get(Engagement, engagement_id)
        if engagement is None:
            fail(f"no engagement {engagement_id}; `dm3 engagements` lists them", 2)
        g = G.build(G.hops(session, engagement_id), G.node_labels(session, engagement))
        if fmt == "catalogue-csv":
            rows = [
                (r.key, r.name, r.aliases, r.vendor, r.owner_department, r.people, "yes" if r.known else "")
                for r in catalogue_rows(session, engagement)
            ]
            body: str | bytes = exports.catalogue_csv(rows)
        else:
            body = {
                "graphml": exports.graphml,
                "json": exports.graph_json,
                "nodes-csv": exports.nodes_csv,
                "edges-csv": exports.edges_csv,
            }[fmt](g)
    out.write_bytes(body if isinstance(body, bytes) else body.encode("utf-8"))
    typer.echo(f"{g.number_of_nodes()} nodes, {g.number_of_edges()} hand-offs -> {out}")
