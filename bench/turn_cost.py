"""What one staff turn costs the app process, on SQLite and PostgreSQL: statements, transactions, pool
checkouts and CPU per ``POST /i/{token}/respond``, in process, one simulated staff member at a time by
default (so the figures are the turn path's own, not waiting or contention), or ``--concurrency`` at once.

    .venv/bin/python bench/turn_cost.py [--staff 6] [--concurrency 1] [--database postgresql://...] [--show]

The staff are ``bench/interview_load.py``'s (same seeded answers, same htmx requests), sent through
httpx's ASGI transport to an app made by ``create_app`` (offline engine, the off-topic rule off: it is
the same on both engines). The first staff member warms up and is not counted. ``cpu ms`` is the
process CPU time of each respond request (client included, the same on both engines; with
``--concurrency`` above 1 requests overlap and this double counts); ``phase ms`` is the process CPU of the
whole measured phase per turn (the other requests of each interview and the client included: the figure to
compare under concurrency); ``execute ms`` is the thread CPU time inside the driver's ``cursor.execute``;
``connects`` counts new database connections (pool growth or churn). The per-turn counts are exact at
``--concurrency 1`` only (overlapping requests are told apart by a flag, not per request).
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import importlib
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
from sqlalchemy import event

from assistant.config import Settings
from assistant.web.app import create_app

sys.path.insert(0, str(Path(__file__).resolve().parent))
load_bench = importlib.import_module("interview_load")  # the load bench's staff, answers and databases


def measure(label: str, db_url: str, staff: int, show: bool, concurrency: int = 1) -> None:
    people = load_bench.make_participants(db_url, staff + 1, 7)
    settings = Settings(database_url=db_url, secret_key="x" * 32, llm_base_url=None, llm_model=None, _env_file=None)
    settings.interview_relatedness = False
    app = create_app(settings)
    app.state.jobs.shutdown()  # no background worker polling during the measurement
    engine = app.state.engine
    stats: collections.Counter = collections.Counter()
    shown: list[str] = []
    in_turn = threading.Event()
    local = threading.local()

    def before(_conn, _cursor, statement, *_args) -> None:
        local.t0 = time.thread_time()
        if in_turn.is_set():
            stats["statements"] += 1
            if show and len(shown) < 12:
                shown.append(" ".join(statement.split())[:140])

    def after(*_args) -> None:
        if in_turn.is_set():
            stats["execute"] += time.thread_time() - local.t0

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    event.listen(engine, "commit", lambda _c: stats.update(["commits"] if in_turn.is_set() else []))
    event.listen(engine.pool, "checkout", lambda *_a: stats.update(["checkouts"] if in_turn.is_set() else []))
    event.listen(engine.pool, "connect", lambda *_a: stats.update(["connects"]))
    asgi = httpx.ASGITransport(app=app)

    class Timed(httpx.AsyncBaseTransport):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            turn = request.url.path.endswith("/respond")
            if turn:
                in_turn.set()
            t0 = time.process_time()
            response = await asgi.handle_async_request(request)
            await response.aread()
            if turn:
                stats["cpu"] += time.process_time() - t0
                stats["turns"] += 1
                in_turn.clear()
            return response

    load = load_bench.Load("http://testserver", concurrency, time.monotonic() + 600)
    load.client = lambda: httpx.AsyncClient(base_url="http://testserver", transport=Timed(), timeout=60)
    bank = load_bench.answer_bank()

    async def go() -> None:
        result = await load_bench.run_staff(load, *people[0], 7, bank)  # warm-up, not counted
        stats.clear()
        shown.clear()
        phase[0] = time.process_time()
        staff = [load_bench.run_staff(load, token, pid, 8 + i, bank) for i, (token, pid) in enumerate(people[1:])]
        for result in await asyncio.gather(*staff) if concurrency > 1 else [await s for s in staff]:
            assert not result.errors, result.errors

    phase = [0.0]
    asyncio.run(go())
    phase_cpu = time.process_time() - phase[0]
    engine.dispose()
    n = stats["turns"]
    print(
        f"{label:<11} {n:>5} {stats['statements'] / n:>10.1f} {stats['commits'] / n:>7.2f} "
        f"{stats['checkouts'] / n:>9.2f} {stats['connects']:>8} {stats['execute'] * 1000 / n:>10.2f} "
        f"{stats['cpu'] * 1000 / n:>7.2f} {phase_cpu * 1000 / n:>9.2f}"
    )
    for line in shown:
        print("     ", line)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--staff", type=int, default=6, help="staff members measured (after one warm-up)")
    parser.add_argument("--database", default=None, help="a PostgreSQL server URL: also measure there")
    parser.add_argument(
        "--concurrency", type=int, default=1, help="staff at once, requests in flight at most (default 1)"
    )
    parser.add_argument("--show", action="store_true", help="print the statements of the first turn or so")
    args = parser.parse_args(argv)
    head = (
        ("turns", 5),
        ("stmts/turn", 10),
        ("commits", 7),
        ("checkouts", 9),
        ("connects", 8),
        ("execute ms", 10),
        ("cpu ms", 7),
        ("phase ms", 9),
    )
    print(f"{'engine':<11} " + " ".join(f"{name:>{width}}" for name, width in head))
    with tempfile.TemporaryDirectory(prefix="dm3_turn_") as tmp:
        measure("SQLite", f"sqlite:///{tmp}/turns.db", args.staff, args.show, args.concurrency)
        if args.database:
            dbs = load_bench.Databases(args.database, Path(tmp))
            try:
                measure("PostgreSQL", dbs.fresh("turns"), args.staff, args.show, args.concurrency)
            finally:
                dbs.drop_all()
    return 0


if __name__ == "__main__":
    sys.exit(main())
