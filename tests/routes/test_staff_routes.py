"""The staff interview over HTTP (TestClient, real SQLite): consent to submit, and bad input."""

from __future__ import annotations

import re
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import event
from sqlmodel import Session, select

from assistant.models import Interview, Participant, Turn, utcnow
from assistant.web.app import create_app
from tests.factories import csrf_of, field, invite, make_engagement

DETAILED = "For example, every week we export 3 reports from Accela into Excel and email them to finance."


def start(client: TestClient, token: str) -> str:
    csrf = csrf_of(client.get(f"/i/{token}").text)
    r = client.post(f"/i/{token}/consent", data={"choice": "yes", "csrf_token": csrf}, follow_redirects=True)
    assert r.status_code == 200 and 'id="answer"' in r.text
    return csrf


def answer(client: TestClient, token: str, csrf: str, text: str = DETAILED, action: str = "answer", htmx: bool = False):
    page = client.get(f"/i/{token}").text
    data = {"text": text, "action": action, "client_turn_id": field(page, "client_turn_id"), "csrf_token": csrf}
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post(f"/i/{token}/respond", data=data, headers=headers, follow_redirects=False)


def staff_turns(engine) -> list[Turn]:
    with Session(engine) as s:
        return list(s.exec(select(Turn).where(Turn.role == "staff")).all())


def test_welcome_explains_purpose_time_and_confidentiality(client, session):
    token = invite(session, make_engagement(session))
    page = client.get(f"/i/{token}").text
    for words in ("20 to 30 minutes", "Who sees what", "withdraw", "fewer than 5", "I agree"):
        assert words in page


def test_declining_ends_politely(client, session, engine):
    token = invite(session, make_engagement(session))
    csrf = csrf_of(client.get(f"/i/{token}").text)
    r = client.post(f"/i/{token}/consent", data={"choice": "no", "csrf_token": csrf}, follow_redirects=True)
    assert "Nothing else has been recorded" in r.text
    assert staff_turns(engine) == []


def test_whole_interview_without_javascript(client, session, engine, rubric):
    token = invite(session, make_engagement(session), role="executive")
    csrf = start(client, token)
    for _ in range(40):
        page = client.get(f"/i/{token}").text
        if "Review and submit my answers" in page:
            break
        r = answer(client, token, csrf)
        assert r.status_code == 303
    else:
        raise AssertionError("the interview never ended")
    review = client.get(f"/i/{token}/review").text
    assert review.count(DETAILED) == rubric.questions_per_component * 6
    r = client.post(f"/i/{token}/submit", data={"csrf_token": csrf}, follow_redirects=True)
    assert "your answers were submitted" in r.text
    with Session(engine) as s:
        assert s.exec(select(Interview)).one().state == "submitted"


def test_htmx_reply_appends_messages_and_swaps_the_composer(client, session):
    token = invite(session, make_engagement(session))
    csrf = start(client, token)
    r = answer(client, token, csrf, htmx=True)
    assert r.status_code == 200
    assert r.text.count('class="msg ') >= 3  # the answer, an acknowledgement, the next question
    assert 'id="composer"' in r.text and 'hx-swap-oob="true"' in r.text and "autofocus" in r.text


def test_short_answer_gets_a_request_to_say_more(client, session, rubric):
    """A short answer is first asked to say more, never given a sub-question that assumes an answer."""
    token = invite(session, make_engagement(session))
    csrf = start(client, token)
    r = answer(client, token, csrf, text="Excel.", htmx=True)
    with Session(client.app.state.engine) as s:
        iv = s.exec(select(Interview)).one()
        probe = s.exec(select(Turn).where(Turn.kind == "probe")).one()
    _, question = rubric.question(iv.plan[0])
    assert probe.text in rubric.probes.short and probe.text not in question.probes and probe.engine == "offline"
    assert probe.text.replace("'", "&#39;") in r.text


def test_double_submit_stores_one_turn(client, session, engine):
    token = invite(session, make_engagement(session))
    csrf = start(client, token)
    page = client.get(f"/i/{token}").text
    data = {"text": DETAILED, "action": "answer", "client_turn_id": field(page, "client_turn_id"), "csrf_token": csrf}
    assert client.post(f"/i/{token}/respond", data=data, follow_redirects=False).status_code == 303
    assert client.post(f"/i/{token}/respond", data=data, follow_redirects=False).status_code == 303
    assert len(staff_turns(engine)) == 1


def test_double_submit_over_htmx_shows_no_new_messages(client, session, engine):
    token = invite(session, make_engagement(session))
    csrf = start(client, token)
    page = client.get(f"/i/{token}").text
    data = {"text": DETAILED, "action": "answer", "client_turn_id": field(page, "client_turn_id"), "csrf_token": csrf}
    first = client.post(f"/i/{token}/respond", data=data, headers={"HX-Request": "true"})
    again = client.post(f"/i/{token}/respond", data=data, headers={"HX-Request": "true"})
    assert first.status_code == again.status_code == 200
    assert first.text.count('class="msg ') >= 3 and again.text.count('class="msg ') == 0
    assert len(staff_turns(engine)) == 1


def test_a_turn_reads_the_conversation_once(client, session):
    """A staff turn reads the link (joined with its interview) and the turns once, then only writes."""
    token = invite(session, make_engagement(session))
    csrf = start(client, token)
    page = client.get(f"/i/{token}").text
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement.split(None, 1)[0].upper())

    engine = client.app.state.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        r = client.post(
            f"/i/{token}/respond",
            headers={"HX-Request": "true"},
            data={
                "text": DETAILED,
                "action": "answer",
                "client_turn_id": field(page, "client_turn_id"),
                "csrf_token": csrf,
            },
        )
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert r.status_code == 200 and r.text.count('class="msg ') >= 3
    # the link joined with its interview, the turns; then, before each of the two writes (the answer,
    # the reply), the interview's lock and a check that no other request wrote a turn meanwhile
    # (another process may serve the same interview): one UPDATE ... RETURNING on SQLite, an UPDATE
    # and a SELECT elsewhere; the reply's lock also writes the interview's coverage
    sqlite = engine.dialect.name == "sqlite"
    assert statements.count("SELECT") == (2 if sqlite else 4), statements
    # the answer, the acknowledgement, the next question (one INSERT on PostgreSQL), the two locks (and
    # PostgreSQL's coverage UPDATE)
    assert len(statements) <= (7 if sqlite else 10), statements


def test_empty_and_long_answers_keep_the_draft(client, session, engine):
    token = invite(session, make_engagement(session))
    csrf = start(client, token)
    r = answer(client, token, csrf, text="  ")
    # nothing to keep: redirected (a reload does not post again), and the page says what to do
    assert r.status_code == 303 and "missing=1" in r.headers["location"]
    assert "Please type an answer" in client.get(r.headers["location"]).text
    long_text = "word " * 1000
    r = answer(client, token, csrf, text=long_text)
    assert r.status_code == 422 and "the limit is 4,000" in r.text and long_text.strip() in r.text
    r = answer(client, token, csrf, text=long_text, htmx=True)
    assert r.status_code == 200 and "the limit is 4,000" in r.text
    assert staff_turns(engine) == []


def test_html_in_answers_is_shown_escaped(client, session):
    token = invite(session, make_engagement(session))
    csrf = start(client, token)
    answer(client, token, csrf, text="<script>alert(1)</script> we use <b>Excel</b> every day for 3 reports")
    page = client.get(f"/i/{token}").text
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_missing_csrf_token_is_refused_and_nothing_saved(client, session, engine):
    token = invite(session, make_engagement(session))
    start(client, token)
    page = client.get(f"/i/{token}").text
    r = client.post(f"/i/{token}/respond", data={"text": DETAILED, "client_turn_id": field(page, "client_turn_id")})
    assert r.status_code == 403 and "expired" in r.text
    assert staff_turns(engine) == []


def test_edit_then_review_shows_the_new_text(client, session, engine):
    token = invite(session, make_engagement(session))
    csrf = start(client, token)
    answer(client, token, csrf)
    turn_id = staff_turns(engine)[0].id
    form = client.get(f"/i/{token}/edit/{turn_id}?back=review").text
    r = client.post(
        f"/i/{token}/edit/{turn_id}",
        data={
            "text": "Changed: we now use a shared database.",
            "action": "answer",
            "back": "review",
            "client_turn_id": field(form, "client_turn_id"),
            "csrf_token": csrf,
        },
        follow_redirects=True,
    )
    assert "Changed: we now use a shared database." in r.text and DETAILED not in r.text
    assert len(staff_turns(engine)) == 2  # the original is kept as a record


def test_pause_and_resume_on_another_device(app, session):
    token = invite(session, make_engagement(session))
    first = TestClient(app)
    csrf = start(first, token)
    answer(first, token, csrf)
    assert token in first.get(f"/i/{token}/pause").text
    second = TestClient(app)  # no cookies: another device
    page = second.get(f"/i/{token}").text
    assert DETAILED in page and 'id="answer"' in page
    assert answer(second, token, csrf_of(page)).status_code == 303
    with Session(app.state.engine) as s:
        plan = s.exec(select(Interview)).one().plan
        answered = [t.question_id for t in s.exec(select(Turn).where(Turn.role == "staff").order_by(Turn.id))]
    assert answered == plan[:2]  # the second device continued at the second question


def test_unknown_expired_and_withdrawn_links_get_friendly_pages(client, session, engine):
    r = client.get("/i/not-a-real-token")
    assert r.status_code == 404 and "could not find an interview" in r.text and "Traceback" not in r.text
    engagement = make_engagement(session)
    token = invite(session, engagement)
    with Session(engine) as s:
        p = s.exec(select(Participant)).one()
        p.expires_at = utcnow() - timedelta(hours=1)
        s.add(p)
        s.commit()
    r = client.get(f"/i/{token}")
    assert r.status_code == 410 and "expired" in r.text
    token2 = invite(session, engagement)
    csrf = start(client, token2)
    r = client.post(f"/i/{token2}/withdraw", data={"csrf_token": csrf})
    assert "You have withdrawn" in r.text
    assert client.get(f"/i/{token2}").status_code == 410


def test_open_link_lets_staff_pick_their_group(consultant_client, session, engine):
    engagement = make_engagement(session)
    c = consultant_client
    shown = c.post(f"/engagements/{engagement.id}/open-link", data={"enabled": "on", "csrf_token": c.csrf}).text
    open_token = re.search(r"/join/([\w-]+)", shown).group(1)  # shown once, stored hashed
    staff = TestClient(c.app)
    page = staff.get(f"/join/{open_token}").text
    csrf = csrf_of(page)
    r = staff.post(f"/join/{open_token}", data={"department": "", "role_level": "", "csrf_token": csrf})
    assert r.status_code == 422 and "choose your department" in r.text
    r = staff.post(f"/join/{open_token}", data={"department": "Finance", "role_level": "manager", "csrf_token": csrf})
    assert r.status_code == 200 and "This is your personal link" in r.text
    with Session(engine) as s:
        p = s.exec(select(Participant)).one()
        assert (p.department, p.role_level, p.source) == ("Finance", "manager", "open_link")
    c.post(f"/engagements/{engagement.id}/open-link", data={"enabled": "off", "csrf_token": c.csrf})
    assert staff.get(f"/join/{open_token}").status_code == 410


def test_off_topic_answer_is_probed_with_the_real_embedding_model(settings, engine, session, rubric):
    settings.interview_relatedness = True
    app = create_app(settings)
    client = TestClient(app)
    token = invite(session, make_engagement(session))
    csrf = start(client, token)
    answer(client, token, csrf, text="My favourite football team won the cup final at the weekend after extra time.")
    with Session(engine) as s:
        probe = s.exec(select(Turn).where(Turn.kind == "probe")).one()
    assert probe.engine == "offline" and probe.probe_index == 1
    assert any(
        probe.text == t.format(topic=rubric.question(probe.question_id)[1].topic) for t in rubric.probes.off_topic
    )


def test_review_shows_each_follow_up_with_its_answer(client, session, rubric):
    token = invite(session, make_engagement(session))
    csrf = start(client, token)
    answer(client, token, csrf, text="Excel.")
    answer(client, token, csrf, text="Finance re-types the totals every Monday into their ledger.")
    with Session(client.app.state.engine) as s:
        probe = s.exec(select(Turn).where(Turn.kind == "probe")).first()
    review = html_text(client.get(f"/i/{token}/review").text)
    assert f"Follow-up: {probe.text}" in review and "Finance re-types the totals" in review


def html_text(page: str) -> str:
    import html

    return html.unescape(page)


def _post(client: TestClient, token: str, csrf: str, page: str, text: str, htmx: bool = False):
    """Send ``text`` from an already loaded ``page`` (its client id and the prompt it showed)."""
    data = {
        "text": text,
        "action": "answer",
        "client_turn_id": field(page, "client_turn_id"),
        "prompt_id": field(page, "prompt_id"),
        "csrf_token": csrf,
    }
    return client.post(
        f"/i/{token}/respond", data=data, headers={"HX-Request": "true"} if htmx else {}, follow_redirects=False
    )


def test_a_stale_tab_is_told_the_conversation_moved_on_and_keeps_its_text(client, session, engine):
    """Issue 20: an answer from a tab that shows an earlier question is not stored under another one."""
    token = invite(session, make_engagement(session))
    csrf = start(client, token)
    old_tab = client.get(f"/i/{token}").text
    assert _post(client, token, csrf, client.get(f"/i/{token}").text, DETAILED).status_code == 303
    stored = len(staff_turns(engine))
    late = "We keep a second copy of the permit list in a binder at the front desk."
    r = _post(client, token, csrf, old_tab, late, htmx=True)
    assert r.status_code == 200 and "moved on" in r.text and late in r.text
    assert DETAILED in r.text  # the other tab's answer is shown, with the question now current
    r = _post(client, token, csrf, old_tab, late)
    assert r.status_code == 409 and "moved on" in r.text and late in r.text
    assert len(staff_turns(engine)) == stored


def test_control_characters_are_removed_with_a_message_and_nothing_stored(client, session, engine):
    token = invite(session, make_engagement(session))
    csrf = start(client, token)
    r = _post(client, token, csrf, client.get(f"/i/{token}").text, "We use\x00 Excel\x07 for 3 reports every week.")
    assert r.status_code == 422 and "control characters" in r.text
    assert "We use Excel for 3 reports every week." in r.text and "\x00" not in r.text
    assert staff_turns(engine) == []


def test_progress_names_the_topic_in_staff_words(client, session, rubric):
    token = invite(session, make_engagement(session))
    start(client, token)
    page = client.get(f"/i/{token}").text
    first = rubric.components[0]
    assert f"Topic 1 of 6: {first.staff_name}" in page and first.staff_name
    assert 'role="log"' in page and '<ol id="transcript"' in page  # the log wraps the list


def test_edit_returns_to_the_current_question(client, session, engine):
    token = invite(session, make_engagement(session))
    csrf = start(client, token)
    answer(client, token, csrf)
    turn_id = staff_turns(engine)[0].id
    form = client.get(f"/i/{token}/edit/{turn_id}").text
    r = client.post(
        f"/i/{token}/edit/{turn_id}",
        data={
            "text": "Changed: we now use a shared database.",
            "action": "answer",
            "back": "chat",
            "client_turn_id": field(form, "client_turn_id"),
            "csrf_token": csrf,
        },
        follow_redirects=False,
    )
    page = client.get(f"/i/{token}").text
    current = field(page, "prompt_id")
    assert r.status_code == 303 and r.headers["location"].endswith(f"#turn-{current}")
    assert f'id="turn-{current}"' in page and int(current) > turn_id


def _edit(client: TestClient, href: str, csrf: str, text: str):
    form = client.get(href)
    assert form.status_code == 200, form.text
    action = re.search(r'<form[^>]*action="(/i/[^"]+/edit/\d+)"', form.text).group(1)
    data = {"text": text, "action": "answer", "back": "review", "csrf_token": csrf}
    data["client_turn_id"] = field(form.text, "client_turn_id")
    return client.post(action, data=data, follow_redirects=True)


def test_an_edited_answer_can_be_edited_again_from_the_review_page_and_the_chat(client, session, engine):
    token = invite(session, make_engagement(session))
    csrf = start(client, token)
    answer(client, token, csrf)
    original = staff_turns(engine)[0].id
    for n in range(1, 4):  # the review page links the answer as it stands now (after the first pass, an edit)
        review = client.get(f"/i/{token}/review").text
        href = re.search(rf'href="(/i/{token}/edit/\d+\?back=review)"', review).group(1)
        r = _edit(client, href.replace("&amp;", "&"), csrf, f"Edit number {n}: the permit data is shared weekly.")
        assert r.status_code == 200 and f"Edit number {n}:" in r.text
    # the chat links the original answer; it opens the latest wording and a fourth edit is stored too
    chat = client.get(f"/i/{token}").text
    assert f'href="/i/{token}/edit/{original}' in chat
    r = _edit(client, f"/i/{token}/edit/{original}", csrf, "Edit number 4: the permit data is shared daily.")
    assert "Edit number 4:" in r.text and "Edit number 3:" not in r.text
    assert len(staff_turns(engine)) == 5


def test_review_page_names_topics_as_the_chat_did(client, session, rubric):
    token = invite(session, make_engagement(session))
    csrf = start(client, token)
    answer(client, token, csrf)
    chat = client.get(f"/i/{token}").text
    review = html_text(client.get(f"/i/{token}/review").text)
    headings = re.findall(r"<h2>([^<]+)</h2>", review)
    assert len(headings) == len(rubric.components)
    for comp, heading in zip(rubric.components, headings, strict=True):
        assert comp.staff_name and heading.lower() == comp.staff_name.lower() and heading != comp.name
        assert comp.staff_name in html_text(chat)  # the same words as the chat's topic list


def test_topic_progress_bars_are_progress_elements_that_match_their_words(client, session, rubric):
    token = invite(session, make_engagement(session))
    csrf = start(client, token)
    answer(client, token, csrf)
    chat = client.get(f"/i/{token}").text
    topics = re.findall(
        r"<li><span>([^<]+): (\d+) of (\d+)</span>\s*<progress class=\"bar\" max=\"(\d+)\" value=\"(\d+)\"", chat
    )
    assert [name for name, *_ in topics] == [c.staff_name for c in rubric.components]
    assert all((done, total) == (value, top) for _, done, total, top, value in topics)
    assert "<svg" not in chat  # no hand-drawn bar: the browser draws a native progress bar
