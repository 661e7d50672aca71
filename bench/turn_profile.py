"""Where one staff turn's CPU goes: the real app in process, one request at a time, under cProfile.

    .venv/bin/python bench/turn_profile.py [--staff 12] [--encoder onnx] [--no-relatedness] [--top 40]

The same simulated staff as ``bench/interview_load.py`` (same answers, same requests: link, consent,
chat page, every turn with ``HX-Request``, review, submit), sent through ``httpx.ASGITransport`` to
the app built by ``create_app`` on a fresh SQLite file. Worker-thread hops (``anyio.to_thread``) run
inline, so the profiler sees the whole request in one thread; the figures are CPU time
(``time.thread_time``), robust to other load on the machine.

Prints CPU ms per request kind (the turn, POST /respond, apart), then the breakdown of a turn by
stage (the cumulative time of the functions that own each stage, per turn), then the top functions.
With ``--cprofile`` and ``TURN_PROFILE_DUMP=FILE`` the turns' cProfile stats are also written to FILE
(for ``pstats``; its total of function calls per turn is a load-independent figure to compare two trees).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import importlib
import os
import pstats
import secrets
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import anyio.to_thread
import httpx
import interview_load  # the bench's staff simulation (this folder is on the path), reused as it is

# (label, module, attribute): functions timed on the turn path (cumulative CPU per turn; stages nest).
# A function imported by name into another module is patched where it is looked up.
TIMED = [
    ("route _respond_turn (all the turn's blocking work)", "assistant.web.routes.staff", "_respond_turn"),
    ("  open_for_turn (participant + all turns)", "assistant.interview.actions", "open_for_turn"),
    ("  actions.respond (check, store the answer)", "assistant.interview.actions", "respond"),
    ("  relatedness_pair (rule dry run)", "assistant.web.routes.staff", "relatedness_pair"),
    ("  engines_for / prober", "assistant.web.routes.staff", "_prober"),
    ("  actions.advance (decide, write the reply)", "assistant.interview.actions", "advance"),
    ("    next_step (decision)", "assistant.interview.actions", "next_step"),
    ("    coverage", "assistant.interview.actions", "coverage"),
    ("  chat_context (page data)", "assistant.web.routes.staff", "chat_context"),
    ("  composer_update_context (htmx page data)", "assistant.web.routes.staff", "composer_update_context"),
    ("  render (Jinja)", "assistant.web.routes.staff", "render"),
    ("judge (decision rules, every call)", "assistant.interview.engine", "judge"),
    ("  is_off_topic", "assistant.interview.decide", "is_off_topic"),
    ("answer encode (Relatedness.answer_vector)", "assistant.interview.relatedness", "Relatedness.answer_vector"),
    ("every Session.commit", "sqlalchemy.orm", "Session.commit"),
]


class Timers:
    """Cumulative thread CPU per patched function (outermost call only, so recursion counts once)."""

    def __init__(self) -> None:
        self.total: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)
        self.on = False

    def wrap(self, label: str, func):
        depth = [0]

        def timed(*args, **kwargs):
            if not self.on or depth[0]:
                return func(*args, **kwargs)
            depth[0] += 1
            t0 = time.thread_time()
            try:
                return func(*args, **kwargs)
            finally:
                depth[0] -= 1
                self.total[label] += time.thread_time() - t0
                self.calls[label] += 1

        return timed

    def install(self) -> None:
        for label, module, attr in TIMED:
            owner = importlib.import_module(module)
            *path, name = attr.split(".")
            for part in path:
                owner = getattr(owner, part)
            setattr(owner, name, self.wrap(label, getattr(owner, name)))


async def _inline(func, *args, **_kw):
    """``anyio.to_thread.run_sync`` run in the calling thread (one request at a time: nothing is lost)."""
    return func(*args)


class Profiled:
    """The ASGI app; CPU ms per request kind, and the turns (POST /respond) under cProfile."""

    def __init__(self, inner, profile: bool) -> None:
        self.inner = inner
        self.profile = cProfile.Profile(time.thread_time) if profile else None
        self.on = False
        self.cpu: dict[str, list[float]] = defaultdict(list)

    async def app(self, scope, receive, send) -> None:
        if scope["type"] != "http" or not self.on:
            await self.inner(scope, receive, send)
            return
        path = scope["path"]
        kind = f"{scope['method']} /i/*/{path.rsplit('/', 1)[-1]}" if path.count("/") > 2 else f"{scope['method']} link"
        turn = kind.endswith("/respond") and self.profile is not None
        t0 = time.thread_time()
        if turn:
            self.profile.enable()
        try:
            await self.inner(scope, receive, send)
        finally:
            if turn:
                self.profile.disable()
            self.cpu[kind].append((time.thread_time() - t0) * 1000.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--staff", type=int, default=12)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--encoder", default=None, help="DM3_INTERVIEW_ENCODER (default: the product's)")
    parser.add_argument("--no-relatedness", action="store_true")
    parser.add_argument("--cprofile", action="store_true", help="also profile the turns with cProfile (slows them)")
    parser.add_argument("--top", type=int, default=35)
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="dm3_turnprof_"))
    db_url = f"sqlite:///{tmp / 'dm3.db'}"
    people = interview_load.make_participants(db_url, args.staff + 2, args.seed)
    os.environ.update(
        {
            "DM3_DATABASE_URL": db_url,
            "DM3_SECRET_KEY": secrets.token_urlsafe(32),
            "DM3_INTERVIEW_RELATEDNESS": "false" if args.no_relatedness else "true",
            "DM3_LLM_BASE_URL": "",
            "DM3_LLM_MODEL": "",
        }
    )
    if args.encoder:
        os.environ["DM3_INTERVIEW_ENCODER"] = args.encoder
    from assistant.web.app import create_app

    anyio.to_thread.run_sync = _inline
    prof = Profiled(create_app(), args.cprofile)
    timers = Timers()
    timers.install()
    bank = interview_load.answer_bank()

    class Load(interview_load.Load):
        def __init__(self, base: str, concurrency: int, deadline: float) -> None:
            super().__init__(base, concurrency, deadline)
            self.transport = _ASGI(app=prof.app)

    class _ASGI(httpx.ASGITransport):
        async def close_pool(self) -> None:
            pass

        async def aclose(self) -> None:
            pass

    interview_load.Load = Load
    base = "http://testserver"
    asyncio.run(interview_load.run_interviews(base, people[:2], 1, args.seed + 1, 300, bank))  # warm-up
    prof.on = timers.on = True
    results, _ = asyncio.run(interview_load.run_interviews(base, people[2:], 1, args.seed, 600, bank))
    prof.on = timers.on = False
    errors = [e for r in results for e in r.errors]
    turns = sum(len(r.turn_ms) for r in results)
    print(f"{args.staff} staff, {turns} turns, errors {len(errors)} {errors[:2]}")
    print(f"load average {os.getloadavg()[0]:.2f} (CPU figures: thread CPU time, robust to load)\n")
    print(f"{'request':<28} {'n':>5} {'cpu ms mean':>12} {'p50':>7} {'p99':>7}")
    for kind, vals in sorted(prof.cpu.items(), key=lambda kv: -len(kv[1])):
        s = sorted(vals)
        print(
            f"{kind:<28} {len(s):>5} {sum(s) / len(s):>12.2f} {s[len(s) // 2]:>7.2f} "
            f"{s[min(len(s) - 1, int(len(s) * 0.99))]:>7.2f}"
        )
    every = sum(sum(v) for v in prof.cpu.values())
    print(f"{'all requests, per turn':<28} {turns:>5} {every / turns:>12.2f}  (what interview_load's 'cpu ms' counts)")
    print("\nbreakdown (CPU ms per turn; indented stages are part of the line above; the timers add ~1 us a call):")
    for label, _, _ in TIMED:
        calls = timers.calls.get(label, 0)
        print(
            f"  {label:<52} {timers.total.get(label, 0.0) * 1000.0 / turns:>7.2f}   ({calls / turns:.1f} calls a turn)"
        )
    if prof.profile is not None:
        print()
        pstats.Stats(prof.profile).sort_stats("tottime").print_stats(args.top)
        if os.environ.get("TURN_PROFILE_DUMP"):
            prof.profile.dump_stats(os.environ["TURN_PROFILE_DUMP"])


if __name__ == "__main__":
    main()
