"""Theme pages over HTTP: background synthesis run, component pages, theme detail, curation, CSV import.

Real app, real SQLite file, real embedding model (synthesis runs in the app's background worker).
"""

from __future__ import annotations

import re

import pytest
from sqlmodel import Session, col, select

from assistant.models import AuditEvent, Participant, Run, Segment, SurveyImport, Theme, ThemeMember, Upload, utcnow
from assistant.synthesis.labels import is_phrase_label
from tests.factories import wait_for_run
from tests.synthesis.seed import seed


@pytest.fixture
def seeded(session):
    return seed(session, people=16)


@pytest.fixture
def synthesized(consultant_client, seeded, engine):
    eid = seeded.engagement.id
    r = consultant_client.post(
        f"/engagements/{eid}/themes/run", data={"csrf_token": consultant_client.csrf}, follow_redirects=False
    )
    assert r.status_code == 303 and "started=1" in r.headers["location"]
    panel = wait_for_run(consultant_client, eid, "synthesis")
    assert "Last run finished" in panel, panel
    return seeded


def component_html(client, eid: int, comp: str) -> str:
    r = client.get(f"/engagements/{eid}/themes/c/{comp}")
    assert r.status_code == 200
    return r.text


def test_run_in_background_then_themes_per_component(consultant_client, synthesized, engine):
    eid = synthesized.engagement.id
    with Session(engine) as s:
        run = s.exec(select(Run).where(Run.engagement_id == eid, Run.kind == "synthesis")).one()
        assert run.status == "done" and run.started_by is not None
        assert run.stats["segments"] > 0
    overview = consultant_client.get(f"/engagements/{eid}/themes").text
    assert "Data Life Cycle" in overview and "Governance Structures" in overview
    html = component_html(consultant_client, eid, "data_life_cycle")
    # three clear topics -> themes with quotes, sizes, keywords, a chart and small cells suppressed
    assert html.count('class="card theme"') >= 2
    assert "<svg" in html and "people per theme" in html
    assert "fewer than 5" in html  # 4 people per department x role cell
    assert re.search(r"<strong>\d+</strong> segments from <strong>\d+</strong> people", html)
    assert "in context</a>" in html and "#answer-" in html
    # no identities: participant numbers only
    assert "@" not in re.sub(r"Log out \([^)]*\)", "", html)


def test_quote_links_open_the_transcript_at_the_answer(consultant_client, synthesized):
    eid = synthesized.engagement.id
    html = component_html(consultant_client, eid, "governance_structures")
    link = re.search(r'href="(/engagements/\d+/transcripts/P-[A-Z0-9]{6})#(answer-[^"]+)"', html)
    assert link
    transcript = consultant_client.get(link.group(1)).text
    assert f'id="{link.group(2)}"' in transcript


def test_double_click_starts_one_run(consultant_client, seeded, engine):
    eid = seeded.engagement.id
    first = consultant_client.post(
        f"/engagements/{eid}/themes/run", data={"csrf_token": consultant_client.csrf}, follow_redirects=False
    )
    second = consultant_client.post(
        f"/engagements/{eid}/themes/run", data={"csrf_token": consultant_client.csrf}, follow_redirects=False
    )
    assert "started=1" in first.headers["location"]
    # the second click finds the first still queued or running, unless it already finished
    with Session(engine) as s:
        runs = s.exec(select(Run).where(Run.engagement_id == eid)).all()
    assert len(runs) == (1 if "already=1" in second.headers["location"] else 2)
    wait_for_run(consultant_client, eid, "synthesis")


def test_run_requires_csrf_and_login(client, consultant_client, seeded):
    eid = seeded.engagement.id
    assert consultant_client.post(f"/engagements/{eid}/themes/run", data={}).status_code == 403
    anon = client.get(f"/engagements/{eid}/themes", follow_redirects=False)
    assert anon.status_code == 303 and anon.headers["location"].startswith("/login")


def test_a_run_whose_process_died_is_failed_by_the_next_worker_and_a_live_one_is_not(settings, engine, seeded):
    from datetime import timedelta

    from assistant.models import utcnow
    from assistant.web.app import create_app

    with Session(engine) as s:
        s.add(
            Run(
                engagement_id=seeded.engagement.id,
                kind="synthesis",
                status="running",
                progress=0.4,
                lease_holder="stopped-server:1:x",
                lease_expires_at=utcnow() - timedelta(seconds=1),
            )
        )
        s.add(
            Run(
                engagement_id=seeded.engagement.id,
                kind="rating",
                status="running",
                progress=0.4,
                lease_holder="other-server:2:y",
                lease_expires_at=utcnow() + timedelta(seconds=60),
            )
        )
        s.commit()
    app = create_app(settings)
    app.state.jobs.run_once()  # what the worker of any live process does every second
    with Session(engine) as s:
        runs = {r.kind: r for r in s.exec(select(Run)).all()}
    assert runs["synthesis"].status == "failed" and "run it again" in runs["synthesis"].message
    assert runs["rating"].status == "running"  # another server's live run is left alone


def _theme_ids(engine, eid: int, comp: str) -> list[int]:
    with Session(engine) as s:
        return [
            t.id
            for t in s.exec(
                select(Theme)
                .where(
                    Theme.engagement_id == eid,
                    Theme.component == comp,
                    col(Theme.archived).is_(False),
                    col(Theme.is_other).is_(False),
                )
                .order_by(Theme.id)
            ).all()
        ]


def test_curation_forms_and_audit(consultant_client, synthesized, engine):
    eid = synthesized.engagement.id
    c = consultant_client
    a, b = _theme_ids(engine, eid, "data_life_cycle")[:2]
    page = c.get(f"/engagements/{eid}/themes/t/{a}")
    assert page.status_code == 200 and "All segments" in page.text
    # rename: an empty label is refused with the reason, a good one is saved
    bad = c.post(f"/engagements/{eid}/themes/t/{a}/rename", data={"csrf_token": c.csrf, "label": "   "})
    assert bad.status_code == 422 and "1 to 120 characters" in bad.text
    ok = c.post(
        f"/engagements/{eid}/themes/t/{a}/rename",
        data={"csrf_token": c.csrf, "label": "Spreadsheets <b>everywhere</b>"},
    )
    assert ok.status_code == 200 and "Label saved." in ok.text
    assert "Spreadsheets &lt;b&gt;everywhere&lt;/b&gt;" in ok.text  # escaped, stored as typed
    c.post(f"/engagements/{eid}/themes/t/{a}/summary", data={"csrf_token": c.csrf, "summary": "Files emailed around."})
    # move one of b's segments into a
    with Session(engine) as s:
        seg_id = s.exec(select(ThemeMember.segment_id).where(ThemeMember.theme_id == b)).first()
    moved = c.post(
        f"/engagements/{eid}/themes/t/{b}/move",
        data={"csrf_token": c.csrf, "segment_id": str(seg_id), "target_id": str(a)},
    )
    assert moved.status_code == 200 and "Segment moved." in moved.text
    with Session(engine) as s:
        assert s.exec(select(ThemeMember).where(ThemeMember.segment_id == seg_id)).one().theme_id == a
    # merge b into a, then b's page says where it went
    merged = c.post(f"/engagements/{eid}/themes/t/{a}/merge", data={"csrf_token": c.csrf, "other_id": str(b)})
    assert merged.status_code == 200 and "Themes merged." in merged.text
    gone = c.get(f"/engagements/{eid}/themes/t/{b}")
    assert gone.status_code == 410 and f"merged into theme {a}" in gone.text
    # split a in two; the new theme is linked
    split = c.post(f"/engagements/{eid}/themes/t/{a}/split", data={"csrf_token": c.csrf})
    assert split.status_code == 200 and "Theme split in two" in split.text
    new_id = int(re.search(r"/themes/t/(\d+)\">Open", split.text).group(1))
    with Session(engine) as s:
        assert s.get(Theme, new_id).curated and s.get(Theme, a).curated
        actions = [e.action for e in s.exec(select(AuditEvent).where(AuditEvent.engagement_id == eid)).all()]
    assert {"theme.rename", "theme.summary", "theme.move_segment", "theme.merge", "theme.split"} <= set(actions)
    # a merge across components is refused without changing anything
    other_comp = _theme_ids(engine, eid, "governance_structures")[0]
    cross = c.post(f"/engagements/{eid}/themes/t/{a}/merge", data={"csrf_token": c.csrf, "other_id": str(other_comp)})
    assert cross.status_code == 422 and "same component" in cross.text


def test_a_theme_without_a_phrase_label_needs_a_name_until_a_consultant_names_it(
    consultant_client, synthesized, engine
):
    eid = synthesized.engagement.id
    c = consultant_client
    before = component_html(c, eid, "data_life_cycle").count("needs a name")
    with Session(engine) as s:
        themes = [s.get(Theme, t) for t in _theme_ids(engine, eid, "data_life_cycle")]
        theme = next(t for t in themes if t.parent_id is None and is_phrase_label(t.label))
        a = theme.id
        theme.label = "Fix, know, automatically"  # what key-word labels used to look like
        s.add(theme)
        s.commit()
    assert component_html(c, eid, "data_life_cycle").count("needs a name") == before + 1
    page = c.get(f"/engagements/{eid}/themes/t/{a}").text
    assert "needs a name" in page and "rename it below" in page
    # a consultant's name always wins, one word or not
    c.post(f"/engagements/{eid}/themes/t/{a}/rename", data={"csrf_token": c.csrf, "label": "Spreadsheets"})
    assert component_html(c, eid, "data_life_cycle").count("needs a name") == before
    assert "needs a name" not in c.get(f"/engagements/{eid}/themes/t/{a}").text


def test_curation_survives_rerun_and_shows_changes(consultant_client, synthesized, engine, session):
    from tests.synthesis.seed import TOPICS, VARIANTS, add_person

    eid = synthesized.engagement.id
    c = consultant_client
    a = _theme_ids(engine, eid, "data_life_cycle")[0]
    c.post(f"/engagements/{eid}/themes/t/{a}/rename", data={"csrf_token": c.csrf, "label": "Emailed spreadsheets"})
    for i in range(5):  # new interviews on the same topics
        answers = {
            (comp, f"{comp}.q{j}"): t.format(x=VARIANTS[(i + 7) % len(VARIANTS)])
            for comp, topics in TOPICS.items()
            for j, t in enumerate(topics)
        }
        add_person(session, synthesized.engagement, "Finance", "manager", answers)
    session.commit()
    c.post(f"/engagements/{eid}/themes/run", data={"csrf_token": c.csrf})
    wait_for_run(c, eid, "synthesis")
    html = component_html(c, eid, "data_life_cycle")
    assert "Emailed spreadsheets" in html
    assert re.search(r"Last run: [1-9]\d* new segment\(s\) placed here", html)


def _theme_pages(client, eid: int) -> str:
    """Every component page and every theme page of the engagement, concatenated."""
    pages = []
    for comp in ("data_life_cycle", "governance_structures"):
        html = component_html(client, eid, comp)
        pages.append(html)
        pages += [
            client.get(f"/engagements/{eid}/themes/t/{tid}").text for tid in re.findall(r"/themes/t/(\d+)\"", html)
        ]
    return "\n".join(pages)


def test_withdrawn_text_never_appears(consultant_client, synthesized, engine):
    eid = synthesized.engagement.id
    person = synthesized.participants[0]
    with Session(engine) as s:
        ids = [seg.id for seg in s.exec(select(Segment).where(Segment.participant_id == person.id)).all()]
    shown = re.compile(r"E-({}) ·".format("|".join(map(str, ids))))
    assert ids and shown.search(_theme_pages(consultant_client, eid))  # visible before withdrawing
    with Session(engine) as s:
        p = s.get(type(person), person.id)
        p.withdrawn_at = utcnow()
        s.add(p)
        s.commit()
    # gone at once (before any re-run) and after a re-run
    assert not shown.search(_theme_pages(consultant_client, eid))
    consultant_client.post(f"/engagements/{eid}/themes/run", data={"csrf_token": consultant_client.csrf})
    wait_for_run(consultant_client, eid, "synthesis")
    assert not shown.search(_theme_pages(consultant_client, eid))


CSV = (
    "respondent,dept,role,comment\nr1,Finance,manager,Our budget files live in shared drives nobody curates.\n"
    "r2,Parks,frontline,I re-enter the same inspection data into three different systems every week.\n"
)


def _upload(c, eid: int, data: bytes, name: str = "survey.csv"):
    return c.post(
        f"/engagements/{eid}/themes/import", data={"csrf_token": c.csrf}, files={"file": (name, data, "text/csv")}
    )


def test_csv_import_maps_columns_and_imports(consultant_client, seeded, engine, settings):
    eid = seeded.engagement.id
    c = consultant_client
    step1 = _upload(c, eid, CSV.encode())
    assert step1.status_code == 200 and "Which column holds what?" in step1.text
    upload_id = re.search(r'name="upload_id" value="([^"]+)"', step1.text).group(1)
    # the columns were guessed from their names
    assert re.search(r'<option value="comment" selected>', step1.text)
    r = c.post(
        f"/engagements/{eid}/themes/import/confirm",
        data={
            "csrf_token": c.csrf,
            "upload_id": upload_id,
            "filename": "survey.csv",
            "text_column": "comment",
            "id_column": "respondent",
            "department_column": "dept",
            "role_column": "role",
            "component": "data_life_cycle",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303 and "importing=1" in r.headers["location"]
    wait_for_run(c, eid, "import")
    with Session(engine) as s:
        segs = s.exec(select(Segment).where(Segment.engagement_id == eid, Segment.source == "import")).all()
        assert len(segs) == 2 and {x.component for x in segs} == {"data_life_cycle"}
        assert s.exec(select(AuditEvent).where(AuditEvent.action == "survey.import")).one()
    with Session(engine) as s:
        assert not s.exec(select(Upload)).all()  # the kept upload is removed once imported
    page = c.get(f"/engagements/{eid}/themes").text
    assert "Imported 2 answers from survey.csv" in page and "survey.csv</td>" in page


def test_unknown_departments_and_roles_are_mapped_before_import(consultant_client, seeded, engine):
    eid = seeded.engagement.id
    c = consultant_client
    data = (
        "respondent,dept,role,comment\nr1,Public Wrks,clerk,We track potholes on a whiteboard in the yard.\n"
        "r2,finance,manager,Budget files live in shared drives nobody curates.\n"
    )
    upload_id = re.search(r'name="upload_id" value="([^"]+)"', _upload(c, eid, data.encode()).text).group(1)
    form = {
        "csrf_token": c.csrf,
        "upload_id": upload_id,
        "filename": "survey.csv",
        "text_column": "comment",
        "id_column": "respondent",
        "department_column": "dept",
        "role_column": "role",
        "component": "data_life_cycle",
    }
    r = c.post(f"/engagements/{eid}/themes/import/confirm", data=form, follow_redirects=False)
    assert r.status_code == 200 and "does not have" in r.text  # asked, nothing imported yet
    assert "“Public Wrks”" in r.text and "“clerk”" in r.text and "“finance”" in r.text
    with Session(engine) as s:
        assert not s.exec(select(Segment).where(Segment.source == "import")).all()
    mapped = {
        **form,
        "dept_from": ["Public Wrks", "finance"],
        "dept_to": ["Public Works", "Finance"],
        "role_from": ["clerk"],
        "role_to": ["unknown"],
    }
    r = c.post(f"/engagements/{eid}/themes/import/confirm", data=mapped, follow_redirects=False)
    assert r.status_code == 303 and "importing=1" in r.headers["location"]
    wait_for_run(c, eid, "import")
    with Session(engine) as s:
        people = s.exec(
            select(Participant)
            .where(Participant.engagement_id == eid, Participant.source == "import")
            .order_by(Participant.external_id)
        ).all()
        assert [(p.department, p.role_level) for p in people] == [("Public Works", "unknown"), ("Finance", "manager")]


def test_the_mapping_step_and_the_import_may_land_on_other_processes(app, consultant_client, seeded, engine, settings):
    """Upload on one app process, map the columns on a second (several workers behind one address), and
    the import queued there is done by the first one's worker from the Run row alone: the file is in the
    database, the login in the database and the form token signed with the shared secret."""
    from fastapi.testclient import TestClient

    from assistant.web.app import create_app

    eid = seeded.engagement.id
    step1 = _upload(consultant_client, eid, CSV.encode())
    upload_id = re.search(r'name="upload_id" value="([^"]+)"', step1.text).group(1)
    other = create_app(settings)
    other.state.jobs.shutdown()  # the second process queues the import, and dies before its worker takes it
    c2 = TestClient(other, cookies=dict(consultant_client.cookies))
    form = {
        "csrf_token": consultant_client.csrf,
        "upload_id": upload_id,
        "filename": "survey.csv",
        "text_column": "comment",
        "component": "data_life_cycle",
    }
    r = c2.post(f"/engagements/{eid}/themes/import/confirm", data=form, follow_redirects=False)
    assert r.status_code == 303 and "importing=1" in r.headers["location"]
    with Session(engine) as s:
        queued = s.exec(select(Run).where(Run.engagement_id == eid, Run.kind == "import")).one()
        assert queued.status == "queued" and queued.params["upload"] == upload_id
    assert app.state.jobs.run_once()  # the first process's worker
    with Session(engine) as s:
        done = s.get(Run, queued.id)
        assert done.status == "done", done.message
        assert len(s.exec(select(Segment).where(Segment.engagement_id == eid, Segment.source == "import")).all()) == 2
        event = s.exec(select(AuditEvent).where(AuditEvent.action == "survey.import")).one()
        assert event.actor.startswith("consultant ") and event.actor_user_id == queued.started_by
        assert not s.exec(select(Upload)).all()


@pytest.mark.parametrize(
    "data, expected",
    [
        (b"\xff\xfe\x00bad", "not UTF-8"),
        (b"", "empty"),
        (b"comment\n", "no answers"),
    ],
)
def test_broken_csv_uploads_explain_and_keep_nothing(consultant_client, seeded, engine, data, expected):
    eid = seeded.engagement.id
    r = _upload(consultant_client, eid, data)
    assert r.status_code == 422 and expected in r.text and "Nothing was imported" in r.text
    with Session(engine) as s:
        assert not s.exec(select(SurveyImport)).all()


def test_csv_with_bad_rows_imports_nothing_and_lists_rows(consultant_client, seeded, engine):
    eid = seeded.engagement.id
    c = consultant_client
    data = (
        b"comment,component\nGood answer about our data.,data_life_cycle\n,data_life_cycle\nAnother answer,nonsense\n"
    )
    upload_id = re.search(r'name="upload_id" value="([^"]+)"', _upload(c, eid, data).text).group(1)
    r = c.post(
        f"/engagements/{eid}/themes/import/confirm",
        data={"csrf_token": c.csrf, "upload_id": upload_id, "text_column": "comment", "component_column": "component"},
    )
    assert r.status_code == 422
    assert "line 3: no answer" in r.text and "line 4: unknown component" in r.text
    assert 'name="upload_id"' in r.text  # the mapping form stays, with the file kept for a fix-and-retry
    with Session(engine) as s:
        assert not s.exec(select(Segment).where(Segment.source == "import")).all()
    # a missing upload (expired or forged id) is a clear 410 / 400, not a crash
    assert (
        c.post(
            f"/engagements/{eid}/themes/import/confirm",
            data={"csrf_token": c.csrf, "upload_id": "A" * 24, "text_column": "comment", "component": "equity_lens"},
        ).status_code
        == 410
    )
    assert (
        c.post(
            f"/engagements/{eid}/themes/import/confirm",
            data={"csrf_token": c.csrf, "upload_id": "../../etc/passwd", "text_column": "comment"},
        ).status_code
        == 400
    )


def test_oversized_upload_is_refused(consultant_client, seeded, monkeypatch):
    from assistant.web.routes import survey_import as routes

    monkeypatch.setattr(routes, "MAX_BYTES", 1000)
    r = _upload(consultant_client, seeded.engagement.id, b"comment\n" + b"x" * 2000 + b"\n")
    assert r.status_code == 422 and "limit" in r.text and "Split it into smaller files" in r.text
