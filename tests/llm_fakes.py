"""Stand-ins for an OpenAI-compatible model server, for driving the real ``LLMClient``.

``ScriptedOpenAI`` replaces the ``openai.OpenAI`` object: ``LLMClient(settings, engine,
client=ScriptedOpenAI([...]))`` runs the product's own loop (prompt rendering, redaction, validation,
retries with the errors, the call log, the cache). Each request is recorded as the keyword arguments
the client sent; each reply is a real ``ChatCompletion`` built from the script.

``FakeOpenAIServer`` is the one fake *server* of the suite: real HTTP on loopback (stdlib
``http.server`` in a thread) speaking the chat-completions protocol, for what needs the SDK's own
transport (HTTP errors, slowness, timeouts) or the whole app talking to a model: it answers from a
script, then (if given) from an ``answer`` function of the request, and records every request body.

Both exist for edge cases a real model gives rarely (a reply that never complies, a timeout) and for
recording what is sent; tests/llm/ runs a real server.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import openai
from openai.types.chat import ChatCompletion
from sqlalchemy.engine import Engine

from assistant.config import Settings
from assistant.llm import LLMClient
from assistant.privacy import NAME, Scrubber

FAKE_MODEL = "scripted-model"
Step = str | dict | BaseException


def completion_body(
    content: str, prompt_tokens: int = 120, completion_tokens: int = 40, finish: str = "stop"
) -> dict[str, Any]:
    """The JSON body of a chat completion whose one choice says ``content``, with token usage."""
    return {
        "id": "chatcmpl-scripted",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": FAKE_MODEL,
        "choices": [{"index": 0, "finish_reason": finish, "message": {"role": "assistant", "content": content}}],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }


def completion(
    content: str, prompt_tokens: int = 120, completion_tokens: int = 40, finish: str = "stop"
) -> ChatCompletion:
    """A chat completion whose one choice says ``content``, with token usage."""
    return ChatCompletion.model_validate(completion_body(content, prompt_tokens, completion_tokens, finish))


def timeout_error() -> openai.APITimeoutError:
    """The error the SDK raises when the server does not answer in time."""
    return openai.APITimeoutError(request=httpx.Request("POST", "http://scripted.invalid/v1/chat/completions"))


class ScriptedOpenAI:
    """``chat.completions.create`` answers from ``script`` in order: a string is the reply text, a
    dict is sent as its JSON, an exception is raised. The last step repeats once the script runs out."""

    def __init__(self, script: list[Step]) -> None:
        self.script = list(script)
        self.requests: list[dict[str, Any]] = []
        self.chat = self
        self.completions = self

    def create(self, **kwargs: Any) -> ChatCompletion:
        self.requests.append(kwargs)
        step = self.script[min(len(self.requests), len(self.script)) - 1]
        if isinstance(step, BaseException):
            raise step
        return completion(step if isinstance(step, str) else json.dumps(step))

    def sent(self, n: int, role: str = "user") -> str:
        """The text of the last ``role`` message of request ``n`` (0-based)."""
        return [m["content"] for m in self.requests[n]["messages"] if m["role"] == role][-1]


def llm_settings(settings: Settings, **overrides: Any) -> Settings:
    """``settings`` with an LLM configured (the scripted transport never dials the address)."""
    return settings.model_copy(
        update={"llm_base_url": "http://scripted.invalid/v1", "llm_model": FAKE_MODEL, **overrides}
    )


def scripted_client(
    settings: Settings, engine: Engine, script: list[Step], names: Iterable[str] = (), **overrides: Any
) -> tuple[LLMClient, ScriptedOpenAI]:
    """The real LLM client on ``engine`` (its log and cache) whose transport answers from ``script``;
    ``names`` are bound into its redaction, as the engine seam binds an engagement's people's names."""
    fake = ScriptedOpenAI(script)
    redactor = Scrubber(names, placeholder=NAME)
    client = LLMClient(llm_settings(settings, **overrides), engine, client=fake, redactor=redactor)  # type: ignore[arg-type]
    return client, fake


ServerStep = dict | tuple


class FakeOpenAIServer:
    """An OpenAI-compatible chat-completions server on loopback. Each request body is recorded in
    ``requests``; the reply is the next step of ``script`` (a dict: sent as 200 JSON; ``("sleep", s, dict)``:
    sent after ``s`` seconds; ``(status, dict)``: sent with that HTTP status), else, once the script has run
    out, ``answer(body)`` wrapped in a completion (a dict reply is sent as its JSON), else a 500."""

    def __init__(self, answer: Callable[[dict], str | dict] | None = None) -> None:
        self.script: list[ServerStep] = []
        self.requests: list[dict] = []
        self.answer = answer
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.httpd.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
        self.thread.start()

    def reply_to(self, body: dict) -> tuple[int, dict]:
        """The HTTP status and JSON body for one request (sleeping first when the step says so)."""
        self.requests.append(body)
        if self.script:
            step = self.script.pop(0)
            if isinstance(step, tuple) and step[0] == "sleep":
                time.sleep(step[1])
                return 200, step[2]
            return step if isinstance(step, tuple) else (200, step)
        if self.answer is not None:
            content = self.answer(body)
            return 200, completion_body(content if isinstance(content, str) else json.dumps(content))
        return 500, {"error": "script exhausted"}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # keep test output quiet
                pass

            def do_POST(self) -> None:
                status, payload = fake.reply_to(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
                data = json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout test)

        return Handler

    def tasks(self) -> list[str]:
        """The output schema named by each request, in order (ProbeOut, ThemeLabel, LLMRating, ...)."""
        return [r["response_format"]["json_schema"]["name"] for r in self.requests]

    def sent(self) -> str:
        """Everything the server received, as one string."""
        return "\n".join(json.dumps(r, ensure_ascii=False) for r in self.requests)

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
