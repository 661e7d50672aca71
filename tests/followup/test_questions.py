"""Answers to the same question in two assessments: shares then and now per indicator, Cohen's h with
its reading, suppressed with the engagement's k on every wave and every difference; hand-computed on a
seeded pair of assessments, on the stage, the compare page's data, ``dm3 compare``'s JSON and the
progress report."""

from __future__ import annotations

import io
import math

import pytest
from docx import Document

from assistant.followup.compare import compare
from assistant.followup.questions import cohens_h, reading
from assistant.report.progress import build_progress_report, progress_docx
from assistant.views.followup import compare_json, compare_page
from tests.factories import DLC, seed_pulse_questions


@pytest.fixture
def asked(session, rubric):
    return seed_pulse_questions(session, rubric)


def test_cohens_h_and_its_reading():
    assert cohens_h(0.25, 0.75) == pytest.approx(math.pi / 3)  # 2·asin(√.75) − 2·asin(√.25) = 2π/3 − π/3
    assert cohens_h(0.5, 0.75) == pytest.approx(math.pi / 6)
    assert cohens_h(0.75, 0.25) == pytest.approx(-math.pi / 3)
    assert [reading(h) for h in (0.0, 0.19, -0.2, 0.49, 0.5, 0.79, -0.8, 1.5)] == [
        "negligible",
        "negligible",
        "small",
        "small",
        "medium",
        "medium",
        "large",
        "large",
    ]


def test_the_raw_changes_are_the_hand_counted_ones(session, rubric, asked):
    first, second = asked
    rows = {(q.question, q.indicator): q for q in compare(session, first, second, rubric).questions}
    # only questions asked in both in the same words: dlc_q2 was reworded
    assert list(rows) == [
        ("dlc_q1", "dlc_flow"),
        ("dlc_q1", "dlc_standards"),
        ("dlc_q4", "dlc_use"),
        ("dlc_q4", "dlc_flow"),
        ("dlc_q5", "dlc_use"),
    ]
    flow = rows[("dlc_q1", "dlc_flow")]
    assert (flow.then.respondents, flow.then.supporters, flow.now.respondents, flow.now.supporters) == (20, 5, 20, 15)
    assert (flow.then.level, flow.now.level) == (2, 3)
    assert flow.h == pytest.approx(math.pi / 3)
    assert rows[("dlc_q4", "dlc_use")].now.respondents == 4


def test_the_page_and_the_json_suppress_with_k_on_every_wave_and_difference(session, rubric, asked):
    first, second = asked
    page = compare_page(session, second, first, rubric)
    shown = {(q.question, q.indicator): q for q in page.questions}
    flow = shown[("dlc_q1", "dlc_flow")]
    # 25% of 20 -> 75% of 20: h = π/3 = 1.047, large; 10 more people support it (at least k = 5)
    assert (flow.then_share, flow.now_share, flow.then_people, flow.now_people) == (0.25, 0.75, 20, 20)
    assert flow.h == pytest.approx(1.0472, abs=1e-4) and flow.reading == "large"
    assert flow.indicator_name == next(i.name for i in rubric.component(DLC).indicators if i.id == "dlc_flow")
    # standards: 10 -> 12 supporting, a change of 2 people (< k): the later share and h are not shown
    standards = shown[("dlc_q1", "dlc_standards")]
    assert (standards.then_share, standards.now_share, standards.h) == (0.5, None, None)
    # use: 50% -> 75%: h = π/6 = 0.524, medium
    use = shown[("dlc_q5", "dlc_use")]
    assert use.h == pytest.approx(0.5236, abs=1e-4) and use.reading == "medium"
    # dlc_q4: 4 people now (< k): their number, share and the effect size are not shown; 0% of 20 then is
    q4 = shown[("dlc_q4", "dlc_use")]
    assert (q4.then_people, q4.then_share, q4.now_people, q4.now_share, q4.h) == (20, 0.0, None, None, None)

    data = compare_json(session, page.comparison, rubric)
    assert set(data) == {"levels", "themes", "roadmap", "questions"}
    row = next(r for r in data["questions"] if (r["question"], r["indicator"]) == ("dlc_q1", "dlc_flow"))
    assert row == {
        "component": DLC,
        "question": "dlc_q1",
        "text": rubric.component(DLC).questions[0].text,
        "indicator": "dlc_flow",
        "a_people": 20,
        "b_people": 20,
        "a_share": 0.25,
        "b_share": 0.75,
        "a_level": 2,
        "b_level": 3,
        "effect_size": 1.047,
        "reading": "large",
    }
    hidden = next(r for r in data["questions"] if (r["question"], r["indicator"]) == ("dlc_q4", "dlc_use"))
    assert (hidden["b_people"], hidden["b_share"], hidden["effect_size"], hidden["reading"]) == (None, None, None, None)


def test_the_progress_report_carries_the_same_rows(session, rubric, asked):
    _first, second = asked
    report = build_progress_report(session, second, rubric)
    rows = {(q.question, q.indicator): q for q in report.questions}
    assert rows[("dlc_q1", "dlc_flow")].reading == "large" and rows[("dlc_q1", "dlc_standards")].h is None
    doc = Document(io.BytesIO(progress_docx(report)))
    cells = [c.text for table in doc.tables for r in table.rows for c in r.cells]
    assert "Answers to the same questions" in [p.text for p in doc.paragraphs]
    assert "+1.05 (large)" in cells and "75% of 20 people" in cells and "fewer than 5 people" in cells
    assert "share not shown (20 people)" in cells  # standards now: 20 people, the change of 2 hidden


def test_the_earlier_assessments_own_k_holds_when_the_later_one_lowered_it(session, rubric, asked):
    """A follow-up may lower k (5 here) where the earlier assessment kept a larger one (25): figures about
    the earlier wave, and changes, are suppressed with the larger, on the page, the JSON and the report."""
    from tests.factories import set_min_cell

    first, second = asked
    set_min_cell(session, first, 25)
    session.commit()
    page = compare_page(session, second, first, rubric)
    assert page.k == 25
    flow = next(q for q in page.questions if (q.question, q.indicator) == ("dlc_q1", "dlc_flow"))
    assert (flow.then_people, flow.then_share, flow.h) == (None, None, None)  # 20 people < 25
    row = next(r for r in compare_json(session, page.comparison, rubric)["questions"] if r["indicator"] == "dlc_flow")
    assert (row["a_people"], row["effect_size"]) == (None, None)
    report = build_progress_report(session, second, rubric)
    assert report.k == 25 and all(q.then_people is None for q in report.questions)
