"""Fault test: staff answer while server processes are killed (SIGKILL) and restarted at random points.

    .venv/bin/python bench/fault_test.py [--turns 1000] [--staff 8] [--servers 3] [--database postgresql://...]
                                         [--kill-every 25] [--double-every 7] [--engine sqlite|postgresql|both]
                                         [--seed 11]

Several app processes (``uvicorn``, one worker each, loopback, free ports, offline engine) share one
database: a fresh SQLite file, or a new database on the PostgreSQL server given with ``--database``
(dropped at the end). Simulated staff, each a browser without JavaScript (its own cookies, the
form-post-redirect flow), send every request to a server picked at random, as a load balancer
would. The faults happen by count, not by the clock, so the test means the same on a fast machine
and a slow one: after every ``--kill-every`` acknowledged answers, the staff member whose answer
reached that count SIGKILLs a random serving server (one is always left serving) and starts it
again on the same port, while the other staff's requests are in flight; every ``--double-every``-th
answer sent is sent twice at once, to two servers. A staff member whose request fails (connection
refused or cut, a 5xx) sends the same form again, as a person pressing Send again does.

Checks, after the chaos stops and every server is up again:
- every acknowledged answer (a 303 to its POST) is stored exactly once, with its text;
- nothing is stored that was not sent, and no question is asked twice in an interview;
- no interview is left unable to continue: each one in progress shows its composer and takes one
  more answer, which gets a reply.

Exits non-zero when a check fails. ``tests/test_faults.py`` runs a smaller version in the suite.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

_FIELD = re.compile(r'name="(csrf_token|client_turn_id|prompt_id)" value="([^"]*)"')
ANSWERS = [
    "Every week we export three reports from Accela into Excel and email them to finance.",
    "We keep a shared spreadsheet of each dataset, reviewed each quarter by the data lead.",
    "No.",
    "It depends, sometimes it is fine and sometimes not really.",
    "Our director asks for a dashboard each month and we build it by hand from two systems.",
    "Nobody owns the address data, so three departments each keep their own copy.",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServerProcess:
    """One app process on a fixed loopback port; ``kill`` is SIGKILL, ``start`` brings it back."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = env
        self.log = log
        self.proc: subprocess.Popen | None = None
        self.lock = threading.Lock()

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "uvicorn",
                    "--factory",
                    "assistant.web.app:create_app",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(self.port),
                    "--log-level",
                    "warning",
                    "--no-access-log",
                ],
                env=self.env,
                cwd=ROOT,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def wait_ready(self, timeout: float = 120.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc is None or self.proc.poll() is not None:
                return False
            try:
                if httpx.get(self.url + "/healthz", timeout=1.0).status_code == 200:
                    return True
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        return False

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()

    def tracebacks(self) -> int:
        if not self.log.exists():
            return 0
        return self.log.read_text(errors="replace").count("Traceback (most recent call last)")


@dataclass
class Figures:
    acknowledged: dict[str, str] = field(default_factory=dict)  # client_turn_id -> text, acknowledged answers
    sent: set[str] = field(default_factory=set)  # every client_turn_id ever sent
    kills: int = 0
    restarts: int = 0
    double_submits: int = 0
    resends: int = 0  # forms sent again after an error
    connection_errors: int = 0
    server_errors: int = 0  # 5xx answers
    refused: Counter = field(default_factory=Counter)  # 4xx answers by status (a stale form after a lost reply)
    interviews: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


class Staff:
    """One staff member: a browser without JavaScript, its own cookies, any server per request."""

    def __init__(
        self, token: str, servers: list[ServerProcess], rng: random.Random, figures: Figures, faults: Faults | None
    ) -> None:
        self.token = token
        self.servers = servers
        self.rng = rng
        self.figures = figures
        self.faults = faults  # None: no faults (the last check's extra answers)
        self.cookies = httpx.Cookies()
        self.csrf = ""
        self.prompt_id = ""  # the question the page showed, sent with the answer as a browser does

    def _request(
        self, method: str, path: str, data: dict[str, str] | None = None, server: ServerProcess | None = None
    ) -> httpx.Response | None:
        """One request to a random (or the given) server; None when the connection failed or was cut."""
        target = server or self.rng.choice(self.servers)
        try:
            with httpx.Client(base_url=target.url, cookies=self.cookies, timeout=30.0) as client:
                r = client.request(method, path, data=data, follow_redirects=False)
                self.cookies.update(r.cookies)
                return r
        except httpx.HTTPError:
            with self.figures.lock:
                self.figures.connection_errors += 1
            return None

    def page(self, deadline: float) -> tuple[str, str] | None:
        """(csrf, client_turn_id) of the chat's composer, ("", "") when the interview is past the
        questions, None when no server answered before ``deadline``. Keeps the question shown
        (``prompt_id``) for the answer."""
        while time.monotonic() < deadline:
            r = self._request("GET", f"/i/{self.token}")
            if r is None or r.status_code >= 500:
                if r is not None:
                    with self.figures.lock:
                        self.figures.server_errors += 1
                time.sleep(0.05)
                continue
            found = dict(_FIELD.findall(r.text))
            if "client_turn_id" not in found:
                return found.get("csrf_token", ""), ""
            self.prompt_id = found.get("prompt_id", "")
            return found["csrf_token"], found["client_turn_id"]
        return None

    def consent(self, deadline: float) -> bool:
        while time.monotonic() < deadline:
            r = self._request("GET", f"/i/{self.token}")
            if r is None or r.status_code != 200:
                time.sleep(0.05)
                continue
            self.csrf = dict(_FIELD.findall(r.text)).get("csrf_token", "")
            r = self._request("POST", f"/i/{self.token}/consent", {"choice": "yes", "csrf_token": self.csrf})
            if r is not None and r.status_code == 303:
                return True
            time.sleep(0.05)
        return False

    def send(self, client_turn_id: str, text: str, deadline: float) -> bool:
        """Send one answer until a server acknowledges it (303); every ``double_every``-th answer's first
        send goes to two servers at once, and the answer acknowledged at every ``kill_every``-th count
        kills a server (``Faults``). True when acknowledged."""
        data = {
            "text": text,
            "action": "answer",
            "client_turn_id": client_turn_id,
            "csrf_token": self.csrf,
            "prompt_id": self.prompt_id,
        }
        with self.figures.lock:
            self.figures.sent.add(client_turn_id)
        first = self.faults is not None and self.faults.double_this() and len(self.servers) > 1
        while time.monotonic() < deadline:
            if first:
                a, b = self.rng.sample(self.servers, 2)
                results: list[httpx.Response | None] = []

                def second(into: list[httpx.Response | None] = results, server: str = b) -> None:
                    into.append(self._request("POST", f"/i/{self.token}/respond", data, server))

                other = threading.Thread(target=second)
                other.start()
                results.append(self._request("POST", f"/i/{self.token}/respond", data, a))
                other.join()
                with self.figures.lock:
                    self.figures.double_submits += 1
            else:
                results = [self._request("POST", f"/i/{self.token}/respond", data)]
            first = False
            if any(r is not None and r.status_code == 303 for r in results):
                with self.figures.lock:
                    self.figures.acknowledged[client_turn_id] = text
                    count = len(self.figures.acknowledged)
                if self.faults is not None:
                    self.faults.acknowledged(count)
                return True
            with self.figures.lock:
                for r in results:
                    if r is not None and r.status_code >= 500:
                        self.figures.server_errors += 1
                    elif r is not None:
                        self.figures.refused[r.status_code] += 1
                self.figures.resends += 1
            if any(r is not None and 400 <= r.status_code < 500 for r in results):
                return False  # the form is stale (the conversation moved on): reload the page
            time.sleep(0.05)
        return False


def _new_invite(db_url: str) -> str:
    from sqlmodel import Session, select

    from assistant.db import make_engine
    from assistant.models import Engagement
    from assistant.records.engagements import Invitee, create_invite

    engine = make_engine(db_url)
    with Session(engine, expire_on_commit=False) as session:
        engagement = session.exec(select(Engagement).order_by(Engagement.id)).first()
        if engagement is None:
            from assistant.records.engagements import create_engagement

            engagement = create_engagement(session, "Fault Test City", ["Public Works", "Finance"])
            session.commit()
        token = create_invite(session, engagement, Invitee("Public Works", "frontline")).token
        session.commit()
    engine.dispose()
    return token


def _staff_loop(
    db_url: str,
    servers: list[ServerProcess],
    figures: Figures,
    target: int,
    seed: int,
    faults: Faults,
    deadline: float,
    tokens: list[str],
) -> None:
    rng = random.Random(seed)
    staff: Staff | None = None
    while time.monotonic() < deadline:
        with figures.lock:
            if len(figures.acknowledged) >= target:
                return
        if staff is None:
            token = _new_invite(db_url)
            with figures.lock:
                tokens.append(token)
                figures.interviews += 1
            staff = Staff(token, servers, rng, figures, faults)
            if not staff.consent(deadline):
                return
        found = staff.page(deadline)
        if found is None:
            return
        staff.csrf, client_turn_id = found
        if not client_turn_id:  # the questions are done: the next staff member starts
            staff = None
            continue
        staff.send(client_turn_id, rng.choice(ANSWERS) + f" ({secrets.token_hex(3)})", deadline)


def _up(server: ServerProcess) -> bool:
    try:
        return httpx.get(server.url + "/healthz", timeout=1.0).status_code == 200
    except httpx.HTTPError:
        return False


class Faults:
    """The faults, by count: every ``double_every``-th answer sent goes to two servers at once, and the
    staff member whose answer is the ``kill_every``-th acknowledged (then the 2x-th, ...) SIGKILLs a
    random serving server and starts it again at once, while the others' requests are in flight. One
    server is always left serving: a kill waits until another server is up again, so the staff meet
    failures at their own points, never an outage."""

    def __init__(self, servers: list[ServerProcess], figures: Figures, kill_every: int, double_every: int, seed: int):
        self.servers = servers
        self.figures = figures
        self.kill_every = kill_every
        self.double_every = double_every
        self.rng = random.Random(seed)
        self.lock = threading.Lock()
        self.sends = 0
        self.stopped = threading.Event()

    def double_this(self) -> bool:
        """True for every ``double_every``-th answer sent."""
        with self.lock:
            self.sends += 1
            return self.double_every > 0 and self.sends % self.double_every == 0

    def acknowledged(self, count: int) -> None:
        """Called with the count of acknowledged answers after each acknowledgement: kills a server at
        every multiple of ``kill_every``."""
        if self.kill_every > 0 and count % self.kill_every == 0:
            self.kill_one()

    def kill_one(self, wait_s: float = 120.0) -> None:
        deadline = time.monotonic() + wait_s
        while not self.stopped.is_set() and time.monotonic() < deadline:
            with self.lock:  # one kill at a time: two staff reaching a multiple together kill in turn
                serving = [s for s in self.servers if _up(s)]
                if len(serving) >= 2:
                    server = self.rng.choice(serving)
                    with server.lock:
                        server.kill()
                        with self.figures.lock:
                            self.figures.kills += 1
                        server.start()  # back on the same port; it answers again once it has started
                        with self.figures.lock:
                            self.figures.restarts += 1
                    return
            time.sleep(0.1)  # the last server killed is still starting: wait for it before the next kill


def check(db_url: str, figures: Figures) -> dict[str, int]:
    """What the database holds against what the staff were told: the failures by kind (all 0 is a pass)."""
    from sqlmodel import Session, select

    from assistant.db import make_engine
    from assistant.models import Turn

    engine = make_engine(db_url)
    with Session(engine) as session:
        turns = list(session.exec(select(Turn).order_by(Turn.id)).all())
    engine.dispose()
    stored = Counter(t.client_turn_id for t in turns if t.role == "staff" and t.client_turn_id)
    text_of = {t.client_turn_id: t.text for t in turns if t.role == "staff"}
    missing = sum(1 for cid in figures.acknowledged if stored[cid] == 0)
    duplicated = sum(1 for cid in figures.acknowledged if stored[cid] > 1)
    wrong_text = sum(1 for cid, text in figures.acknowledged.items() if stored[cid] and text_of[cid] != text)
    unknown = sum(1 for cid in stored if cid not in figures.sent)
    asked_twice = 0
    by_interview: dict[int, list[str]] = {}
    for t in turns:
        if t.kind == "question" and t.question_id:
            by_interview.setdefault(t.interview_id, []).append(t.question_id)
    for qs in by_interview.values():
        asked_twice += len(qs) - len(set(qs))
    return {
        "acknowledged but not stored": missing,
        "stored more than once": duplicated,
        "stored with other text": wrong_text,
        "stored but never sent": unknown,
        "questions asked twice": asked_twice,
    }


def continue_all(servers: list[ServerProcess], tokens: list[str], figures: Figures) -> int:
    """Interviews that cannot continue: each in progress must show its composer, take an answer and reply."""
    stuck = 0
    rng = random.Random(0)
    for token in tokens:
        staff = Staff(token, servers, rng, Figures(), None)
        deadline = time.monotonic() + 30
        found = staff.page(deadline)
        if found is None:
            stuck += 1
            continue
        staff.csrf, client_turn_id = found
        if not client_turn_id:
            continue  # past the questions: review and submit remain, nothing to continue
        if not staff.send(
            client_turn_id, "One more answer after the faults, with a concrete example of a report.", deadline
        ):
            stuck += 1
            continue
        after = staff.page(deadline)
        if after is None or after[1] == client_turn_id:
            stuck += 1  # no reply: the composer still carries the answered form
    return stuck


def run(
    db_url: str,
    folder: Path,
    turns: int = 1000,
    staff: int = 8,
    servers: int = 3,
    kill_every: int = 25,
    double_every: int = 7,
    seed: int = 11,
    max_seconds: float = 900.0,
    progress: bool = False,
) -> tuple[Figures, dict[str, int], float]:
    """Run the fault test on the migrated database ``db_url``: a server is killed after every ``kill_every``
    acknowledged answers and every ``double_every``-th answer is sent to two servers at once. Returns
    (figures, failures by kind, seconds)."""
    env = dict(
        os.environ,
        DM3_DATABASE_URL=db_url,
        DM3_SECRET_KEY=secrets.token_urlsafe(32),
        DM3_INTERVIEW_RELATEDNESS="false",
        DM3_LLM_BASE_URL="",
        DM3_LLM_MODEL="",
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
        PYTHONPATH=str(ROOT),
    )
    procs = [ServerProcess(env, folder / f"server{i}.log") for i in range(servers)]
    figures = Figures()
    tokens: list[str] = []
    faults = Faults(procs, figures, kill_every, double_every, seed)
    t0 = time.monotonic()
    try:
        for p in procs:
            p.start()
        for p in procs:
            if not p.wait_ready():
                raise RuntimeError(f"server did not start; its log:\n{p.log.read_text(errors='replace')[-3000:]}")
        deadline = time.monotonic() + max_seconds
        workers = [
            threading.Thread(
                target=_staff_loop, args=(db_url, procs, figures, turns, seed * 1000 + i, faults, deadline, tokens)
            )
            for i in range(staff)
        ]
        for w in workers:
            w.start()
        while any(w.is_alive() for w in workers):
            next(w for w in workers if w.is_alive()).join(timeout=10)
            if progress:
                print(
                    f"  {len(figures.acknowledged)} answers acknowledged, {figures.kills} kills, "
                    f"{time.monotonic() - t0:.0f} s",
                    flush=True,
                )
        for w in workers:
            w.join()
        faults.stopped.set()
        for p in procs:  # every server up again for the last check
            with p.lock:
                if p.proc is None or p.proc.poll() is not None:
                    p.start()
            p.wait_ready()
        failures = check(db_url, figures)
        failures["interviews unable to continue"] = continue_all(procs, tokens, figures)
        failures["server tracebacks"] = sum(p.tracebacks() for p in procs)
    finally:
        faults.stopped.set()
        for p in procs:
            p.kill()
    return figures, failures, time.monotonic() - t0


def report(name: str, figures: Figures, failures: dict[str, int], seconds: float) -> bool:
    print(
        f"\n{name}: {len(figures.acknowledged)} acknowledged answers from {figures.interviews} interviews "
        f"in {seconds:.0f} s"
    )
    print(
        f"  faults: {figures.kills} SIGKILLs, {figures.restarts} restarts, {figures.double_submits} double submits "
        f"(two servers at once), {figures.connection_errors} connection errors, {figures.server_errors} 5xx, "
        f"{figures.resends} forms sent again, refused: {dict(figures.refused) or 0}"
    )
    ok = all(v == 0 for v in failures.values())
    for what, n in failures.items():
        print(f"  {what:32} {n:>5}  {'ok' if n == 0 else 'FAILED'}")
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--turns", type=int, default=1000, help="acknowledged answers to reach (default 1000)")
    parser.add_argument("--staff", type=int, default=8, help="staff answering at once (default 8)")
    parser.add_argument("--servers", type=int, default=3, help="app processes on the one database (default 3)")
    parser.add_argument(
        "--kill-every", type=int, default=25, help="acknowledged answers between SIGKILLs of a server (default 25)"
    )
    parser.add_argument(
        "--double-every", type=int, default=7, help="every Nth answer is sent twice at once, to two servers (default 7)"
    )
    parser.add_argument("--engine", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument(
        "--database",
        default=os.environ.get("DM3_TEST_DATABASE_URL", ""),
        help="PostgreSQL server URL (a new database is made there and dropped); "
        "without it the PostgreSQL run starts a throw-away server with scripts/pg.sh",
    )
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--max-seconds", type=float, default=900.0)
    args = parser.parse_args(argv)

    from assistant.db import migrate

    ok = True
    with tempfile.TemporaryDirectory(prefix="dm3_faults_") as tmpdir:
        tmp = Path(tmpdir)
        engines = ["sqlite", "postgresql"] if args.engine == "both" else [args.engine]
        for engine_name in engines:
            pg_dir = None
            server_url = args.database
            if engine_name == "sqlite":
                db_url = f"sqlite:///{tmp / 'faults.db'}"
            else:
                if not server_url:
                    # its own folder at the top of /tmp: as root the server runs as "postgres", which
                    # cannot enter this run's private temporary folder
                    pg_dir = Path(tempfile.mkdtemp(prefix="dm3_faults_pg_"))
                    started = subprocess.run(
                        [str(ROOT / "scripts" / "pg.sh"), "start", str(pg_dir)], capture_output=True, text=True
                    )
                    if started.returncode != 0:
                        shutil.rmtree(pg_dir, ignore_errors=True)
                        raise SystemExit(f"could not start PostgreSQL (scripts/pg.sh): {started.stderr.strip()}")
                    server_url = started.stdout.strip()
                db_url = _fresh_pg(server_url)
            try:
                migrate(db_url)
                folder = tmp / engine_name
                folder.mkdir()
                figures, failures, seconds = run(
                    db_url,
                    folder,
                    args.turns,
                    args.staff,
                    args.servers,
                    args.kill_every,
                    args.double_every,
                    args.seed,
                    args.max_seconds,
                    progress=True,
                )
                ok = (
                    report(
                        f"{engine_name}, {args.servers} server processes, {args.staff} staff",
                        figures,
                        failures,
                        seconds,
                    )
                    and ok
                )
                if len(figures.acknowledged) < args.turns:
                    print(f"  only {len(figures.acknowledged)} of {args.turns} answers acknowledged in the time limit")
                    ok = False
            finally:
                if engine_name == "postgresql":
                    _drop_pg(server_url, db_url)
                if pg_dir is not None:
                    subprocess.run([str(ROOT / "scripts" / "pg.sh"), "stop", str(pg_dir)], check=False)
                    shutil.rmtree(pg_dir, ignore_errors=True)
    print("\nall checks passed" if ok else "\nSOME CHECKS FAILED")
    return 0 if ok else 1


def _fresh_pg(server_url: str) -> str:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    if server_url.startswith("postgresql://"):
        server_url = "postgresql+psycopg://" + server_url.removeprefix("postgresql://")
    name = f"dm3_faults_{secrets.token_hex(4)}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


def _drop_pg(server_url: str, db_url: str) -> None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    if server_url.startswith("postgresql://"):
        server_url = "postgresql+psycopg://" + server_url.removeprefix("postgresql://")
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{make_url(db_url).database}" WITH (FORCE)'))
    admin.dispose()


if __name__ == "__main__":
    sys.exit(main())
