"""The LLM port's edge cases, driven by a tiny fake OpenAI-compatible server on loopback.

The fake server answers from a script (one canned reply per request) and records what it was
sent. It exists only to produce replies a real model gives rarely and unpredictably: broken
JSON, wrong fields, slowness, refusals. The real server is exercised in tests/llm/.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal

import pytest
from pydantic import BaseModel
from sqlmodel import Session, select

from assistant.config import Settings
from assistant.llm import LLMClient, LLMFailed, get_llm, output_schema
from assistant.llm.prompts import load_prompt
from assistant.models import LLMCall
from assistant.privacy import NAME, Scrubber

VARS = {"question": "How do you share data?", "answer": "We email spreadsheets around."}


class Echo(BaseModel):
    topic: str
    sentiment: Literal["positive", "negative", "neutral"]


def completion(content: str, prompt_tokens: int = 50, completion_tokens: int = 7, finish: str = "stop") -> dict:
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": "fake-model",
        "choices": [{"index": 0, "finish_reason": finish, "message": {"role": "assistant", "content": content}}],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }


class FakeServer:
    """Replies from ``script`` in order: a dict (200 JSON), ("sleep", s, dict) or (status, dict)."""

    def __init__(self) -> None:
        self.script: list[Any] = []
        self.requests: list[dict] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # keep test output quiet
                pass

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                fake.requests.append(body)
                step = fake.script.pop(0) if fake.script else (500, {"error": "script exhausted"})
                status, payload = 200, step
                if isinstance(step, tuple) and step[0] == "sleep":
                    time.sleep(step[1])
                    payload = step[2]
                elif isinstance(step, tuple):
                    status, payload = step
                data = json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (the timeout test)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def fake():
    server = FakeServer()
    yield server
    server.close()


@pytest.fixture
def llm(fake: FakeServer, settings: Settings, engine) -> LLMClient:
    s = settings.model_copy(
        update={
            "llm_base_url": fake.base_url,
            "llm_model": "fake-model",
            "llm_timeout_s": 0.5,
            "llm_max_retries": 2,
            "llm_redact": True,
        }
    )
    return LLMClient(s, engine)


def rows(engine) -> list[LLMCall]:
    with Session(engine) as s:
        return list(s.exec(select(LLMCall).order_by(LLMCall.id)))


def test_invalid_json_then_valid_on_retry_with_the_error_sent_back(llm, fake, engine) -> None:
    fake.script = [
        completion('{"topic": "email", "sentiment": '),
        completion('{"topic": "email", "sentiment": "negative"}'),
    ]
    result = llm.structured("selftest", "selftest_echo", VARS, Echo, max_tokens=32)
    assert result == Echo(topic="email", sentiment="negative")

    logged = rows(engine)
    assert [(r.outcome, r.attempt) for r in logged] == [("invalid", 1), ("ok", 2)]
    assert "not valid JSON" in logged[0].error
    assert logged[1].tokens_in == 50 and logged[1].tokens_out == 7
    assert all(r.prompt_hash == load_prompt("selftest_echo").hash for r in logged)
    assert logged[0].request_hash == logged[1].request_hash
    # The retry carried the broken reply and the error list back to the model.
    second = fake.requests[1]["messages"]
    assert second[-2] == {"role": "assistant", "content": '{"topic": "email", "sentiment": '}
    assert second[-1]["role"] == "user" and "not valid JSON" in second[-1]["content"]
    assert fake.requests[0]["max_tokens"] == 32 and fake.requests[0]["temperature"] == 0


def test_reply_cut_at_max_tokens_says_so(llm, fake, engine) -> None:
    fake.script = [
        completion('{"topic": "spread', finish="length"),
        completion('{"topic": "email", "sentiment": "neutral"}'),
    ]
    assert llm.structured("selftest", "selftest_echo", VARS, Echo, max_tokens=8).topic == "email"
    assert "cut off at max_tokens=8" in rows(engine)[0].error
    assert "cut off at max_tokens=8" in fake.requests[1]["messages"][-1]["content"]


def test_schema_failures_exhaust_retries_and_raise(llm, fake, engine) -> None:
    fake.script = [completion('{"topic": "email", "sentiment": "furious"}')] * 3
    with pytest.raises(LLMFailed) as failed:
        llm.structured("selftest", "selftest_echo", VARS, Echo)
    assert failed.value.attempts == 3
    assert "sentiment" in failed.value.reason
    assert [(r.outcome, r.attempt) for r in rows(engine)] == [("invalid", 1), ("invalid", 2), ("invalid", 3)]
    assert len(fake.requests) == 3


def test_data_check_rejection_is_retried_then_accepted(llm, fake, engine) -> None:
    fake.script = [
        completion('{"topic": "x", "sentiment": "neutral"}'),
        completion('{"topic": "email", "sentiment": "neutral"}'),
    ]

    def validate(obj: Echo) -> list[str]:
        return [] if len(obj.topic) > 1 else [f"topic {obj.topic!r} is not a word"]

    assert llm.structured("selftest", "selftest_echo", VARS, Echo, validate=validate).topic == "email"
    assert "topic 'x' is not a word" in fake.requests[1]["messages"][-1]["content"]
    assert [r.outcome for r in rows(engine)] == ["invalid", "ok"]


def test_timeout_fails_at_once_with_outcome_failed(llm, fake, engine) -> None:
    fake.script = [("sleep", 2.0, completion('{"topic": "a", "sentiment": "neutral"}'))]
    # the reply would come after 2 s, so "timed out" (not a parsed reply) shows the timeout was kept;
    # no wall-clock bound here: a busy machine may take longer to get there, and that is not a failure
    with pytest.raises(LLMFailed, match="timed out") as failed:
        llm.structured("selftest", "selftest_echo", VARS, Echo)
    assert failed.value.attempts == 1
    logged = rows(engine)
    assert [(r.outcome, r.attempt) for r in logged] == [("failed", 1)]
    assert "timed out" in logged[0].error and len(fake.requests) == 1


def test_unreachable_server_fails_with_advice(settings, engine) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    client = LLMClient(
        settings.model_copy(
            update={
                "llm_base_url": f"http://127.0.0.1:{port}/v1",
                "llm_model": "m",
                "llm_timeout_s": 1.0,
            }
        ),
        engine,
    )
    with pytest.raises(LLMFailed, match="cannot reach"):
        client.structured("selftest", "selftest_echo", VARS, Echo)
    assert [r.outcome for r in rows(engine)] == ["failed"]


def test_server_error_is_failed_not_retried(llm, fake, engine) -> None:
    fake.script = [(503, {"error": {"message": "model is loading"}})]
    with pytest.raises(LLMFailed, match="HTTP 503"):
        llm.structured("selftest", "selftest_echo", VARS, Echo)
    assert [r.outcome for r in rows(engine)] == ["failed"] and len(fake.requests) == 1


def test_json_schema_refusal_falls_back_to_json_object(llm, fake, engine) -> None:
    refusal = (
        500,
        {"error": {"message": "response_format.type: Input should be 'text' or 'json_object', got 'json_schema'"}},
    )
    fake.script = [refusal, completion('{"topic": "email", "sentiment": "neutral"}')]
    assert llm.structured("selftest", "selftest_echo", VARS, Echo).topic == "email"
    schema, strict = output_schema(Echo)
    assert fake.requests[0]["response_format"] == {
        "type": "json_schema",
        "json_schema": {"name": "Echo", "schema": schema, "strict": strict},
    }
    assert fake.requests[1]["response_format"] == {"type": "json_object", "schema": schema}
    assert [(r.outcome, r.attempt) for r in rows(engine)] == [("ok", 1)]


def test_identical_request_is_served_from_the_log(llm, fake, engine) -> None:
    fake.script = [completion('{"topic": "email", "sentiment": "neutral"}')]
    first = llm.structured("selftest", "selftest_echo", VARS, Echo)
    again = llm.structured("selftest", "selftest_echo", VARS, Echo)
    assert again == first and len(fake.requests) == 1
    assert [r.outcome for r in rows(engine)] == ["ok", "cached"]
    # A cached answer that no longer passes the data checks is not reused.
    fake.script = [completion('{"topic": "spreadsheets", "sentiment": "neutral"}')]
    fresh = llm.structured(
        "selftest", "selftest_echo", VARS, Echo, validate=lambda o: ["need another topic"] if o.topic == "email" else []
    )
    assert fresh.topic == "spreadsheets" and len(fake.requests) == 2
    # Different variables are a different request.
    fake.script = [completion('{"topic": "email", "sentiment": "positive"}')]
    llm.structured("selftest", "selftest_echo", {**VARS, "answer": "other"}, Echo)
    assert len(fake.requests) == 3


def test_staff_text_is_redacted_before_it_leaves(llm, fake, engine) -> None:
    fake.script = [completion('{"topic": "email", "sentiment": "neutral"}')]
    # names bound once, not per call
    named = LLMClient(llm.settings, engine, redactor=Scrubber(["Priya Shah"], placeholder=NAME))
    answer = "Ask Priya Shah (priya.shah@county.gov, 555-123-4567) at 1200 Main Street about the 2019 migration."
    named.structured("selftest", "selftest_echo", {**VARS, "answer": answer, "question": "Did Priya answer?"}, Echo)
    sent = json.dumps(fake.requests[0]["messages"])
    assert "Priya" not in sent and "county.gov" not in sent and "555-123" not in sent and "Main Street" not in sent
    assert "Ask [name] ([email], [phone]) at [address] about the 2019 migration." in sent
    assert "Did [name] answer?" in sent  # text outside the data block is redacted too


def test_a_correction_is_redacted_like_the_prompt(llm, fake, engine) -> None:
    named = LLMClient(llm.settings, engine, redactor=Scrubber(["Priya Shah"], placeholder=NAME))
    fake.script = [
        completion('{"topic": "email", "sentiment": "neutral"}'),
        completion('{"topic": "spreadsheets", "sentiment": "neutral"}'),
    ]
    named.structured(
        "selftest",
        "selftest_echo",
        VARS,
        Echo,
        validate=lambda o: ["Priya Shah asked for another topic"] if o.topic == "email" else [],
    )
    retry = json.dumps(fake.requests[1]["messages"])
    assert "Priya" not in retry and "[name] asked for another topic" in retry


def test_redaction_off_only_when_the_operator_says_so(llm, fake, engine) -> None:
    fake.script = [completion('{"topic": "email", "sentiment": "neutral"}')]
    unredacted = llm.settings.model_copy(update={"llm_redact": False})
    plain = LLMClient(unredacted, engine, redactor=Scrubber(["Priya"], placeholder=NAME))
    plain.structured("selftest", "selftest_echo", {**VARS, "answer": "Priya at p@x.org"}, Echo)
    assert "Priya at p@x.org" in json.dumps(fake.requests[0]["messages"])


def test_text_replies_are_trimmed_and_empty_ones_retried(llm, fake, engine) -> None:
    fake.script = [completion("   "), completion("Could you say more about   how the files move?")]
    probe = llm.text("probe", "selftest_echo", VARS, max_chars=30)
    assert probe == "Could you say more about how…"
    assert "response_format" not in fake.requests[0]
    assert [r.outcome for r in rows(engine)] == ["invalid", "ok"]


def test_get_llm_is_none_offline_and_client_refuses_without_settings(settings, engine) -> None:
    assert get_llm(settings, engine) is None
    with pytest.raises(ValueError, match="DM3_LLM_BASE_URL"):
        LLMClient(settings, engine)
    online = settings.model_copy(update={"llm_base_url": "http://127.0.0.1:9/v1", "llm_model": "m"})
    assert isinstance(get_llm(online, engine), LLMClient)


def test_output_schema_forbids_extra_keys_and_claims_strict_only_when_all_required() -> None:
    schema, strict = output_schema(Echo)
    assert schema["additionalProperties"] is False and strict is True

    class Loose(BaseModel):
        topic: str
        note: str = ""

    assert output_schema(Loose)[1] is False
