"""A scripted stand-in for the ``openai.OpenAI`` object, for driving the real ``LLMClient``.

Only the transport is fake: ``LLMClient(settings, engine, client=ScriptedOpenAI([...]))`` runs the
product's own loop (prompt rendering, redaction, validation, retries with the errors, the call
log, the cache). Each request is recorded as the keyword arguments the client sent; each reply
is a real ``ChatCompletion`` built from the script. For edge cases a real model gives rarely
(a reply that never complies, a timeout); tests/llm/ runs a real server.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
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


def completion(
    content: str, prompt_tokens: int = 120, completion_tokens: int = 40, finish: str = "stop"
) -> ChatCompletion:
    """A chat completion whose one choice says ``content``, with token usage."""
    return ChatCompletion.model_validate(
        {
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
    )


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
