"""Time to export the demo's completed engagement in each format (seeding it first when needed).

    .venv/bin/python bench/export_speed.py [--database-url sqlite:///var/dm3.db] [--repeat 3]

Prints, per format, the median seconds of ``--repeat`` exports and the file size, and as a
baseline the time to build the report model alone (what every format shares).
"""

from __future__ import annotations

import argparse
import statistics
import time

from sqlmodel import Session

from assistant.config import Settings
from assistant.db import make_engine, migrate
from assistant.demo import seed_demo
from assistant.demo_completed import seed_completed
from assistant.models import Engagement
from assistant.report.document import build_report
from assistant.report.export import FORMATS, export_bytes
from assistant.rubric import get_rubric


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=None, help="default: DM3_DATABASE_URL or ./var/dm3.db")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    settings = Settings(database_url=args.database_url) if args.database_url else Settings()
    migrate(settings.database_url)
    engine = make_engine(settings.database_url)
    t0 = time.perf_counter()
    with Session(engine, expire_on_commit=False) as session:
        seed_demo(session, settings)
        session.commit()
    engagement_id = seed_completed(engine, settings)
    print(f"demo seeded or checked in {time.perf_counter() - t0:.1f} s")
    rubric = get_rubric(str(settings.rubric_path))
    with Session(engine, expire_on_commit=False) as session:
        engagement = session.get(Engagement, engagement_id)
        times = []
        for _ in range(args.repeat):
            t = time.perf_counter()
            build_report(session, engagement, rubric)
            times.append(time.perf_counter() - t)
            session.rollback()
        base = statistics.median(times)
        print(f"{'report model (baseline)':<24} {base:7.2f} s")
        for fmt in FORMATS:
            times, size = [], 0
            for _ in range(args.repeat):
                t = time.perf_counter()
                size = len(export_bytes(session, engagement, rubric, fmt))
                times.append(time.perf_counter() - t)
                session.rollback()
            median = statistics.median(times)
            print(f"{fmt:<24} {median:7.2f} s  {size / 1024:8.0f} KB  ({median / base:.1f}x the model)")


if __name__ == "__main__":
    main()
