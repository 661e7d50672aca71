"""Interview persistence on the real SQLite database: idempotency, resume, edits, withdrawal."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event
from sqlmodel import Session, select

from assistant.interview import actions
from assistant.interview.actions import AnswerError, LinkError
from assistant.models import Interview, Participant, Segment, Turn, utcnow
from tests.factories import invite, make_engagement

DETAILED = "For example we export 3 reports from Accela every week and re-type them into Excel for finance."


@pytest.fixture
def started(session: Session, rubric):
    engagement = make_engagement(session)
    token = invite(session, engagement)
    participant = actions.participant_for_token(session, token)
    interview = actions.record_consent(session, participant, True, rubric)
    actions.advance(session, interview, rubric)
    return token, participant, interview


def staff_turns(session: Session, interview: Interview) -> list[Turn]:
    return list(session.exec(select(Turn).where(Turn.interview_id == interview.id, Turn.role == "staff")).all())


def test_consent_creates_a_plan_and_asks_the_first_question(session, rubric, started):
    _, _, interview = started
    turns = actions.load_turns(session, interview)
    assert interview.plan and turns[-1].kind == "question" and turns[-1].question_id == interview.plan[0]


def test_declining_consent_records_only_the_refusal(session, rubric):
    engagement = make_engagement(session)
    participant = actions.participant_for_token(session, invite(session, engagement))
    assert actions.record_consent(session, participant, False, rubric) is None
    interview = session.exec(select(Interview).where(Interview.participant_id == participant.id)).one()
    assert interview.state == "declined" and interview.plan == []
    assert session.exec(select(Turn).where(Turn.interview_id == interview.id)).all() == []


def test_double_submit_stores_one_turn(session, rubric, started):
    _, _, interview = started
    first, created = actions.respond(session, interview, rubric, "answer", DETAILED, "client-1", 4000)
    again, created_again = actions.respond(session, interview, rubric, "answer", DETAILED, "client-1", 4000)
    assert created and not created_again and first.id == again.id
    assert len(staff_turns(session, interview)) == 1


def test_answer_is_committed_before_the_reply_and_a_restart_resumes(engine, rubric, started):
    _, _, interview = started
    with Session(engine) as s1:
        iv = s1.get(Interview, interview.id)
        actions.respond(s1, iv, rubric, "answer", DETAILED, "c-crash", 4000)
        # the process dies here, before the interviewer's reply is written
    with Session(engine) as s2:
        iv = s2.get(Interview, interview.id)
        assert len(staff_turns(s2, iv)) == 1
        new = actions.advance(s2, iv, rubric)
        assert [t.kind for t in new] == ["ack", "question"]
        assert new[-1].question_id == iv.plan[1]
        assert actions.advance(s2, iv, rubric) == []  # nothing more to say until the next answer


def test_empty_and_too_long_answers_are_refused_and_nothing_is_stored(session, rubric, started):
    _, _, interview = started
    with pytest.raises(AnswerError, match="type an answer"):
        actions.respond(session, interview, rubric, "answer", "   ", "c-empty", 4000)
    with pytest.raises(AnswerError, match="4,001 characters"):
        actions.respond(session, interview, rubric, "answer", "x" * 4001, "c-long", 4000)
    assert staff_turns(session, interview) == []


def test_html_is_stored_exactly_as_typed(session, rubric, started):
    _, _, interview = started
    text = "<script>alert('x')</script> & <b>bold</b>"
    turn, _ = actions.respond(session, interview, rubric, "answer", text, "c-html", 4000)
    session.expire_all()
    assert session.get(Turn, turn.id).text == text


def test_edit_supersedes_and_retires_old_evidence(session, rubric, started):
    _, participant, interview = started
    turn, _ = actions.respond(session, interview, rubric, "answer", DETAILED, "c-1", 4000)
    actions.advance(session, interview, rubric)
    seg = Segment(
        engagement_id=participant.engagement_id,
        participant_id=participant.id,
        turn_id=turn.id,
        text=DETAILED,
        text_hash="h",
        component="data_life_cycle",
        original_component="data_life_cycle",
    )
    session.add(seg)
    session.commit()
    new = actions.edit(session, interview, rubric, turn.id, "answer", "Now we use an API, every night.", "c-edit", 4000)
    assert new.supersedes_id == turn.id and session.get(Turn, turn.id).text == DETAILED
    session.refresh(seg)
    assert seg.active is False
    items = actions.review_items(interview, actions.load_turns(session, interview), rubric)
    assert items[0].answers[0].text == "Now we use an API, every night."
    # editing the original again edits the latest version
    newer = actions.edit(session, interview, rubric, turn.id, "skip", "", "c-edit-2", 4000)
    assert newer.supersedes_id == new.id


def test_withdrawal_excludes_evidence_and_closes_the_link(session, rubric, started):
    token, participant, interview = started
    session.add(
        Segment(
            engagement_id=participant.engagement_id,
            participant_id=participant.id,
            text="x",
            text_hash="h",
            component="equity_lens",
            original_component="equity_lens",
        )
    )
    session.commit()
    actions.withdraw(session, participant, interview)
    assert all(not s.active for s in session.exec(select(Segment).where(Segment.participant_id == participant.id)))
    with pytest.raises(LinkError) as err:
        actions.participant_for_token(session, token)
    assert err.value.status == 410


def test_unknown_and_expired_links(session, rubric):
    with pytest.raises(LinkError) as err:
        actions.participant_for_token(session, "no-such-token")
    assert err.value.status == 404
    engagement = make_engagement(session)
    token = invite(session, engagement)
    participant = session.exec(select(Participant)).one()
    participant.expires_at = utcnow() - timedelta(days=1)
    session.add(participant)
    session.commit()
    with pytest.raises(LinkError) as err:
        actions.participant_for_token(session, token)
    assert err.value.status == 410 and "expired" in err.value.message


def test_submit_is_idempotent_and_closes_answering(session, rubric, started):
    _, participant, interview = started
    actions.submit(session, interview, participant)
    actions.submit(session, interview, participant)
    assert interview.state == "submitted"
    with pytest.raises(AnswerError):
        actions.respond(session, interview, rubric, "answer", DETAILED, "late", 4000)


def test_a_reply_decided_on_stale_turns_is_not_written(engine, session, rubric, started):
    """A second request that read the turns before the reply was written decides again on what is stored."""
    _, _, interview = started
    actions.respond(session, interview, rubric, "answer", DETAILED, "c-stale", 4000)
    stale = actions.load_turns(session, interview)  # ends with the answer: a reply is due
    assert [t.kind for t in actions.advance(session, interview, rubric, turns=stale)] == ["ack", "question"]
    stored = session.get(Interview, interview.id).coverage
    with Session(engine) as other:  # the second request, still holding the turns it read before the reply
        iv = other.get(Interview, interview.id)
        assert actions.advance(other, iv, rubric, turns=[other.get(Turn, t.id) for t in stale]) == []
    turns = actions.load_turns(session, interview)
    assert [t.kind for t in turns].count("question") == 2 and turns[-1].kind == "question"
    with Session(engine) as fresh:
        assert fresh.get(Interview, interview.id).coverage == stored


def test_viewing_a_waiting_interview_writes_nothing(engine, session, rubric, started):
    _, _, interview = started
    before = session.get(Interview, interview.id).updated_at
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        turns = actions.load_turns(session, interview)
        assert actions.advance(session, interview, rubric, turns=turns) == []
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert [s.split(None, 1)[0] for s in statements] == ["SELECT"]  # the turns read above, no write
    with Session(engine) as fresh:
        assert fresh.get(Interview, interview.id).updated_at == before


def test_no_to_a_request_for_an_example_is_asked_once_more_in_other_words_then_accepted(session, rubric, started):
    """Issue 30, through the real interview: a polished non-answer gets a request for an example; "No."
    to it gets one more follow-up, worded differently; a second "No." is accepted and the interview
    moves on, so nobody is trapped."""
    _, _, interview = started
    first_question = actions.load_turns(session, interview)[-1]
    polished = (
        "Accuracy is something we take very seriously here. Everyone on the team understands that good "
        "decisions depend on good information, and we all hold ourselves to a high standard."
    )
    actions.respond(session, interview, rubric, "answer", polished, "c-polished", 4000)
    (probe1,) = actions.advance(session, interview, rubric)
    assert probe1.kind == "probe" and probe1.probe_index == 1 and probe1.text in rubric.probes.vague
    actions.respond(session, interview, rubric, "answer", "No.", "c-no-1", 4000)
    (probe2,) = actions.advance(session, interview, rubric)
    assert probe2.kind == "probe" and probe2.probe_index == 2 and probe2.text != probe1.text
    actions.respond(session, interview, rubric, "answer", "No.", "c-no-2", 4000)
    new = actions.advance(session, interview, rubric)
    assert [t.kind for t in new] == ["ack", "question"]
    assert new[1].question_id == interview.plan[1] != first_question.question_id
    stored = [t.text for t in staff_turns(session, interview)]
    assert stored == [polished, "No.", "No."]  # every answer kept
