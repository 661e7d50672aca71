"""Time to export the demo's completed engagement in each format (seeding it first when needed).

    .venv/bin/python bench/export_speed.py [--database-url sqlite:///var/dm3.db] [--repeat 3]

Prints, per format, the median wall and CPU seconds of ``--repeat`` exports and the file size, and
as a baseline the time to build the report model alone (what every format shares), with each
format's CPU time as a multiple of the baseline's (CPU time, because a loaded machine stretches wall
time and not CPU time). The first export of a process also pays one-time imports (WeasyPrint and
Pango for PDF, python-docx, matplotlib): ``--repeat`` runs after one warm-up export per format,
whose time is printed too.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Callable

from sqlmodel import Session

from assistant.config import Settings
from assistant.db import make_engine, migrate
from assistant.demo.completed import seed_completed
from assistant.demo.seed import seed_demo
from assistant.models import Engagement
from assistant.report.build import build_report
from assistant.report.export import FORMATS, export_bytes
from assistant.rubric import get_rubric


def timed(work: Callable[[], object], repeat: int) -> tuple[float, float, object]:
    """Median (wall, CPU) seconds of ``repeat`` calls of ``work``, and its last result."""
    walls, cpus, result = [], [], None
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        result = work()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=None, help="default: a fresh database in a temporary folder")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="dm3-export-speed-") as tmp:
        here = os.getcwd()
        os.chdir(tmp)  # the demo's password file goes under ./var
        try:
            run(args.database_url or f"sqlite:///{tmp}/dm3.db", args.repeat)
        finally:
            os.chdir(here)


def run(database_url: str, repeat: int) -> None:
    """Seed (or check) the demo in ``database_url`` and time each export format."""
    settings = Settings(database_url=database_url)
    migrate(settings.database_url)
    engine = make_engine(settings.database_url)
    t0 = time.perf_counter()
    with Session(engine, expire_on_commit=False) as session:
        seed_demo(session, settings)
        session.commit()
    engagement_id = seed_completed(engine, settings)
    print(f"demo seeded or checked in {time.perf_counter() - t0:.1f} s (load average {os.getloadavg()[0]:.1f})")
    rubric = get_rubric(str(settings.rubric_path))
    with Session(engine, expire_on_commit=False) as session:
        engagement = session.get(Engagement, engagement_id)

        def model() -> object:
            report = build_report(session, engagement, rubric)
            session.rollback()
            return report

        def export(fmt: str) -> bytes:
            data = export_bytes(session, engagement, rubric, fmt)
            session.rollback()
            return data

        base_wall, base_cpu, _ = timed(model, repeat)
        print(f"{'format':<24} {'wall':>7}   {'CPU':>7}   {'size':>8}   CPU vs model   first export (wall, CPU)")
        print(f"{'report model (baseline)':<24} {base_wall:6.2f}s  {base_cpu:6.2f}s")
        for fmt in FORMATS:
            first_wall, first_cpu, _ = timed(lambda f=fmt: export(f), 1)
            wall, cpu, data = timed(lambda f=fmt: export(f), repeat)
            print(
                f"{fmt:<24} {wall:6.2f}s  {cpu:6.2f}s  {len(data) / 1024:6.0f} KB   {cpu / base_cpu:8.1f}x"
                f"       {first_wall:5.2f}s, {first_cpu:5.2f}s"
            )


if __name__ == "__main__":
    main()
