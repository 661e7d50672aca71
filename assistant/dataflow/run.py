"""The catalogue and map rebuild as a background run (kind ``dataflow``), like synthesis and rating:
queued by the catalogue page, taken by any process's worker (``background.handlers``), its progress on
the ``Run`` row for the page's run panel, its figures in the run's stats.

The rebuild itself is ``store.rebuild`` (every confirmed mention grouped again, the consultant's edits
re-applied in order); the map is then built once from the rebuilt catalogue so the run's message says
what the consultant will find there.
"""

from __future__ import annotations

from typing import Unpack

from sqlalchemy.engine import Engine
from sqlmodel import Session

from assistant.dataflow.store import counted_mentions, rebuild
from assistant.jobs import RunOptions, track_run
from assistant.models import MANUAL_METHODS, Engagement
from assistant.records.handoffs import build, hops, node_labels

KIND = "dataflow"


def rebuild_map(db_engine: Engine, engagement_id: int, **run: Unpack[RunOptions]) -> dict[str, int]:
    """Rebuild the engagement's catalogue and count its map as a ``dataflow`` run; returns the run's stats
    (mentions, systems, hand-offs, manual hand-offs). Rules: the run's lifecycle is ``jobs.track_run``'s
    (one unfinished per engagement, failed with a readable message if the rebuild raises)."""
    with track_run(db_engine, engagement_id, KIND, **({"message": "rebuilding the catalogue"} | run)) as tracker:
        with Session(db_engine, expire_on_commit=False) as session:
            engagement = session.get(Engagement, engagement_id)
            if engagement is None:
                raise ValueError(f"no engagement with id {engagement_id}")
            mentions = len(counted_mentions(session, engagement_id))
            tracker.progress(0.1, f"grouping {mentions} mention(s) into systems")
            systems = rebuild(session, engagement_id)
            session.commit()
            tracker.progress(0.7, "catalogue rebuilt and edits applied again; counting the map")
            g = build(hops(session, engagement_id), node_labels(session, engagement))
        stats = {
            "mentions": mentions,
            "systems": sum(1 for s in systems.values() if not s.merged_into),
            "handoffs": g.number_of_edges(),
            "manual": sum(1 for _u, _v, d in g.edges(data=True) if d["method"] in MANUAL_METHODS),
        }
        tracker.done(
            stats,
            f"{stats['systems']} system(s) from {mentions} mention(s); {stats['handoffs']} hand-off(s) on the map, "
            f"{stats['manual']} of them manual; your merges, splits and renames were applied again",
        )
    return stats
