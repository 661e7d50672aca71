"""The executive summary's rewording against a real model server (llama.cpp serving Gemma-3-270M).

The tiny model may well fail the checks: what must hold is the protocol (the prompt file, the task,
at most one retry, every attempt logged) and the rule that the outcome is either a rewording that
passes every check or the offline text kept with the reason."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from assistant.llm import get_llm
from assistant.models import LLMCall
from assistant.report.reword import RETRIES, SummaryWording, SummaryWriter, facts_of, problems
from tests.factories import SUMMARY_DEPARTMENTS, executive_summary, level_names

pytestmark = pytest.mark.llm


def test_a_real_model_rewording_is_accepted_only_when_valid_else_refused_with_the_reason(llm_settings, llm_engine):
    client = get_llm(llm_settings, llm_engine)
    assert client is not None
    offline = executive_summary()
    facts = facts_of(offline, level_names=level_names(), groups=SUMMARY_DEPARTMENTS)
    out = SummaryWriter(client, engagement_id=None).reword(offline, facts, "City of Riverton")
    with Session(llm_engine) as s:
        rows = list(s.exec(select(LLMCall).order_by(LLMCall.id)))
    assert 1 <= len(rows) <= RETRIES + 1
    assert all(r.task == "summary" and r.prompt_name == "summary_reword" for r in rows)
    if out.accepted:
        assert rows[-1].outcome == "ok" and out.note.startswith("Reworded by")
        wording = SummaryWording(
            overview=out.summary.overview,
            findings=[f.sentence for f in out.summary.findings],
            readiness=out.summary.readiness,
        )
        assert problems(wording, facts) == []
        assert [f.quote for f in out.summary.findings] == [f.quote for f in offline.findings]
    else:
        assert out.summary == offline
        assert out.note.startswith("The LLM's rewording was refused") and len(out.note) > 60
        assert {r.outcome for r in rows} <= {"invalid", "failed"}
