"""Seconds from ``dm3 demo`` start to a finished report a newcomer can open, and where the seeding spends its time.

    .venv/bin/python bench/demo_speed.py [--baseline] [--port 8765]

1. Runs ``dm3 demo`` (serving) in a fresh temporary folder, as a newcomer's ``make demo`` does after
   its one-time set-up (pip installs; the ONNX export of the interview encoder happens later, at the
   first staff answer, and is not part of this), logs in as the demo consultant and polls until the
   completed engagement's report page shows decided levels and a roadmap. Prints the wall seconds to
   the printed URLs, to the server answering, and to the finished report, with the demo process's
   CPU seconds (user + system, all threads) at that moment and the load average: on a loaded
   machine wall time stretches, CPU time does not.
2. Seeds both demo engagements again in this process and prints each step's wall and CPU seconds with
   the packaged demo vectors (what ``dm3 demo`` does), and with ``--baseline`` also with the live
   model encoding everything (what it did before the vectors were packaged), with the ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of process ``pid`` so far (all its threads)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def _log_in(client: httpx.Client, output: str) -> bool:
    """Log in as the demo consultant with the printed password; False while the server is not up."""
    password = re.search(r"password: (\S+)", output)
    try:
        page = client.get("/login")
    except httpx.TransportError:
        return False
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    data = {"email": "consultant@demo.dm3", "password": password[1], "csrf_token": token[1]}
    return client.post("/login", data=data).status_code == 303  # logged in: sent on to the engagements


def _finished(page: httpx.Response) -> bool:
    """The report page shows decided levels, a roadmap and its timeline."""
    return page.status_code == 200 and re.search(r"level \d \(", page.text) is not None and "Roadmap" in page.text


def _seeded(db: Path) -> bool:
    """The completed demo engagement has its roadmap and nothing left to prepare."""
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as con:
        try:
            rows = con.execute("SELECT settings FROM engagement WHERE organisation LIKE '%completed%'").fetchall()
        except sqlite3.OperationalError:  # not migrated yet, or busy
            return False
    settings = [json.loads(r[0] or "{}") for r in rows]
    return any((s.get("roadmap") or {}).get("generated_at") and "preparing" not in s for s in settings)


def end_to_end(port: int, root: Path = ROOT, timeout: float = 600.0) -> None:
    """Part 1: ``dm3 demo`` start to a finished report, in a subprocess on a fresh database, running
    the code in ``root`` (this checkout, or another one to compare)."""
    with tempfile.TemporaryDirectory(prefix="dm3-demo-speed-") as tmp:
        env = {
            **os.environ,
            "DM3_DATABASE_URL": f"sqlite:///{tmp}/dm3.db",
            "HF_HUB_OFFLINE": "1",
            "TRANSFORMERS_OFFLINE": "1",
            "PYTHONPATH": str(root),
        }
        for var in ("DM3_LLM_BASE_URL", "DM3_LLM_MODEL"):
            env.pop(var, None)
        cmd = [sys.executable, "-c", "from assistant.cli import app; app()", "demo", "--port", str(port)]
        log_path = Path(tmp) / "demo.log"
        t0 = time.perf_counter()
        with open(log_path, "w") as log:
            proc = subprocess.Popen(cmd, cwd=tmp, env=env, stdout=log, stderr=subprocess.STDOUT)
        marks: dict[str, tuple[float, float]] = {}
        client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30)
        try:
            while time.perf_counter() - t0 < timeout and proc.poll() is None and "report" not in marks:
                output = log_path.read_text()
                if "printed" not in marks and "Completed engagement" in output:
                    marks["printed"] = (time.perf_counter() - t0, cpu_seconds(proc.pid))
                if "printed" in marks and "server" not in marks and _log_in(client, output):
                    marks["server"] = (time.perf_counter() - t0, cpu_seconds(proc.pid))
                if "server" in marks and _seeded(Path(tmp) / "dm3.db"):
                    # the seeding says it is done (read from the database, so that polling costs the
                    # demo process nothing); the time counts until its report page has been served
                    report = client.get(re.search(r"/engagements/\d+/report", output)[0])
                    if not _finished(report):
                        sys.exit(f"the completed engagement's report is not finished: {report.text[:2000]}")
                    marks["report"] = (time.perf_counter() - t0, cpu_seconds(proc.pid))
                time.sleep(0.5)
        finally:
            proc.terminate()
            proc.wait(timeout=30)
            client.close()
        if "report" not in marks:
            sys.exit(f"no finished report within {timeout:.0f} s; the demo said:\n{log_path.read_text()[-3000:]}")
        print(f"dm3 demo from {root}, fresh database (load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)")
        for name, label in (("printed", "URLs printed"), ("server", "server answering"), ("report", "finished report")):
            wall, cpu = marks[name]
            print(f"  {label:<20} {wall:6.1f} s wall  {cpu:6.1f} s CPU (demo process)")


def _outcome(engine: object, engagement_id: int) -> tuple:
    """What a reader of the report sees: theme labels and sizes, decided levels, roadmap items."""
    from sqlmodel import Session, col, select

    from assistant.models import Theme, ThemeMember
    from assistant.records.review import decided_levels
    from assistant.roadmap.generate import items_of

    with Session(engine) as session:
        themes = session.exec(
            select(Theme).where(Theme.engagement_id == engagement_id, col(Theme.archived).is_(False))
        ).all()
        sizes = {
            (t.component, t.label, len(session.exec(select(ThemeMember).where(ThemeMember.theme_id == t.id)).all()))
            for t in themes
        }
        items = sorted((i.component, i.title, i.phase, i.status) for i in items_of(session, engagement_id))
        return sorted(sizes), sorted(decided_levels(session, engagement_id).items()), items


def steps(baseline: bool) -> None:
    """Part 2: each seeding step's wall and CPU seconds, with the demo vectors (and the live model)."""
    from sqlmodel import Session

    from assistant.config import Settings
    from assistant.db import make_engine, migrate
    from assistant.demo.completed import seed_completed
    from assistant.demo.seed import seed_demo
    from assistant.demo.vectors import demo_embedder
    from assistant.embeddings import get_embedder

    runs = [("demo vectors", None)] + ([("live model (baseline)", "live")] if baseline else [])
    totals = {}
    outcomes: dict[str, tuple] = {}
    for label, kind in runs:
        with tempfile.TemporaryDirectory(prefix="dm3-demo-steps-") as tmp:
            here = Path.cwd()
            os.chdir(tmp)
            try:
                settings = Settings(database_url=f"sqlite:///{tmp}/dm3.db", _env_file=None)
                migrate(settings.database_url)
                engine = make_engine(settings.database_url)
                wall, cpu = time.perf_counter(), time.process_time()
                with Session(engine, expire_on_commit=False) as session:
                    seed_demo(session, settings)
                    session.commit()
                first = (time.perf_counter() - wall, time.process_time() - cpu)
                if kind == "live":
                    get_embedder.cache_clear()  # the model load is part of what the live path costs
                    embedder = get_embedder(settings.embedding_model, settings.embedding_batch_size)
                else:
                    embedder = demo_embedder(settings.embedding_model, settings.embedding_batch_size)
                timings: dict[str, tuple[float, float]] = {}
                wall, cpu = time.perf_counter(), time.process_time()
                engagement_id = seed_completed(engine, settings, embedder=embedder, timings=timings)
                total = (time.perf_counter() - wall, time.process_time() - cpu)
                outcomes[label] = _outcome(engine, engagement_id)
                engine.dispose()
            finally:
                os.chdir(here)
        misses = f", {embedder.misses} texts encoded live" if hasattr(embedder, "misses") else ""
        print(f"seeding with {label}{misses} (load average {os.getloadavg()[0]:.1f})")
        print(f"  {'in-progress engagement':<24} {first[0]:6.1f} s wall  {first[1]:6.1f} s CPU")
        for name, (w, c) in timings.items():
            print(f"  completed: {name:<13} {w:6.1f} s wall  {c:6.1f} s CPU")
        print(f"  {'completed, in all':<24} {total[0]:6.1f} s wall  {total[1]:6.1f} s CPU")
        totals[label] = total
    if baseline:
        (_, fast), (_, slow) = totals["demo vectors"], totals["live model (baseline)"]
        print(f"completed engagement: {slow / fast:.1f}x less CPU with the demo vectors than with the live model")
        same = outcomes["demo vectors"] == outcomes["live model (baseline)"]
        print(f"same themes, decided levels and roadmap from both: {'yes' if same else 'NO'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--baseline", action="store_true", help="also seed with the live model (slow)")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--skip-serve", action="store_true", help="only the in-process step timings")
    parser.add_argument("--skip-steps", action="store_true", help="only the end-to-end figure")
    parser.add_argument("--root", type=Path, default=ROOT, help="run `dm3 demo` from this checkout (to compare)")
    args = parser.parse_args()
    if not args.skip_serve:
        end_to_end(args.port, args.root)
    if not args.skip_steps:
        steps(args.baseline)


if __name__ == "__main__":
    main()
