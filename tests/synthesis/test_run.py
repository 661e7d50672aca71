"""The synthesis stage on a real SQLite file with the real embedding model."""

from __future__ import annotations

from sqlmodel import col, select

from assistant.models import AuditEvent, Run, Segment, Theme, ThemeMember, Turn, utcnow
from assistant.synthesis import curation
from assistant.synthesis.breakdown import breakdown
from assistant.synthesis.run import synthesize
from tests.synthesis.seed import TOPICS, add_person, seed


def live_themes(session, engagement_id, component=None):
    """Live top themes (sub-themes hold no members of their own)."""
    q = select(Theme).where(
        Theme.engagement_id == engagement_id, col(Theme.archived).is_(False), col(Theme.parent_id).is_(None)
    )
    if component:
        q = q.where(Theme.component == component)
    return list(session.exec(q.order_by(Theme.id)).all())


def members(session, theme_id):
    return list(
        session.exec(
            select(Segment)
            .join(ThemeMember, ThemeMember.segment_id == Segment.id)
            .where(ThemeMember.theme_id == theme_id)
        ).all()
    )


def test_themes_per_component_with_members_and_distinct_quotes(engine, session, embedder, rubric):
    data = seed(session)
    stats = synthesize(engine, data.engagement.id, embedder, rubric=rubric)
    session.expire_all()
    assert stats["segments"] == 16 * 6
    assert stats["embedded"] == 16 * 6
    for component in TOPICS:
        themes = [t for t in live_themes(session, data.engagement.id, component) if not t.is_other]
        assert 2 <= len(themes) <= 10, [t.label for t in themes]
        covered = sum(len(members(session, t.id)) for t in live_themes(session, data.engagement.id, component))
        assert covered == 48  # every segment is in a theme or in other voices: nothing dropped
        other = sum(
            len(members(session, t.id)) for t in live_themes(session, data.engagement.id, component) if t.is_other
        )
        assert other <= 0.15 * 48
        for theme in themes:
            segs = members(session, theme.id)
            assert segs and theme.label and theme.keywords and theme.summary
            assert 3 <= len(theme.quote_ids) <= 5 or len(theme.quote_ids) == len({s.participant_id for s in segs})
            quoted = [session.get(Segment, q) for q in theme.quote_ids]
            assert len({q.participant_id for q in quoted}) == len(quoted)  # people, not mentions
            assert {q.id for q in quoted} <= {s.id for s in segs}
            # each theme holds one topic: its segments share the topic's template words
            assert len({s.question_id for s in segs}) == 1, [s.text for s in segs]
    run = session.get(Run, stats["run_id"])
    assert run.status == "done" and run.progress == 1.0 and run.stats["segments"] == 96


def test_segment_spans_are_verbatim(engine, session, embedder, rubric):
    data = seed(session, people=6)
    eng = data.engagement
    _, turns = add_person(
        session,
        eng,
        "Finance",
        "manager",
        {
            (
                "data_life_cycle",
                "data_life_cycle.q9",
            ): "  We export the payroll figures to Excel every single week.\n"
            "Then someone retypes it into the ledger by hand!  ",
        },
    )
    session.commit()
    synthesize(engine, eng.id, embedder, rubric=rubric, segment_mode="sentence")
    session.expire_all()
    segs = session.exec(select(Segment).where(Segment.engagement_id == eng.id)).all()
    assert segs
    for seg in segs:
        turn = session.get(Turn, seg.turn_id)
        assert turn.text[seg.start : seg.end] == seg.text
    mine = [s for s in segs if s.turn_id == turns[0].id]
    assert [s.text for s in mine] == [
        "We export the payroll figures to Excel every single week.",
        "Then someone retypes it into the ledger by hand!",
    ]


def test_withdrawn_and_unsubmitted_and_superseded_text_never_appears(engine, session, embedder, rubric):
    data = seed(session, people=8)
    eng = data.engagement
    secret = "The withdrawn person says the permit database is a shoebox of paper forms."
    leaver, _ = add_person(session, eng, "Parks", "frontline", {("data_life_cycle", "data_life_cycle.q0"): secret})
    draft = "An unsubmitted draft about spreadsheets emailed to the wrong people."
    add_person(
        session, eng, "Parks", "frontline", {("data_life_cycle", "data_life_cycle.q0"): draft}, state="in_progress"
    )
    editor, turns = add_person(
        session,
        eng,
        "Finance",
        "frontline",
        {("data_life_cycle", "data_life_cycle.q0"): "Old wording about records in spreadsheets."},
    )
    session.add(
        Turn(
            interview_id=turns[0].interview_id,
            role="staff",
            kind="answer",
            question_id="data_life_cycle.q0",
            component="data_life_cycle",
            text="New wording: our records live in emailed spreadsheets.",
            supersedes_id=turns[0].id,
        )
    )
    session.commit()
    synthesize(engine, eng.id, embedder, rubric=rubric)
    session.expire_all()
    texts = {
        s.text
        for s in session.exec(
            select(Segment).where(Segment.engagement_id == eng.id, col(Segment.active).is_(True))
        ).all()
    }
    assert secret in texts and draft not in texts
    assert "Old wording about records in spreadsheets." not in texts
    assert "New wording: our records live in emailed spreadsheets." in texts
    # the person withdraws: the next run drops their text from every theme
    leaver.withdrawn_at = utcnow()
    session.add(leaver)
    session.commit()
    stats = synthesize(engine, eng.id, embedder, rubric=rubric)
    assert stats["segments_refresh"]["deactivated"] == 1
    session.expire_all()
    for theme in live_themes(session, eng.id):
        assert secret not in {s.text for s in members(session, theme.id)}
        assert secret not in theme.summary and secret not in theme.label


def test_curation_survives_a_rerun_and_new_answers_join_curated_themes(engine, session, embedder, rubric):
    data = seed(session, people=12)
    eng = data.engagement
    synthesize(engine, eng.id, embedder, rubric=rubric)
    session.expire_all()
    comp = "data_life_cycle"
    themes = [t for t in live_themes(session, eng.id, comp) if not t.is_other]
    spreadsheets = next(t for t in themes if "spreadsheets" in " ".join(s.text for s in members(session, t.id)))
    curation.rename(session, spreadsheets.id, "Spreadsheets passed around by email")
    curation.edit_summary(session, spreadsheets.id, "Staff email spreadsheet copies; versions multiply.")
    others = [t for t in themes if t.id != spreadsheets.id]
    merged = curation.merge(session, others[0].id, others[1].id) if len(others) > 1 else None
    session.commit()
    size_before = len(members(session, spreadsheets.id))
    assert session.exec(select(AuditEvent).where(AuditEvent.action == "theme.rename")).first() is not None
    # two new interviews arrive, one about spreadsheets
    add_person(
        session,
        eng,
        "Finance",
        "manager",
        {
            (
                comp,
                f"{comp}.q0",
            ): "We keep our records in housing spreadsheets that get emailed around, so versions multiply.",
        },
    )
    session.commit()
    stats = synthesize(engine, eng.id, embedder, rubric=rubric)
    assert stats["embedded"] == 1  # only the new answer
    session.expire_all()
    kept = session.get(Theme, spreadsheets.id)
    assert not kept.archived and kept.label == "Spreadsheets passed around by email"
    assert kept.summary == "Staff email spreadsheet copies; versions multiply."
    assert len(members(session, kept.id)) == size_before + 1
    assert kept.changes["added"] == 1 and kept.changes["removed"] == 0 and kept.changes["run_id"] == stats["run_id"]
    if merged is not None:
        assert not session.get(Theme, merged.id).archived


def test_move_and_split(engine, session, embedder, rubric):
    data = seed(session, people=12)
    eng = data.engagement
    synthesize(engine, eng.id, embedder, rubric=rubric)
    session.expire_all()
    themes = [t for t in live_themes(session, eng.id, "governance_structures") if not t.is_other]
    a, b = themes[0], themes[1]
    seg = members(session, a.id)[0]
    curation.move_segment(session, seg.id, b.id)
    session.commit()
    assert seg.id in {s.id for s in members(session, b.id)}
    size = len(members(session, b.id))
    kept, new = curation.split(session, b.id, embedder)
    session.commit()
    assert len(members(session, kept.id)) + len(members(session, new.id)) == size
    assert new.curated and kept.curated and new.component == kept.component
    synthesize(engine, eng.id, embedder, rubric=rubric)
    session.expire_all()
    assert seg.id in {s.id for s in members(session, kept.id)} | {s.id for s in members(session, new.id)}


def test_breakdown_counts_people_and_suppresses_small_cells():
    rows = [(p, "Finance", "frontline") for p in range(6)] + [(6, "Parks", "manager"), (6, "Parks", "manager")]
    rows += [(p, "Police", "manager") for p in range(7, 14)]
    b = breakdown(rows, k=5)
    assert b.people == 14 and b.segments == 15
    assert b.by_department["Parks"] == "fewer than 5"
    # one hidden cell could be worked out from the total, so the next smallest hides too ("not shown":
    # hidden only to protect Parks)
    assert b.by_department["Finance"] == "not shown" and b.by_department["Police"] == 7
    assert b.by_role == {"frontline": 6, "manager": 8}


def test_moving_a_segment_to_other_voices_takes_it_out_of_its_theme(engine, session, embedder, rubric):
    data = seed(session, people=12)
    eng = data.engagement
    synthesize(engine, eng.id, embedder, rubric=rubric)
    session.expire_all()
    comp = "data_life_cycle"
    theme = next(t for t in live_themes(session, eng.id, comp) if not t.is_other)
    other = next(t for t in live_themes(session, eng.id, comp) if t.is_other)
    seg = members(session, theme.id)[0]
    curation.move_segment(session, seg.id, other.id)
    session.commit()
    session.expire_all()
    assert seg.id not in {s.id for s in members(session, theme.id)}
    assert session.get(Theme, other.id).is_other  # still leftovers, not a consultant theme
    assert session.get(Theme, theme.id).curated


def test_a_theme_whose_quotes_all_moved_away_shows_quotes_picked_again_from_distinct_people(
    engine, session, embedder, rubric
):
    from assistant.views.themes import theme_view

    data = seed(session, people=12)
    eng = data.engagement
    synthesize(engine, eng.id, embedder, rubric=rubric)
    session.expire_all()
    comp = "data_life_cycle"
    theme = max(
        (t for t in live_themes(session, eng.id, comp) if not t.is_other), key=lambda t: len(members(session, t.id))
    )
    other = next(t for t in live_themes(session, eng.id, comp) if t.is_other)
    old_quotes = list(theme.quote_ids)
    for seg_id in old_quotes:
        curation.move_segment(session, seg_id, other.id)
    session.commit()
    session.expire_all()
    view = theme_view(session, session.get(Theme, theme.id))
    assert view.segments > 0 and view.quotes
    quoted = [q.segment for q in view.quotes]
    assert not {s.id for s in quoted} & set(old_quotes)
    assert {s.id for s in quoted} <= {m.segment.id for m in view.members}
    assert len({s.participant_id for s in quoted}) == len(quoted) <= 5
    # the most typical member is always quoted
    assert view.members[0].segment.id in {s.id for s in quoted}


def test_progress_never_waits_behind_the_stages_own_writes(engine, session, embedder, rubric, caplog):
    """Progress is written in its own transaction; with SQLite's one writer, a report made while the
    stage holds uncommitted inserts (the new embeddings) waited out the busy timeout and was lost."""
    data = seed(session)
    reports: list[str] = []
    synthesize(engine, data.engagement.id, embedder, rubric=rubric, on_progress=lambda _f, msg: reports.append(msg))
    assert any(r.startswith("Checking the components of 96 segments") for r in reports), reports
    assert not [r for r in caplog.records if "could not write its state" in r.getMessage()]
