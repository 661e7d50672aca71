"""Schema fuzzing: schemathesis generates requests from the app's OpenAPI description (valid and
invalid path ids, query numbers and form bodies) for every operation, sent by a logged-in
consultant with a valid form token, half of them aimed at rows that exist (the engagement, a
theme, an interview, a live staff link, the open link) so they reach the code behind the 404s.
Rule: no answer is a server error (5xx).

The app serves no OpenAPI description in production (``openapi_url=None``); FastAPI still builds it
on request (``app.openapi()``), which is what is fuzzed here. Left out: logout (it would end the
session the fuzzing relies on), and the two buttons that start background runs (synthesis, rating:
they return at once and the work runs in a thread after the request; their own tests cover them).

Bounded: ``EXAMPLES`` per operation and generation mode, derandomised so a failure replays.
``DM3_FUZZ_EXAMPLES`` raises it for a longer local run.
"""

from __future__ import annotations

import os
from collections import Counter
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from sqlmodel import Session

from assistant.interview import actions
from assistant.models import Theme
from assistant.records.engagements import enable_open_link
from tests.factories import csrf_of, invite, make_engagement

EXAMPLES = int(os.environ.get("DM3_FUZZ_EXAMPLES", "12"))
LEFT_OUT = {
    ("POST", "/logout"),
    ("POST", "/engagements/{engagement_id}/themes/run"),
    ("POST", "/engagements/{engagement_id}/review/rate"),
}


class Known:
    """Rows that exist, for the path parameters of half the generated requests."""

    def __init__(self, engine: Any, rubric: Any, session: Session) -> None:
        self.engine, self.rubric = engine, rubric
        engagement = make_engagement(session, "Fuzzville")
        self.open_token = enable_open_link(session, engagement, True) or ""
        theme = Theme(engagement_id=engagement.id, component="data_life_cycle", label="Spreadsheets")
        session.add(theme)
        session.commit()
        self.engagement_id, self.theme_id = engagement.id, theme.id
        token, interview_id, turn_id = self.staff_link()
        self.interview_id, self.turn_id = interview_id, turn_id

    def staff_link(self) -> tuple[str, int, int]:
        """A fresh personal link with a consented interview and one answer: (token, interview id, answer turn id).
        A new one per request, because a fuzzed request may withdraw or submit the interview."""
        with Session(self.engine, expire_on_commit=False) as s:
            from assistant.models import Engagement

            token = invite(s, s.get(Engagement, self.engagement_id))
            participant = actions.participant_for_token(s, token)
            interview = actions.record_consent(s, participant, True, self.rubric)
            actions.advance(s, interview, self.rubric)
            turn, _ = actions.respond(s, interview, self.rubric, "answer", "We keep it in spreadsheets.", "fz-1", 4000)
            return token, interview.id, turn.id

    def path(self, name: str) -> Any:
        if name == "token":
            return self.staff_link()[0]
        return {
            "engagement_id": self.engagement_id,
            "theme_id": self.theme_id,
            "interview_id": self.interview_id,
            "turn_id": self.turn_id,
            "participant_id": 1,
            "open_token": self.open_token,
            "component_id": "data_life_cycle",
            "kind": "rating",
        }.get(name)


class Tally:
    """What the fuzzing saw: answers by status code, requests per operation, server errors."""

    def __init__(self) -> None:
        self.statuses: Counter = Counter()
        self.per_operation: Counter = Counter()
        self.errors: list[str] = []


def _fuzz_operation(
    operation: Any, mode: GenerationMode, known: Known, csrf: str, cookies: dict[str, str], tally: Tally
) -> None:
    """Send ``EXAMPLES`` generated requests of ``mode`` to one operation, half aimed at known rows."""
    label = f"{operation.method.upper()} {operation.path}"

    @hypothesis_settings(
        max_examples=EXAMPLES, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck)
    )
    @given(case=operation.as_strategy(generation_mode=mode), aim=st.booleans())
    def run(case: Any, aim: bool) -> None:
        if aim and case.path_parameters:
            for name in list(case.path_parameters):
                value = known.path(name)
                if value is not None:
                    case.path_parameters[name] = value
        response = case.call(headers={"X-CSRF-Token": csrf}, cookies=cookies)
        tally.statuses[response.status_code] += 1
        tally.per_operation[label] += 1
        if response.status_code >= 500:
            tally.errors.append(
                f"{response.status_code} {label} {case.formatted_path} query={case.query} body={str(case.body)[:200]}"
            )

    try:
        run()
    except Unsatisfiable:  # nothing to make invalid (an operation without parameters)
        pass


def _fuzz(app: FastAPI, client: Any, known: Known) -> Tally:
    """Fuzz every operation of the app's OpenAPI description but ``LEFT_OUT``, valid and invalid inputs."""
    schema = schemathesis.openapi.from_dict(app.openapi())
    schema.app = app
    csrf = csrf_of(client.get("/engagements").text)
    cookies = dict(client.cookies)
    tally = Tally()
    for result in schema.get_all_operations():
        operation = result.ok()
        if (operation.method.upper(), operation.path) in LEFT_OUT:
            continue
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            _fuzz_operation(operation, mode, known, csrf, cookies, tally)
    return tally


@pytest.mark.timeout(900)
def test_no_generated_request_gets_a_server_error(app, consultant_client, session, engine, rubric, capsys):
    known = Known(engine, rubric, session)
    tally = _fuzz(app, consultant_client, known)
    with capsys.disabled():
        print(
            f"\nschema fuzzing: {sum(tally.per_operation.values())} requests over {len(tally.per_operation)} "
            f"operations; answers {dict(sorted(tally.statuses.items()))}; server errors {len(tally.errors)}"
        )
    assert len(tally.per_operation) >= 40  # every operation but the ones left out was reached
    assert not tally.errors, "\n".join(tally.errors[:20])
