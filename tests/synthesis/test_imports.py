"""CSV import of survey answers: good files become evidence, broken files import nothing."""

from __future__ import annotations

import pytest
from sqlmodel import Session, col, func, select

from assistant.models import Engagement, Participant, Run, Segment, SurveyImport
from assistant.records.imports import CSVImportError, ImportFile, Mapping, import_csv, import_in_background
from assistant.synthesis.run import synthesize

COMPONENTS = ["data_life_cycle", "governance_structures", "equity_lens"]


def engagement(session) -> Engagement:
    eng = Engagement(organisation="Importville", departments=["Finance", "Parks"], role_levels=["frontline"])
    session.add(eng)
    session.commit()
    return eng


def count(session, model) -> int:
    return session.exec(select(func.count()).select_from(model)).one()


def test_import_rows_become_participants_and_segments(session):
    eng = engagement(session)
    data = (
        "respondent,answer,dept,role,topic\n"
        "r1,We email spreadsheets around every week.,Finance,frontline,data_life_cycle\n"
        "r1,  Nobody owns the budget data.  ,Finance,frontline,governance_structures\n"
        "r2,n/a,Parks,manager,data_life_cycle\n"
        "r3,Park maps are out of date.,Parks,manager,data_life_cycle\n"
    ).encode("utf-8-sig")
    mapping = Mapping(
        text_column="answer",
        component_column="topic",
        id_column="respondent",
        department_column="dept",
        role_column="role",
    )
    record = import_csv(session, eng.id, ImportFile(data, "survey.csv", mapping, COMPONENTS))
    session.commit()
    assert record.rows == 3 and record.mapping["non_answers"] == 1
    people = session.exec(select(Participant).where(Participant.engagement_id == eng.id)).all()
    assert {p.external_id for p in people} == {"r1", "r3"}  # r1 twice is one person; r2 said only "n/a"
    assert all(p.source == "import" and p.withdrawn_at is None for p in people)
    segs = session.exec(select(Segment).where(Segment.import_id == record.id).order_by(Segment.id)).all()
    assert [s.text for s in segs] == [
        "We email spreadsheets around every week.",
        "Nobody owns the budget data.",
        "Park maps are out of date.",
    ]
    assert [s.component for s in segs] == ["data_life_cycle", "governance_structures", "data_life_cycle"]
    assert all(s.source == "import" for s in segs)


@pytest.mark.parametrize(
    "data, mapping, message",
    [
        ("answer\nfine\n".encode("utf-16"), Mapping("answer", component="data_life_cycle"), "not UTF-8"),
        (
            b"text,dept\nhello there,Finance\n",
            Mapping("answer", component="data_life_cycle"),
            "column 'answer' is not in the file",
        ),
        (
            b"answer,topic\nWe email files.,data_life_cycle\n,,\nOther text here.,nonsense\n,data_life_cycle\n",
            Mapping("answer", component_column="topic"),
            "line 3: empty row",
        ),
        (b"answer\nWe email files.\n", Mapping("answer", component="made_up"), "Unknown component 'made_up'"),
        (b"", Mapping("answer", component="data_life_cycle"), "empty"),
        (b"answer\n", Mapping("answer", component="data_life_cycle"), "no answers"),
    ],
)
def test_broken_files_import_nothing(session, data, mapping, message):
    eng = engagement(session)
    with pytest.raises(CSVImportError) as err:
        import_csv(session, eng.id, ImportFile(data, "bad.csv", mapping, COMPONENTS))
    session.rollback()
    assert message in str(err.value)
    assert count(session, Segment) == 0 and count(session, Participant) == 0 and count(session, SurveyImport) == 0


def test_problems_are_listed_row_by_row(session):
    eng = engagement(session)
    data = b"answer,topic\nWe email files.,data_life_cycle\n,,\nOther text here.,nonsense\n,data_life_cycle\n"
    with pytest.raises(CSVImportError) as err:
        import_csv(
            session, eng.id, ImportFile(data, "bad.csv", Mapping("answer", component_column="topic"), COMPONENTS)
        )
    assert [p.split(":")[0] for p in err.value.problems] == ["line 3", "line 4", "line 5"]
    assert "unknown component 'nonsense'" in err.value.problems[1]


def test_file_over_the_size_limit_is_refused_before_reading(session):
    eng = engagement(session)
    with pytest.raises(CSVImportError, match="limit is"):
        big = ImportFile(
            b"answer\n" + b"x" * 2000, "big.csv", Mapping("answer", component="data_life_cycle"), COMPONENTS, 1000
        )
        import_csv(session, eng.id, big)


def test_imported_answers_are_themed_like_interview_answers(engine, session, embedder, rubric):
    eng = engagement(session)
    lines = ["id,answer,dept"]
    topics = [
        "Our {} data lives in spreadsheets that are emailed back and forth.",
        "The {} system and the finance system do not talk to each other.",
    ]
    words = ["permit", "payroll", "fleet", "water", "library", "zoning", "grant", "tree", "street", "budget"]
    for i, w in enumerate(words):
        for t in topics:
            lines.append(f"p{i},{t.format(w)},{'Finance' if i % 2 else 'Parks'}")
    mapping = Mapping("answer", component="data_life_cycle", id_column="id", department_column="dept")
    import_csv(session, eng.id, ImportFile("\n".join(lines).encode(), "s.csv", mapping, COMPONENTS))
    session.commit()
    stats = synthesize(engine, eng.id, embedder, rubric=rubric)
    assert stats["segments"] == 20
    assert stats["components"]["data_life_cycle"]["themes"] >= 1


def test_background_import_commits_in_batches_and_shows_rows_only_when_done(engine, session):
    eng = Engagement(organisation="Batchville", departments=["Finance"], role_levels=["frontline"])
    session.add(eng)
    session.commit()
    rows = "\n".join(f"r{i},Our budget spreadsheet number {i} is emailed around every month." for i in range(7))
    seen: list[tuple[str, int, int]] = []

    def watch(fraction: float, message: str) -> None:
        # each batch is committed (other connections see it) but none is evidence before the end
        with Session(engine) as s:
            written = s.exec(select(func.count()).select_from(Segment).where(Segment.engagement_id == eng.id)).one()
            active = s.exec(
                select(func.count())
                .select_from(Segment)
                .where(Segment.engagement_id == eng.id, col(Segment.active).is_(True))
            ).one()
        seen.append((message, written, active))

    mapping = Mapping(text_column="comment", id_column="id", component="data_life_cycle")
    file = ImportFile(f"id,comment\n{rows}\n".encode(), "budget.csv", mapping, ["data_life_cycle"])
    stats = import_in_background(engine, eng.id, file, batch=2, on_progress=watch)
    assert stats["rows"] == 7
    batches = [(w, a) for m, w, a in seen if m.startswith("Imported ") and " of " in m]
    assert batches == [(2, 0), (4, 0), (6, 0), (7, 0)]
    with Session(engine) as s:
        assert (
            s.exec(
                select(func.count())
                .select_from(Segment)
                .where(Segment.engagement_id == eng.id, col(Segment.active).is_(True))
            ).one()
            == 7
        )
        run = s.exec(select(Run).where(Run.engagement_id == eng.id, Run.kind == "import")).one()
        assert run.status == "done" and "Imported 7 answers" in run.message


def test_a_background_import_with_a_bad_row_writes_nothing(engine, session):
    eng = Engagement(organisation="Badville", departments=["Finance"], role_levels=["frontline"])
    session.add(eng)
    session.commit()
    with pytest.raises(CSVImportError):
        data = b"comment,component\nFine answer about data.,data_life_cycle\nAnother answer.,no_such_component\n"
        mapping = Mapping(text_column="comment", component_column="component")
        import_in_background(engine, eng.id, ImportFile(data, "bad.csv", mapping, ["data_life_cycle"]))
    with Session(engine) as s:
        assert not s.exec(select(Segment).where(Segment.engagement_id == eng.id)).all()
        assert not s.exec(select(SurveyImport).where(SurveyImport.engagement_id == eng.id)).all()
        assert s.exec(select(Run).where(Run.engagement_id == eng.id)).one().status == "failed"
