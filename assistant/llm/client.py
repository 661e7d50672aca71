"""The LLM port: one small client for any OpenAI-compatible server, every attempt logged.

``LLMClient.structured`` renders a prompt file, asks for JSON matching a pydantic model,
checks the reply (JSON, schema, then the caller's data checks) and either returns a validated
object or raises ``LLMFailed``; it never hands back something unchecked. A reply that fails a
check is sent back with the errors for a corrected answer, up to ``llm_max_retries`` times.
Timeouts and connection errors are not retried here: the caller decides (fall back to the
offline engine, or mark the step failed), and the UI shows which engine produced what.

Redaction is bound to the client, not passed per call: every message that leaves (the rendered
prompt, and each correction sent back) passes the client's ``Scrubber`` (emails, phones, street
addresses and the engagement's people's names) while ``settings.llm_redact`` is on. The engine
seam (``assistant.engines``) builds clients with the engagement's names, so no stage can forget.

Every attempt is one ``LLMCall`` row, written in its own short session, so the log survives
whatever the caller's transaction does. A request already answered well (same model, prompt
hash, rendered messages and output schema) is served from that log: a re-run costs nothing
and is logged as ``cached``.

Callers should not hold an open SQLite write transaction across a call: the log row is
written on another connection and would wait for it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable
from typing import Any, ClassVar, NoReturn, TypeVar

import openai
from pydantic import BaseModel
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from assistant.config import Settings
from assistant.llm.prompts import load_prompt
from assistant.llm.replies import check_structured, check_text, correction, output_schema
from assistant.models import LLMCall
from assistant.privacy import NAME, Scrubber

log = logging.getLogger(__name__)

M = TypeVar("M", bound=BaseModel)

OK, INVALID, FAILED, CACHED = "ok", "invalid", "failed", "cached"
MAX_LOGGED_RESPONSE = 20_000  # characters of a reply kept in the log


class LLMFailed(Exception):
    """The LLM gave no usable answer. ``reason`` says why, ``attempts`` how many calls were made."""

    def __init__(self, reason: str, attempts: int, task: str = "") -> None:
        self.reason = reason
        self.attempts = attempts
        self.task = task
        label = f"LLM task {task!r}" if task else "LLM call"
        super().__init__(f"{label} failed after {attempts} attempt(s): {reason}")


def request_hash(model: str, prompt_hash: str, messages: list[dict], schema: dict | None) -> str:
    """The cache key of a request: sha256 over model, prompt hash, messages and output schema."""
    payload = json.dumps(
        {"model": model, "prompt": prompt_hash, "messages": messages, "schema": schema},
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


class LLMClient:
    """An OpenAI-compatible chat endpoint behind two calls, ``structured`` and ``text``."""

    def __init__(
        self, settings: Settings, engine: Engine, client: openai.OpenAI | None = None, redactor: Scrubber | None = None
    ) -> None:
        if not settings.llm_enabled:
            raise ValueError(
                "LLM is not configured: set DM3_LLM_BASE_URL and DM3_LLM_MODEL, "
                "or use get_llm(), which returns None for the offline engine"
            )
        self.settings = settings
        self.engine = engine
        self.model: str = settings.llm_model  # type: ignore[assignment]
        self.max_retries = max(0, settings.llm_max_retries)
        # None only when the operator turned redaction off (DM3_LLM_REDACT=false, a server they run).
        self.redactor: Scrubber | None = (redactor or Scrubber(placeholder=NAME)) if settings.llm_redact else None
        # Retries are ours (with the validation errors); the SDK must not retry behind our back.
        self.client = client or openai.OpenAI(
            base_url=settings.llm_base_url,
            api_key=settings.llm_api_key,
            timeout=settings.llm_timeout_s,
            max_retries=0,
        )

    # OpenAI, vLLM and llama.cpp's own server take response_format "json_schema";
    # llama-cpp-python's server only takes "json_object" with a "schema". Learned on the first
    # refusal and remembered per base URL for the life of the process.
    _format_styles: ClassVar[dict[str, str]] = {}

    @property
    def _format_style(self) -> str:
        return self._format_styles.get(str(self.settings.llm_base_url), "json_schema")

    @_format_style.setter
    def _format_style(self, style: str) -> None:
        self._format_styles[str(self.settings.llm_base_url)] = style

    # --- public calls ------------------------------------------------------------------

    def structured(
        self,
        task: str,
        prompt: str,
        variables: dict[str, Any],
        output: type[M],
        validate: Callable[[M], list[str]] | None = None,
        engagement_id: int | None = None,
        max_tokens: int = 512,
        retries: int | None = None,
    ) -> M:
        """A validated ``output`` object for prompt ``prompt`` rendered with ``variables``.

        Rules enforced: the result passed JSON parsing, the pydantic schema and ``validate``
        (which returns a list of error strings, empty when the object is acceptable); otherwise
        ``LLMFailed`` after ``1 + llm_max_retries`` attempts (``1 + retries`` when a task fixes its own:
        a task with an offline fallback need not wait for many), or at once on a timeout or
        connection error. Every message is redacted by the client's ``Scrubber`` first (when
        ``settings.llm_redact`` is on). A request answered ``ok`` before is
        served from the log (outcome ``cached``) if it still passes ``validate``. ``retries``
        overrides ``llm_max_retries`` for a task whose rule fixes the number of tries.
        """
        schema, strict = output_schema(output)
        name = output.__name__[:64]

        def response_format() -> dict:
            if self._format_style == "json_schema":
                return {"type": "json_schema", "json_schema": {"name": name, "schema": schema, "strict": strict}}
            return {"type": "json_object", "schema": schema}

        return self._run(
            task=task,
            prompt_name=prompt,
            variables=variables,
            schema=schema,
            response_format=response_format,
            check=lambda text: check_structured(text, output, validate),
            engagement_id=engagement_id,
            max_tokens=max_tokens,
            retries=retries,
        )

    def text(
        self,
        task: str,
        prompt: str,
        variables: dict[str, Any],
        max_chars: int = 400,
        validate: Callable[[str], list[str]] | None = None,
        engagement_id: int | None = None,
        max_tokens: int = 160,
    ) -> str:
        """A short free-text reply (e.g. an interview probe), stripped and cut to ``max_chars``.

        Rules enforced: an empty reply, or one ``validate`` rejects, is retried like a
        structured reply and ends in ``LLMFailed``; the cut falls on a word boundary.
        """

        return self._run(
            task=task,
            prompt_name=prompt,
            variables=variables,
            schema=None,
            response_format=lambda: None,
            check=lambda reply: check_text(reply, max_chars, validate),
            engagement_id=engagement_id,
            max_tokens=max_tokens,
        )

    # --- the loop ----------------------------------------------------------------------

    def as_seen(self, text: str) -> str:
        """Staff text as the model reads it inside a prompt: through the redactor when redaction is on (a
        reply quoting the text is checked against this, not against words the model never saw)."""
        return self.redactor.scrub(text) if self.redactor is not None else text

    def _redacted(self, message: dict[str, str]) -> dict[str, str]:
        """``message`` as it may leave: its content through the redactor (when redaction is on)."""
        if self.redactor is None:
            return message
        return {**message, "content": self.redactor.redact(message["content"])}

    def _run(
        self,
        *,
        task: str,
        prompt_name: str,
        variables: dict[str, Any],
        schema: dict | None,
        response_format: Callable[[], dict | None],
        check: Callable[[str], tuple[Any, list[str]]],
        engagement_id: int | None,
        max_tokens: int,
        retries: int | None = None,
    ) -> Any:
        prompt = load_prompt(prompt_name)
        messages = [self._redacted(m) for m in prompt.render(variables)]
        rhash = request_hash(self.model, prompt.hash, messages, schema)
        base = dict(
            task=task,
            model=self.model,
            prompt_name=prompt.name,
            prompt_hash=prompt.hash,
            request_hash=rhash,
            engagement_id=engagement_id,
        )

        cached = self._from_cache(rhash, check)
        if cached is not None:
            value, text = cached
            self._log(**base, outcome=CACHED, response=text, attempt=1)
            return value

        conversation = list(messages)
        errors: list[str] = []
        attempts = (self.max_retries if retries is None else max(0, retries)) + 1
        for attempt in range(1, attempts + 1):
            text, usage, latency_ms, cut = self._call(conversation, response_format, max_tokens, base, attempt)
            value, errors = check(text)
            if errors and cut:
                errors.append(f"the reply was cut off at max_tokens={max_tokens}; be shorter")
            row = dict(**base, response=text, attempt=attempt, latency_ms=latency_ms, **usage)
            if not errors:
                self._log(**row, outcome=OK)
                return value
            self._log(**row, outcome=INVALID, error="; ".join(errors)[:2000])
            log.info("llm %s attempt %d invalid: %s", task, attempt, errors)
            # the errors may quote stored text back, so the correction is redacted like the prompt
            conversation += [
                self._redacted({"role": "assistant", "content": text}),
                self._redacted({"role": "user", "content": correction(errors)}),
            ]
        raise LLMFailed("; ".join(errors), attempts, task)

    def _call(
        self,
        conversation: list[dict],
        response_format: Callable[[], dict | None],
        max_tokens: int,
        base: dict,
        attempt: int,
    ) -> tuple[str, dict, float, bool]:
        """One network call: (reply, token usage, latency in ms, cut at max_tokens); failures
        are logged and raised as ``LLMFailed``."""
        for _ in range(2):  # at most one switch of response_format style
            fmt = response_format()
            kwargs: dict[str, Any] = dict(
                model=self.model,
                messages=conversation,
                max_tokens=max_tokens,
                temperature=0,
                seed=0,
            )
            if fmt is not None:
                kwargs["response_format"] = fmt
            started = time.perf_counter()
            try:
                resp = self.client.chat.completions.create(**kwargs)
            except openai.APIStatusError as exc:
                if fmt and fmt["type"] == "json_schema" and self._refuses_json_schema(exc):
                    log.warning("%s refuses response_format json_schema; using json_object", self.settings.llm_base_url)
                    self._format_style = "json_object"
                    continue
                self._fail(base, attempt, started, f"HTTP {exc.status_code}: {_short(exc)}")
            except openai.APITimeoutError:
                self._fail(
                    base,
                    attempt,
                    started,
                    f"timed out after {self.settings.llm_timeout_s:g}s "
                    "(raise DM3_LLM_TIMEOUT_S or use a smaller model)",
                )
            except openai.APIConnectionError as exc:
                self._fail(
                    base,
                    attempt,
                    started,
                    f"cannot reach {self.settings.llm_base_url} ({_short(exc)}); "
                    "is the server running and DM3_LLM_BASE_URL right?",
                )
            except openai.OpenAIError as exc:
                self._fail(base, attempt, started, f"{type(exc).__name__}: {_short(exc)}")
            latency_ms = (time.perf_counter() - started) * 1000.0
            choice = resp.choices[0] if resp.choices else None
            text = (choice.message.content if choice and choice.message else None) or ""
            usage = {
                "tokens_in": getattr(resp.usage, "prompt_tokens", 0) or 0,
                "tokens_out": getattr(resp.usage, "completion_tokens", 0) or 0,
            }
            cut = choice is not None and choice.finish_reason == "length"
            return text, usage, latency_ms, cut
        raise AssertionError("unreachable")  # pragma: no cover

    @staticmethod
    def _refuses_json_schema(exc: openai.APIStatusError) -> bool:
        body = f"{exc.message} {exc.body}"
        return exc.status_code in (400, 422, 500) and ("json_schema" in body or "response_format" in body)

    def _fail(self, base: dict, attempt: int, started: float, reason: str) -> NoReturn:
        latency_ms = (time.perf_counter() - started) * 1000.0
        self._log(**base, outcome=FAILED, error=reason, attempt=attempt, latency_ms=latency_ms)
        raise LLMFailed(reason, attempt, base["task"])

    # --- the log -----------------------------------------------------------------------

    def _from_cache(self, rhash: str, check: Callable[[str], tuple[Any, list[str]]]) -> tuple[Any, str] | None:
        """(value, text) of the newest ``ok`` answer to this request that still passes ``check``."""
        with Session(self.engine) as session:
            rows = session.exec(
                select(LLMCall.response)
                .where(LLMCall.request_hash == rhash, LLMCall.outcome == OK)
                .order_by(LLMCall.id.desc())  # type: ignore[union-attr]
                .limit(3)
            ).all()
        for text in rows:
            value, errors = check(text)
            if not errors:
                return value, text
        return None

    def _log(self, **fields: Any) -> None:
        fields["response"] = (fields.get("response") or "")[:MAX_LOGGED_RESPONSE]
        with Session(self.engine) as session:
            session.add(LLMCall(**fields))
            session.commit()


def _short(exc: BaseException, limit: int = 300) -> str:
    text = " ".join(str(exc).split())
    return text if len(text) <= limit else text[:limit] + "…"


def get_llm(settings: Settings, engine: Engine, redactor: Scrubber | None = None) -> LLMClient | None:
    """The LLM client for ``settings``, or None when no LLM is configured (the offline engine).

    Stages never call this: they get their engines from ``assistant.engines.engines_for``, which
    binds the engagement's names into ``redactor``. Tests and benchmarks use it directly.
    """
    return LLMClient(settings, engine, redactor=redactor) if settings.llm_enabled else None
