"""No query can link a person across assessments without a linking consent on both sides: the schema
refuses the row (composite foreign keys to Consent and a check constraint), whatever code writes it."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from assistant.models import Consent, ParticipantLink
from assistant.models.followup import LINK_PURPOSE
from tests.factories import make_engagement, seed_groups


@pytest.fixture
def two_people(session):
    first, second = make_engagement(session, "Wave one"), make_engagement(session, "Wave two")
    seed_groups(session, first, {"Finance": 1})
    seed_groups(session, second, {"Finance": 1})
    session.commit()
    earlier = session.exec(text("SELECT id FROM participant WHERE engagement_id = :e").bindparams(e=first.id)).one()[0]
    later = session.exec(text("SELECT id FROM participant WHERE engagement_id = :e").bindparams(e=second.id)).one()[0]
    return earlier, later


def _consent(session, participant_id: int, given: bool, purpose: str) -> Consent:
    row = Consent(participant_id=participant_id, given=given, version="test", purpose=purpose)
    session.add(row)
    session.flush()
    return row


def _link(session, earlier, later, c1, c2, **over):
    values = dict(earlier_id=earlier, later_id=later, earlier_consent_id=c1.id, later_consent_id=c2.id)
    session.add(ParticipantLink(**(values | over)))
    session.flush()


def test_a_link_with_both_consents_is_stored(session, two_people):
    earlier, later = two_people
    _link(
        session,
        earlier,
        later,
        _consent(session, earlier, True, LINK_PURPOSE),
        _consent(session, later, True, LINK_PURPOSE),
    )
    session.commit()
    assert session.exec(text("SELECT count(*) FROM participantlink")).one()[0] == 1


@pytest.mark.parametrize(
    "case",
    ["declined", "interview_consent_only", "someone_elses_consent", "claims_given", "no_consent_row"],
)
def test_the_schema_refuses_a_link_without_consent_on_both_sides(session, two_people, case):
    earlier, later = two_people
    ok = _consent(session, earlier, True, LINK_PURPOSE)
    other = {
        "declined": lambda: _consent(session, later, False, LINK_PURPOSE),
        "interview_consent_only": lambda: _consent(session, later, True, "interview"),
        "someone_elses_consent": lambda: _consent(session, earlier, True, LINK_PURPOSE),
    }
    with pytest.raises(IntegrityError):
        if case in other:
            _link(session, earlier, later, ok, other[case]())
        elif case == "claims_given":  # the row says "given" but the consent it names was declined
            declined = _consent(session, later, False, LINK_PURPOSE)
            _link(session, earlier, later, ok, declined, later_given=True)
        else:
            session.execute(
                text(
                    "INSERT INTO participantlink (earlier_id, later_id, earlier_consent_id, later_consent_id,"
                    " earlier_given, later_given, earlier_purpose, later_purpose, created_at)"
                    " VALUES (:e, :l, :c, 999999, :t, :t, 'link', 'link', CURRENT_TIMESTAMP)"
                ),
                {"e": earlier, "l": later, "c": ok.id, "t": True},
            )
            session.flush()
    session.rollback()
