"""The LLM port against a real OpenAI-compatible server (llama.cpp serving Gemma-3-270M).

The model is tiny and not smart; these tests check the plumbing a real server exercises
(JSON-constrained output, token usage, the log, the cache, retries), not answer quality.
"""

from __future__ import annotations

from typing import Literal

import pytest
from pydantic import BaseModel
from sqlmodel import Session, func, select

from assistant.llm import LLMClient, LLMFailed, get_llm
from assistant.llm.prompts import load_prompt
from assistant.models import LLMCall

pytestmark = pytest.mark.llm

VARS = {
    "question": "How does your team share data with other departments?",
    "answer": "We email spreadsheets around every Friday; it is slow and things get lost.",
}


class Echo(BaseModel):
    topic: str
    sentiment: Literal["positive", "negative", "neutral"]


def calls(engine) -> list[LLMCall]:
    with Session(engine) as s:
        return list(s.exec(select(LLMCall).order_by(LLMCall.id)))


@pytest.fixture
def llm(llm_settings, llm_engine) -> LLMClient:
    client = get_llm(llm_settings, llm_engine)
    assert client is not None
    return client


def test_structured_call_returns_a_validated_object_or_raises(llm, llm_engine) -> None:
    try:
        result = llm.structured("selftest", "selftest_echo", VARS, Echo, max_tokens=48)
    except LLMFailed as failed:
        # Allowed: a tiny model may never produce a valid object. Then every attempt is logged
        # as invalid, and nothing unvalidated came back.
        assert failed.attempts == llm.max_retries + 1
        assert {c.outcome for c in calls(llm_engine)} == {"invalid"}
        return
    assert isinstance(result, Echo)
    Echo.model_validate(result.model_dump())  # really conforms, not a lookalike
    row = calls(llm_engine)[-1]
    assert row.outcome == "ok"
    assert row.model == llm.model and row.task == "selftest" and row.prompt_name == "selftest_echo"
    assert row.prompt_hash == load_prompt("selftest_echo").hash
    assert row.tokens_in > 20 and 0 < row.tokens_out <= 48
    assert row.latency_ms > 0
    assert Echo.model_validate_json(row.response) == result


def test_identical_call_is_served_from_the_cache(llm, llm_engine) -> None:
    def ok_once() -> Echo | None:
        try:
            return llm.structured("selftest", "selftest_echo", VARS, Echo, max_tokens=48)
        except LLMFailed:
            return None

    first = ok_once()
    if first is None:
        pytest.fail("the tiny model gave no valid Echo in 3 attempts; the cache cannot be tested")
    network_rows = [c for c in calls(llm_engine) if c.outcome != "cached"]
    second = llm.structured("selftest", "selftest_echo", VARS, Echo, max_tokens=48)
    assert second == first
    after = calls(llm_engine)
    # One more row, outcome cached, no new network attempt, no tokens spent.
    assert [c for c in after if c.outcome != "cached"] == network_rows
    assert after[-1].outcome == "cached" and after[-1].tokens_in == 0 == after[-1].tokens_out
    assert after[-1].request_hash == network_rows[-1].request_hash


def test_always_rejecting_check_retries_then_fails(llm, llm_engine) -> None:
    def never(_: Echo) -> list[str]:
        return ["topic must name a DM3 component"]

    with pytest.raises(LLMFailed) as failed:
        llm.structured(
            "selftest",
            "selftest_echo",
            {**VARS, "answer": "GIS layers are stale."},
            Echo,
            validate=never,
            max_tokens=48,
        )
    n = llm.max_retries + 1
    assert failed.value.attempts == n
    rows = calls(llm_engine)
    assert [(c.outcome, c.attempt) for c in rows] == [("invalid", i) for i in range(1, n + 1)]
    # Whether the JSON failed the schema or the check, every attempt says why it was rejected.
    assert all(c.error for c in rows)
    # Each retry sent the earlier reply and the errors back, so the prompt grew.
    assert rows[-1].tokens_in > rows[0].tokens_in
    with Session(llm_engine) as s:
        assert s.exec(select(func.count()).select_from(LLMCall)).one() == n
