"""Each quote once in a document (issue 28): near-identical words by embedding (``assistant.sameness``,
the real all-MiniLM model) count once with the number of people who said them, and the evidence
appendix attributes such a quote to every speaker's disclosure unit, or to none when one would stand
for fewer than k people."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from assistant.embeddings import text_hash
from assistant.models import Engagement, Participant, Segment
from assistant.report.quotes import QuoteBook
from assistant.report.sources import read_sources
from tests.factories import make_engagement

pytestmark = pytest.mark.db

SAID = "There is no data dictionary, so everyone defines the fields their own way."
REWORDED = "There's no data dictionary, so everybody defines the fields their own way."  # cosine 0.997
WEEKS = "It takes about two weeks to get a new report from the vendor."
MONTHS = "It takes about six months to get a new report from the vendor."  # cosine 0.985: another statement


def _say(session: Session, engagement: Engagement, dept: str, role: str, text: str, consent: bool = True) -> int:
    person = Participant(
        engagement_id=engagement.id, department=dept, role_level=role, source="invite", quote_consent=consent
    )
    session.add(person)
    session.flush()
    seg = Segment(
        engagement_id=engagement.id,
        participant_id=person.id,
        text=text,
        text_hash=text_hash(text),
        component="data_life_cycle",
        original_component="data_life_cycle",
    )
    session.add(seg)
    session.flush()
    return seg.id


def _crowd(session: Session, engagement: Engagement, dept: str, role: str, n: int) -> None:
    for i in range(n):
        _say(session, engagement, dept, role, f"Our {dept} team reports figure {i} to the board every quarter.")


@pytest.fixture
def engagement(session) -> Engagement:
    engagement = make_engagement(session)  # k = 5
    _crowd(session, engagement, "Finance", engagement.role_levels[0], 5)
    _crowd(session, engagement, "Parks", engagement.role_levels[-1], 5)
    session.commit()
    return engagement


def test_near_identical_words_are_one_quote_said_by_two_people(session, engagement, rubric, embedder):
    first = _say(session, engagement, "Finance", engagement.role_levels[0], SAID)
    second = _say(session, engagement, "Parks", engagement.role_levels[-1], REWORDED)
    weeks = _say(session, engagement, "Finance", engagement.role_levels[0], WEEKS)
    months = _say(session, engagement, "Parks", engagement.role_levels[-1], MONTHS)
    session.commit()
    src = read_sources(session, engagement, rubric)

    book = QuoteBook(src, embedder)
    assert book.canonical(second) == first
    assert book.canonical(months) == months != book.canonical(weeks)  # a different number is another statement
    quote = book.take(second, "the findings")
    assert quote is not None and quote.ref == f"E-{first}" and quote.people == 2 and quote.text == SAID
    assert not book.quotable(first) and book.take(first, "the readiness section") is None  # never printed twice
    entry = next(e for e in book.appendix({}) if e.ref == f"E-{first}")
    assert entry.people == 2
    # the appendix names both speakers' groups (each a unit of at least k), not the first speaker's alone
    assert entry.department == "Finance; Parks"
    assert entry.role_level == f"{engagement.role_levels[0]}; {engagement.role_levels[-1]}"

    # without the embedding model only words equal once normalised are one quote
    plain = QuoteBook(src)
    assert plain.canonical(second) == second and plain.take(second, "the findings").people == 1


def test_a_pooled_quote_names_no_group_that_would_stand_for_fewer_than_k(session, rubric, embedder):
    engagement = make_engagement(session, "Small Town")
    first = _say(session, engagement, "Finance", engagement.role_levels[0], SAID)
    _say(session, engagement, "Parks", engagement.role_levels[-1], REWORDED)
    _say(session, engagement, "Parks", engagement.role_levels[0], WEEKS)
    session.commit()
    book = QuoteBook(read_sources(session, engagement, rubric), embedder)
    book.cite(first, "data_life_cycle")
    (entry,) = book.appendix({"data_life_cycle": "Data Life Cycle"})
    assert entry.people == 2 and (entry.department, entry.role_level) == ("", "")
