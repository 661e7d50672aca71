"""The completed demo engagement: built by the real synthesis and rating from the packaged demo
vectors (no text encoded again), marked "being prepared" on the engagements page while it is built
(and where it stopped when it failed), resumed by a second run, and finished with decided levels, a
roadmap and a report that renders."""

from __future__ import annotations

import re

import numpy as np
import pytest
from sqlmodel import Session, select

from assistant.demo.completed import STEPS, ensure_completed, preparing_step, seed_completed
from assistant.demo.seed import DEMO_EMAIL, seed_demo
from assistant.demo.vectors import DemoEmbedder, packaged_store
from assistant.models import Engagement, Run
from assistant.records.review import decided_levels
from assistant.report.export import export_bytes
from assistant.roadmap.generate import items_of
from assistant.web.app import create_app
from tests.factories import logged_in_client


class BrokenEmbedder(DemoEmbedder):
    """Fails as a missing model folder would, on the first encode."""

    def encode(self, texts, progress=False, counted=None) -> np.ndarray:
        raise RuntimeError("no model folder")


@pytest.fixture
def demo(session, settings, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the demo's password file goes under tmp_path/var
    settings.interview_relatedness = False
    info = seed_demo(session, settings)
    session.commit()
    return info


def listing(client) -> str:
    return client.get("/engagements").text


def test_the_completed_demo_is_prepared_visibly_and_finished_from_the_packaged_vectors(demo, engine, settings, rubric):
    client = logged_in_client(create_app(settings), DEMO_EMAIL, demo.password)
    engagement_id, finished = ensure_completed(engine)
    assert engagement_id is not None and not finished
    page = listing(client)
    assert f"being prepared: {STEPS['interviews']}" in page and 'hx-trigger="every 3s"' in page
    assert f"/engagements/{engagement_id}/report" not in page

    # a step that fails is marked where it stopped (and raised); the next run resumes from there
    with pytest.raises(RuntimeError, match="no model folder"):
        seed_completed(engine, settings, embedder=BrokenEmbedder(settings.embedding_model))
    with Session(engine) as s:
        stopped = preparing_step(s.get(Engagement, engagement_id))
    assert stopped.startswith("Stopped while running synthesis (RuntimeError); run `make demo` again")
    assert stopped in listing(client)
    assert ensure_completed(engine) == (engagement_id, False)

    vectors = DemoEmbedder(settings.embedding_model, store=packaged_store())
    timings: dict[str, tuple[float, float]] = {}
    assert seed_completed(engine, settings, embedder=vectors, timings=timings) == engagement_id
    # the packaged vectors cover every text a fresh demo encodes: the model is never needed
    assert vectors.misses == 0 and vectors.hits > 1000, "rerun `.venv/bin/python scripts/write_demo_vectors.py`"
    # every step was timed; how long they take is bench/demo_speed.py's business, not a test's
    assert set(timings) == set(STEPS)

    with Session(engine, expire_on_commit=False) as s:
        engagement = s.get(Engagement, engagement_id)
        assert preparing_step(engagement) is None
        levels = decided_levels(s, engagement_id)
        assert len(levels) >= 4 and all(1 <= v <= 5 for v in levels.values())
        assert [i for i in items_of(s, engagement_id) if i.status == "planned"]
        assert engagement.settings["roadmap"]["generated_at"]
        runs = s.exec(select(Run).where(Run.engagement_id == engagement_id)).all()
        assert {("synthesis", "done"), ("rating", "done")} <= {(r.kind, r.status) for r in runs}
        html = export_bytes(s, engagement, rubric, "html").decode()
    assert "Roadmap" in html and "Readiness" in html
    for component, level in levels.items():
        assert f"{rubric.component(component).name}: level {level} (" in html

    page = listing(client)
    assert "being prepared" not in page and "every 3s" not in page
    assert f'href="/engagements/{engagement_id}/report">open the report' in page
    report = client.get(f"/engagements/{engagement_id}/report")
    assert report.status_code == 200 and re.search(r"level \d \(", report.text)
    # finished: a second run changes nothing
    assert ensure_completed(engine) == (engagement_id, True)
    assert seed_completed(engine, settings) == engagement_id
    with Session(engine) as s:
        assert len(s.exec(select(Run).where(Run.engagement_id == engagement_id)).all()) == len(runs)
