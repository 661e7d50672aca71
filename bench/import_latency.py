"""Staff answers while a large survey import runs: latency of ``POST /i/{token}/respond`` idle and
during a 50,000-row import (``records.imports.import_in_background``, the background run), same
process, same SQLite file.

    .venv/bin/python bench/import_latency.py [--rows 50000] [--staff 8] [--concurrency 4] [--batch N]

The app is ``create_app`` (offline engine, the off-topic rule off) served through httpx's ASGI
transport; the staff are ``bench/interview_load.py``'s (seeded answers, htmx requests). The import runs
in a thread of the same process, as the app's background worker runs it. Phase 1 (idle): ``--staff``
interviews, nothing else running. Phase 2: the import starts, and interviews run (new staff, the same
answers) until it is done. Prints median, 95th percentile and max of the respond latency in each
phase, the import's duration and rows/s, and the ratio p95 during / p95 idle (goal: at most 2).
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

from assistant.config import Settings
from assistant.records.imports import BATCH, ImportFile, Mapping, import_in_background
from assistant.web.app import create_app

sys.path.insert(0, str(Path(__file__).resolve().parent))
load_bench = importlib.import_module("interview_load")

GOAL = 2.0
WORDS = "records spreadsheet shared drive retention policy owner backup archive email portal request".split()


def survey_csv(rows: int) -> bytes:
    """A survey export of ``rows`` answers (respondent, department, answer), varied enough to be kept."""
    lines = ["respondent,department,answer"]
    for n in range(rows):
        words = " ".join(WORDS[(n + i) % len(WORDS)] for i in range(12))
        lines.append(f"r{n},Finance,Answer {n}: we keep the {words} in one place")
    return ("\n".join(lines) + "\n").encode()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def summary(label: str, ms: list[float]) -> tuple[float, float, float]:
    med, p95, top = statistics.median(ms), percentile(ms, 0.95), max(ms)
    print(f"{label:<16} {len(ms):>6} {med:>10.1f} {p95:>10.1f} {top:>10.1f}")
    return med, p95, top


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--staff", type=int, default=8, help="interviews in the idle phase")
    parser.add_argument("--concurrency", type=int, default=4, help="requests in flight at most")
    parser.add_argument("--batch", type=int, default=BATCH, help=f"rows per import transaction (default {BATCH})")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="dm3_import_latency_") as tmp:
        db_url = f"sqlite:///{tmp}/bench.db"
        people = load_bench.make_participants(db_url, 400, 7)
        settings = Settings(database_url=db_url, secret_key="x" * 32, llm_base_url=None, llm_model=None, _env_file=None)
        settings.interview_relatedness = False
        app = create_app(settings)
        app.state.jobs.shutdown()  # the import runs in this bench's own thread
        engine = app.state.engine
        load = load_bench.Load("http://testserver", args.concurrency, time.monotonic() + 3600)
        transport = httpx.ASGITransport(app=app)
        load.client = lambda: httpx.AsyncClient(base_url="http://testserver", transport=transport, timeout=120)
        bank = load_bench.answer_bank()
        queue = iter(enumerate(people))

        errors: list[str] = []

        async def staff_until(stop) -> list[float]:
            ms: list[float] = []

            async def one() -> None:
                for i, (token, pid) in queue:
                    if stop():
                        return
                    try:
                        result = await load_bench.run_staff(load, token, pid, 100 + i, bank)
                    except Exception as exc:  # an answer the server failed on: counted, not timed
                        errors.append(f"{type(exc).__name__}: {str(exc).splitlines()[0][:120]}")
                        continue
                    errors.extend(result.errors)
                    ms.extend(result.turn_ms)

            await asyncio.gather(*(one() for _ in range(args.concurrency)))
            return ms

        asyncio.run(load_bench.run_staff(load, *people[0], 7, bank))  # warm-up, not counted
        next(queue)
        done_idle = [0]

        def idle_stop() -> bool:
            done_idle[0] += 1
            return done_idle[0] > args.staff

        idle = asyncio.run(staff_until(idle_stop))
        data = survey_csv(args.rows)
        file = ImportFile(
            data,
            "survey.csv",
            Mapping("answer", component="data_life_cycle", id_column="respondent"),
            ["data_life_cycle"],
        )
        finished = threading.Event()
        took = [0.0]

        def run_import() -> None:
            t0 = time.perf_counter()
            try:
                import_in_background(engine, 1, file, batch=args.batch)
            finally:
                took[0] = time.perf_counter() - t0
                finished.set()

        worker = threading.Thread(target=run_import)
        worker.start()
        during = asyncio.run(staff_until(finished.is_set))
        worker.join()
        engine.dispose()
    print(f"{'phase':<16} {'turns':>6} {'median ms':>10} {'p95 ms':>10} {'max ms':>10}")
    _, idle_p95, _ = summary("idle", idle)
    _, during_p95, _ = summary("during import", during)
    print(f"import: {args.rows} rows in {took[0]:.1f} s ({args.rows / took[0]:.0f} rows/s), batch {args.batch}")
    print(f"staff requests that failed: {len(errors)}" + (f" (first: {errors[0]})" if errors else ""))
    ratio = during_p95 / idle_p95
    print(f"p95 ratio during/idle: {ratio:.2f} (goal <= {GOAL:.0f}): {'met' if ratio <= GOAL else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
