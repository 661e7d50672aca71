"""Real app servers for tests: ``uvicorn --factory assistant.web.app:create_app`` in its own process
group on a loopback port, started and stopped the same way by every test that needs one."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[1]


def start_app(port: int, env: dict[str, str], log: Path, timeout: float = 60) -> subprocess.Popen:
    """The app serving on 127.0.0.1:``port`` with ``env`` added to this process's environment, its
    output appended to ``log``; returns once /healthz answers 200, fails the test with the log's tail
    when the process exits or does not answer within ``timeout`` seconds."""
    with open(log, "ab") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "--factory", "assistant.web.app:create_app"]
            + ["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
            env={**os.environ, **env},
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            cwd=ROOT,
        )
    deadline = time.time() + timeout
    while True:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        if proc.poll() is not None or time.time() > deadline:
            stop_app(proc)
            pytest.fail(f"the app server did not start; its log:\n{log.read_text()[-3000:]}")
        time.sleep(0.2)


def stop_app(proc: subprocess.Popen) -> None:
    """Stop the server's process group: SIGTERM, then SIGKILL after 10 s."""
    if proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
