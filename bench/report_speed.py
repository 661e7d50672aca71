"""Time to render the report page and to export each format, for the demo's completed engagement.

    .venv/bin/python bench/report_speed.py [--database-url sqlite:///var/dm3.db] [--repeat 3]

Seeds the demo (and its completed engagement) when the database lacks it, then prints the median wall
and CPU seconds of ``--repeat`` GETs of the report page (as the consultant, through the app) and of
``--repeat`` exports per format, after one warm-up of each (the warm-up pays one-time costs: imports,
WeasyPrint's fonts, the embedding model that checks readiness quotes; its wall time is printed too).
Run it from two checkouts against the same database file to compare before and after; the figures
and their ratio to the report page's are printed from one run, so a loaded machine shows in both.
"""

from __future__ import annotations

import argparse
import inspect
import os
import re
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session

from assistant.config import Settings
from assistant.db import make_engine, migrate
from assistant.demo.completed import seed_completed
from assistant.demo.seed import DEMO_EMAIL, seed_demo
from assistant.models import Engagement
from assistant.report import export as export_mod
from assistant.rubric import get_rubric
from assistant.web.app import create_app


def timed(work: Callable[[], object], repeat: int) -> tuple[float, float, object]:
    """Median (wall, CPU) seconds of ``repeat`` calls of ``work``, and its last result."""
    walls, cpus, result = [], [], None
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        result = work()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus), result


def _client(settings: Settings, password: str) -> TestClient:
    app = create_app(settings)
    app.state.jobs.shutdown()  # the bench queues nothing: no worker competing for the CPU
    client = TestClient(app)
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)
    client.post("/login", data={"email": DEMO_EMAIL, "password": password, "csrf_token": token})
    return client


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default="sqlite:///var/bench-report.db")
    parser.add_argument("--workdir", default=".", help="where the demo's password file is kept (var/)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--readiness-cosines", action="store_true", help="print each readiness quote candidate's cosine with its signal"
    )
    args = parser.parse_args()
    os.chdir(Path(args.workdir).resolve())
    # a local secret for the bench's own app (the demo's var/ secret is for `dm3 demo`)
    settings = Settings(
        database_url=args.database_url, secret_key=os.environ.get("DM3_SECRET_KEY", "bench-" + "0" * 16)
    )
    migrate(settings.database_url)
    engine = make_engine(settings.database_url)
    t0 = time.perf_counter()
    with Session(engine, expire_on_commit=False) as session:
        info = seed_demo(session, settings)
        session.commit()
    engagement_id = seed_completed(engine, settings)
    print(f"demo seeded or checked in {time.perf_counter() - t0:.1f} s (load average {os.getloadavg()[0]:.1f})")
    if args.readiness_cosines:
        readiness_cosines(engine, settings, engagement_id)
        return
    client = _client(settings, info.password)
    url = f"/engagements/{engagement_id}/report"
    first = timed(lambda: client.get(url), 1)
    wall, cpu, response = timed(lambda: client.get(url), args.repeat)
    assert response.status_code == 200, response.status_code
    page_cpu = cpu
    print(f"{'what':<14} {'wall':>7}   {'CPU':>7}   {'size':>8}   CPU vs page   first (wall)")
    print(
        f"{'report page':<14} {wall:6.2f}s  {cpu:6.2f}s  {len(response.content) / 1024:6.0f} KB"
        f"   {1:8.1f}x       {first[0]:5.2f}s"
    )
    rubric = get_rubric(str(settings.rubric_path))
    takes_embedder = "embedder" in inspect.signature(export_mod.export_bytes).parameters
    with Session(engine, expire_on_commit=False) as session:
        engagement = session.get(Engagement, engagement_id)
        for fmt in export_mod.FORMATS:
            extra = {"embedder": export_mod.embedder_for(settings, fmt)} if takes_embedder else {}

            def export(f: str = fmt, kw: dict = extra) -> bytes:
                data = export_mod.export_bytes(session, engagement, rubric, f, **kw)
                session.rollback()
                return data

            first = timed(export, 1)
            wall, cpu, data = timed(export, args.repeat)
            print(
                f"{fmt:<14} {wall:6.2f}s  {cpu:6.2f}s  {len(data) / 1024:6.0f} KB   {cpu / page_cpu:8.1f}x"
                f"       {first[0]:5.2f}s"
            )


def readiness_cosines(engine: Engine, settings: Settings, engagement_id: int) -> None:
    """Each readiness signal's candidate quotes (found by cue words) with their cosine to the signal's
    topic and to the closest other signal's: the figures ``report/relevance.py``'s rule was chosen from
    (judge each line by eye)."""
    from assistant.report.relevance import related, similarities
    from assistant.report.sources import read_sources

    embedder = export_mod.embedder_for(settings, "pdf")
    rubric = get_rubric(str(settings.rubric_path))
    with Session(engine, expire_on_commit=False) as session:
        src = read_sources(session, session.get(Engagement, engagement_id), rubric)
    topics = {k.id: f"{k.name}: {k.question}" for k in rubric.readiness}
    for signal in src.signals:
        segs = signal.evidence.get("segments", {})
        ids = [i for i in segs.get("for", []) + segs.get("against", []) if i in src.evidence]
        texts = [src.evidence[i].segment.text for i in ids]
        own = similarities(embedder, topics[signal.kind], texts)
        others = {k: similarities(embedder, t, texts) for k, t in topics.items() if k != signal.kind}
        rivals = [t for k, t in topics.items() if k != signal.kind]
        keep = related(embedder, topics[signal.kind], texts, rivals=rivals)
        for n, sid in enumerate(ids):
            best = max(others, key=lambda k, n=n: others[k][n])
            print(
                f"{signal.kind:<22} own {own[n]:4.2f}  closest other {best:<22} {others[best][n]:4.2f}  "
                f"{'kept' if keep[n] else 'left'}  E-{sid}: {texts[n][:80]}"
            )


if __name__ == "__main__":
    main()
