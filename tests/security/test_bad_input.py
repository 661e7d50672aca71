"""Bad input: oversized bodies refused before parsing (413), numbers no database can hold and
characters that are not digits answered 422 with a message, control characters refused, and CSV
cells a spreadsheet would run as formulas escaped."""

from __future__ import annotations

import csv
import io
import re
import threading
from urllib.parse import unquote

import anyio
import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from assistant.models import Engagement, Participant, RosterCount, Theme, Upload
from assistant.records.engagements import MAX_INVITE_CSV_BYTES, NewInvite, create_engagement, import_invites_csv
from assistant.security import csv_cell
from assistant.views.engagement import invite_links_csv
from assistant.web.middleware import FORM_BODY_BYTES
from tests.factories import lead_every_engagement, make_engagement

BAD_NUMBERS = ["²", "1e309", "99999999999999999999", "-1", "3.5", "٣", "0x10", "1_000"]  # a blank field clears


# --- body caps ---------------------------------------------------------------------------------


def test_an_anonymous_huge_upload_is_refused_before_anything_is_read_or_written(client, engine):
    """The tester's 250 MB anonymous multipart POST: refused on its Content-Length, nothing spooled."""
    declared = 250 * 1024 * 1024
    r = client.post(
        "/engagements/1/themes/import",
        content=b"x" * 1024,
        headers={"content-type": "multipart/form-data; boundary=b", "content-length": str(declared)},
    )
    assert r.status_code == 413 and "Nothing was saved" in r.text
    with Session(engine) as s:
        assert s.exec(select(Upload)).first() is None  # uploads are kept in the database: none was


def test_a_body_without_length_is_cut_off_at_the_cap_while_streaming(app):
    """A chunked body (no Content-Length to refuse up front) is read only up to the cap: driven at the
    ASGI level, as a server would, to count the chunks the app asked for."""
    chunk, total = 64 * 1024, 64
    asked = 0
    sent: list[dict] = []

    async def receive() -> dict:
        nonlocal asked
        asked += 1
        return {"type": "http.request", "body": b"a" * chunk, "more_body": asked < total}

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/login",
        "raw_path": b"/login",
        "root_path": "",
        "query_string": b"",
        "server": ("t", 80),
        "client": ("10.0.0.1", 1),
        "headers": [(b"content-type", b"application/x-www-form-urlencoded"), (b"transfer-encoding", b"chunked")],
    }
    # in a thread of its own: an event loop another test left running in this thread (the browser
    # tests' Playwright) must not stop this one
    worker = threading.Thread(target=anyio.run, args=(app, scope, receive, send))
    worker.start()
    worker.join()
    assert sent[0]["status"] == 413
    assert b"larger than the 1 MB this page accepts" in b"".join(m.get("body", b"") for m in sent[1:])
    assert asked * chunk <= FORM_BODY_BYTES + chunk < total * chunk  # it stopped reading at the cap


FILE_PART = b'--b\r\nContent-Disposition: form-data; name="file"; filename="s.csv"\r\nContent-Type: text/csv\r\n\r\n'


def _stream(app, path: str, headers: list[tuple[bytes, bytes]], chunk: int, total: int) -> tuple[list[dict], int]:
    """POST ``total`` chunks of ``chunk`` bytes to ``path`` at the ASGI level (no Content-Length), the
    first opening a multipart file field (so a parser reads on); returns (what the app sent, how many
    chunks it asked for)."""
    asked = 0
    sent: list[dict] = []

    async def receive() -> dict:
        nonlocal asked
        asked += 1
        body = FILE_PART + b"a" * (chunk - len(FILE_PART)) if asked == 1 else b"a" * chunk
        return {"type": "http.request", "body": body, "more_body": asked < total}

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "server": ("t", 80),
        "client": ("10.0.0.1", 1),
        "headers": headers,
    }
    worker = threading.Thread(target=anyio.run, args=(app, scope, receive, send))
    worker.start()
    worker.join()
    return sent, asked


def test_a_made_up_session_cookie_does_not_lift_the_anonymous_upload_cap(app, consultant_client, session):
    """The tester's forged ``dm3_session`` cookie made the server read a 120 MB upload in full before
    the login check said 403: the upload cap needs a live session, else the form cap applies, early."""
    eid = make_engagement(session).id
    path = f"/engagements/{eid}/themes/import"
    multipart = (b"content-type", b"multipart/form-data; boundary=b")
    for cookie in (b"dm3_session=made-up-by-the-attacker", b"__Host-dm3_session=x; dm3_session=" + b"A" * 32):
        # declared: refused on the Content-Length, before a byte is read
        r = TestClient(app).post(
            path,
            content=b"x" * 1024,
            headers={
                "cookie": cookie.decode(),
                "content-type": multipart[1].decode(),
                "content-length": str(8 * FORM_BODY_BYTES),
            },
        )
        assert r.status_code == 413 and "Nothing was saved" in r.text
        # streamed (no length): cut off at the anonymous cap, never read to the end
        chunk, total = 64 * 1024, 64  # 4 MiB: well under the upload cap, over the form cap
        sent, asked = _stream(app, path, [multipart, (b"cookie", cookie)], chunk, total)
        assert sent[0]["status"] == 413
        assert asked * chunk <= FORM_BODY_BYTES + chunk < total * chunk
    # the consultant's real session still lifts it: a 1.5 MB survey file is taken, not refused
    big = b"respondent,comment\n" + b"r1,Our permit data lives in spreadsheets on a shared drive.\n" * 25_000
    assert len(big) > FORM_BODY_BYTES
    r = consultant_client.post(
        path, files={"file": ("survey.csv", big, "text/csv")}, data={"csrf_token": consultant_client.csrf}
    )
    assert r.status_code != 413 and "larger than" not in r.text


def test_forms_are_capped_small_and_uploads_at_their_file_cap(consultant_client, session, engine):
    c = consultant_client
    eid = make_engagement(session).id
    r = c.post(f"/engagements/{eid}/invites", data={"department": "x" * (FORM_BODY_BYTES + 10), "csrf_token": c.csrf})
    assert r.status_code == 413
    big = b"Finance,manager\n" * (MAX_INVITE_CSV_BYTES // 16 + 100)
    r = c.post(
        f"/engagements/{eid}/invites/import",
        files={"file": ("staff.csv", big, "text/csv")},
        data={"csrf_token": c.csrf},
    )
    assert r.status_code in (413, 422) and ("larger than" in r.text)
    with Session(engine) as s:
        assert s.exec(select(Participant)).all() == []
    ok = b"department,role level\n" + b"Finance,manager\n" * 3
    r = c.post(
        f"/engagements/{eid}/invites/import", files={"file": ("staff.csv", ok, "text/csv")}, data={"csrf_token": c.csrf}
    )
    assert r.status_code == 200 and "3 invites created" in r.text


def test_the_invite_csv_is_read_in_chunks_and_capped(session):
    engagement = make_engagement(session)

    class Counting(io.BytesIO):
        reads: list[int] = []

        def read(self, n: int = -1) -> bytes:
            assert n != -1, "the file was read whole"
            chunk = super().read(n)
            self.reads.append(len(chunk))
            return chunk

    invites = import_invites_csv(session, engagement, Counting(b"Finance,manager\r\nParks,frontline,a@b.org\n" * 40))
    assert len(invites) == 80 and max(Counting.reads) <= 64 * 1024
    with pytest.raises(ValueError, match="larger than"):
        import_invites_csv(session, engagement, io.BytesIO(b"Finance,manager\n" * (MAX_INVITE_CSV_BYTES // 16 + 1)))
    with pytest.raises(ValueError, match="not UTF-8 text"):
        import_invites_csv(session, engagement, io.BytesIO(b"Finance,manager\n\xff\xfe,\n"))


# --- numbers ---------------------------------------------------------------------------------


def test_number_fields_answer_422_with_a_message(consultant_client, session, engine, subtests):
    c = consultant_client
    engagement = make_engagement(session)
    eid = engagement.id
    with Session(engine) as s:
        theme = Theme(engagement_id=eid, component="data_life_cycle", label="Spreadsheets")
        s.add(theme)
        s.commit()
        tid = theme.id
    for raw in BAD_NUMBERS:
        with subtests.test(raw=raw):
            r = c.post(f"/engagements/{eid}/roster", data={"roster-0-frontline": raw, "csrf_token": c.csrf})
            assert r.status_code == 422 and "must be a whole number from 0 to 1,000,000" in r.text
            r = c.post(f"/engagements/{eid}/review/targets", data={"target-data_life_cycle": raw, "csrf_token": c.csrf})
            assert r.status_code == 422 and "must be a level from 1 to 5" in r.text
            r = c.post(f"/engagements/{eid}/themes/t/{tid}/merge", data={"other_id": raw, "csrf_token": c.csrf})
            assert r.status_code == 422 and "Choose the theme to merge" in r.text
            r = c.post(
                f"/engagements/{eid}/themes/t/{tid}/move",
                data={"segment_id": raw, "target_id": raw, "csrf_token": c.csrf},
            )
            assert r.status_code == 422 and "Choose the theme to move" in r.text
            r = c.post(
                f"/engagements/{eid}/review/data_life_cycle/decide",
                data={"proposal_id": raw, "action": "change", "level": raw, "rationale": "x", "csrf_token": c.csrf},
            )
            assert r.status_code == 422 and ("proposal_id" in r.text or "replaced by a newer rating run" in r.text)
            with Session(engine) as s:
                assert s.exec(select(RosterCount)).all() == []
                assert s.get(Engagement, eid).settings.get("target_levels") == {}


BAD_PATHS = [
    "/engagements/{huge}",
    "/engagements/{eid}/themes/t/{huge}",
    "/engagements/{eid}/transcripts/²",
    "/engagements/{eid}/themes/t/1e309",
    "/engagements/{eid}/participants/{huge}/accept",
    "/engagements/-5/review",
    "/engagements/{eid}?created=1e309",
    "/engagements/{eid}/themes/t/1?new=²",
]


def test_path_ids_and_query_numbers_answer_404_or_422(consultant_client, session, subtests):
    c = consultant_client
    eid = make_engagement(session).id
    for path in BAD_PATHS:
        with subtests.test(path=path):
            url = path.format(eid=eid, huge="99999999999999999999")
            r = c.post(url, data={"csrf_token": c.csrf}) if url.endswith("/accept") else c.get(url)
            assert r.status_code in (404, 422), (url, r.status_code)
            assert "Something went wrong" not in r.text


# --- control characters ------------------------------------------------------------------------


def test_control_characters_in_names_labels_and_rationales_are_refused(consultant_client, session, engine, subtests):
    c = consultant_client
    eid = make_engagement(session).id
    with Session(engine) as s:
        theme = Theme(engagement_id=eid, component="data_life_cycle", label="Before")
        s.add(theme)
        s.commit()
        tid = theme.id
    for bad in ["Parks\x00", "Fin\x07ance", "a\x1bb", "x\x7f", "y\x85"]:
        with subtests.test(bad=bad):
            posts = [
                ("/engagements", {"organisation": bad, "departments": "A"}),
                ("/engagements", {"organisation": "Town", "departments": bad}),
                (f"/engagements/{eid}/themes/t/{tid}/rename", {"label": bad}),
                (f"/engagements/{eid}/themes/t/{tid}/summary", {"summary": "ok\n" + bad}),
                (
                    f"/engagements/{eid}/review/data_life_cycle/decide",
                    {"proposal_id": "1", "action": "reject", "rationale": bad},
                ),
            ]
            for url, data in posts:
                r = c.post(url, data={**data, "csrf_token": c.csrf})
                assert r.status_code == 422 and "control character" in r.text and "nothing was saved" in r.text, url
            # the form token is checked first: a forged post learns nothing about the field rules
            assert c.post("/engagements", data={"organisation": bad, "csrf_token": "forged"}).status_code == 403
    with Session(engine) as s:
        assert len(s.exec(select(Engagement)).all()) == 1 and s.get(Theme, tid).label == "Before"


def test_tabs_and_new_lines_are_ordinary_text(consultant_client, session, engine):
    c = consultant_client
    r = c.post(
        "/engagements",
        data={"organisation": "Town of\tTabs", "departments": "A\r\nB", "csrf_token": c.csrf},
        follow_redirects=False,
    )
    assert r.status_code == 303


def test_control_characters_in_an_invite_csv_are_listed(session):
    engagement = make_engagement(session)
    with pytest.raises(ValueError) as exc:
        import_invites_csv(session, engagement, b"Finance,manager,a\x00@b.org\n")
    assert "row 1: a cell holds a control character" in " ".join(exc.value.problems)


# --- CSV exports -------------------------------------------------------------------------------


@pytest.mark.parametrize("cell", ['=HYPERLINK("http://evil")', "+1+1", "-2+3", "@SUM(A1)", "\tx", "\r=1"])
def test_csv_cells_a_spreadsheet_would_run_are_escaped(cell):
    assert csv_cell(cell) == "'" + cell
    assert csv_cell("Public Works") == "Public Works" and csv_cell(None) == "" and csv_cell(12) == "12"


def test_the_invite_links_csv_escapes_formula_cells(consultant_client, session, engine):
    c = consultant_client
    with Session(engine) as s:
        engagement = create_engagement(s, "Town", ["=cmd|' /C calc'!A0", "Finance"])
        s.commit()
        lead_every_engagement(s)
        eid = engagement.id
    r = c.post(
        f"/engagements/{eid}/invites",
        data={"department": "=cmd|' /C calc'!A0", "role_level": "manager", "email": "", "csrf_token": c.csrf},
    )
    assert r.status_code == 200
    href = re.search(r'href="data:text/csv;charset=utf-8,([^"]+)"', r.text).group(1)
    rows = list(csv.reader(io.StringIO(unquote(href.replace("&amp;", "&")))))
    assert rows[0][-1] == "link" and rows[1][0] == "'=cmd|' /C calc'!A0" and rows[1][-1].startswith("http")
    with Session(engine) as s:
        participant = s.exec(select(Participant)).one()
    out = invite_links_csv([NewInvite(participant, "tok")], "http://x")
    assert "\n'=cmd" in out
