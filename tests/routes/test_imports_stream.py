"""A large survey CSV goes through the real upload and mapping routes, and a background import, as a
stream: kept in the database in 1 MiB chunks and read back chunk by chunk, so the memory Python uses
stays far below the file's size at every step (tracemalloc's peak, the whole request included)."""

from __future__ import annotations

import asyncio
import re
import tracemalloc
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from sqlmodel import Session, col, func, select

from assistant.csvfile import CHUNK
from assistant.models import Segment, SurveyImport, Upload, UploadChunk
from assistant.records import uploads
from assistant.records.imports import ImportFile, Mapping, import_csv, import_in_background
from tests.factories import make_engagement

ANSWER = (
    "Our {} records live in spreadsheets that three people email to each other every week, "
    "and nobody knows which copy is current."
)
WORDS = ["permit", "payroll", "fleet", "water", "library", "zoning", "grant", "tree", "street", "budget"]


def write_survey(path: Path, megabytes: float, department: str = "Finance", people: int = 0, long: bool = False) -> int:
    """A survey CSV of about ``megabytes`` MB, one answer per line (``long``: ten sentences, about 1.3 KB),
    from ``people`` respondents (or each from another one); returns its size in bytes."""
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write("respondent,dept,role,comment\n")
        i = 0
        while out.tell() < megabytes * 1e6:
            words = WORDS if long else [WORDS[i % len(WORDS)]]
            answer = " ".join(ANSWER.format(w) for w in words)
            out.write(f"r{i % people if people else i},{department},manager,{answer} ({i})\n")
            i += 1
    return path.stat().st_size


def peak_of(work: Callable[[], object]) -> tuple[object, int]:
    """What ``work`` returned and the most memory Python held at once while it ran (bytes)."""
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
        result = work()
        return result, tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()


def test_a_large_upload_is_stored_and_checked_in_bounded_memory(app, consultant_client, session, engine, tmp_path):
    engagement = make_engagement(session)
    path = tmp_path / "survey.csv"
    size = write_survey(path, 14, department="Public Wrks")  # a department the engagement lacks: asked to map it

    async def upload() -> httpx.Response:
        # the request body is streamed from the file (TestClient would build it whole in this process)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://testserver", cookies=dict(consultant_client.cookies)
        ) as c:
            with path.open("rb") as f:
                return await c.post(
                    f"/engagements/{engagement.id}/themes/import",
                    data={"csrf_token": consultant_client.csrf},
                    files={"file": ("survey.csv", f, "text/csv")},
                )

    # a thread of its own: once the browser tests have run, Playwright's loop is running in this one
    with ThreadPoolExecutor(1) as pool:
        step1, upload_peak = peak_of(lambda: pool.submit(asyncio.run, upload()).result())
    print(f"\n{size / 1e6:.1f} MB CSV: upload peak {upload_peak / 1e6:.2f} MB")
    assert step1.status_code == 200, step1.text[:500]
    rows = sum(1 for _ in path.open(encoding="utf-8")) - 1
    assert f"survey.csv: {rows} rows" in step1.text and "r0" in step1.text  # counted whole, first rows shown
    upload_id = re.search(r'name="upload_id" value="([^"]+)"', step1.text).group(1)
    with Session(engine) as s:
        kept = s.exec(select(Upload)).one()
        assert kept.ref == upload_id and kept.size == size
        sizes = s.exec(select(func.length(UploadChunk.data)).order_by(col(UploadChunk.seq))).all()
    assert len(sizes) == -(-size // CHUNK) and set(sizes[:-1]) == {CHUNK}  # 1 MiB pieces, the last shorter
    with path.open("rb") as f:
        assert b"".join(uploads.chunks(session, kept.id)) == f.read()  # stored exactly

    form = {
        "csrf_token": consultant_client.csrf,
        "upload_id": upload_id,
        "filename": "survey.csv",
        "text_column": "comment",
        "id_column": "respondent",
        "department_column": "dept",
        "component": "data_life_cycle",
    }
    step2, check_peak = peak_of(
        lambda: consultant_client.post(f"/engagements/{engagement.id}/themes/import/confirm", data=form)
    )
    # the whole file was checked (and read again for the preview) without holding it
    assert step2.status_code == 200 and "“Public Wrks”" in step2.text and f"{rows} rows" in step2.text
    print(f"check peak {check_peak / 1e6:.2f} MB")
    # a few 1 MiB chunks at most (the multipart parser's spool included), whatever the file's size
    assert upload_peak < 4 * CHUNK and check_peak < 4 * CHUNK < size / 3


def test_a_background_import_reads_the_kept_upload_as_a_stream(engine, session, tmp_path):
    """The import run reads the upload from the database twice (check, then write in batches), holding one
    chunk and one batch of rows, never the file or all its rows (a participant is remembered by id), and
    imports exactly what the same bytes import in one transaction."""
    engagement = make_engagement(session)
    path = tmp_path / "survey.csv"
    size = write_survey(path, 6.5, people=40, long=True)
    with path.open("rb") as f:
        ref = uploads.keep(session, engagement.id, iter(lambda: f.read(CHUNK), b""), "survey.csv")
    upload = uploads.find(session, engagement.id, ref)
    mapping = Mapping(text_column="comment", component="data_life_cycle", id_column="respondent")
    source = uploads.source(engine, upload.id)
    stats, peak = peak_of(
        lambda: import_in_background(
            engine, engagement.id, ImportFile(source, "survey.csv", mapping, ["data_life_cycle"]), 50
        )
    )
    rows = sum(1 for _ in path.open(encoding="utf-8")) - 1
    assert stats["rows"] == rows
    print(f"\n{size / 1e6:.1f} MB CSV, {rows} rows: import run peak {peak / 1e6:.2f} MB")
    assert peak < 3 * CHUNK < size / 2  # a few chunks (one fetched, one being decoded) and one batch

    other = make_engagement(session, "Bytesville")  # the same file, whole, in one transaction
    record = import_csv(session, other.id, ImportFile(path.read_bytes(), "survey.csv", mapping, ["data_life_cycle"]))
    session.commit()

    def imported(import_id: int) -> list[tuple[str, str, int]]:
        found = session.exec(
            select(Segment.text, Segment.component, Segment.start).where(Segment.import_id == import_id)
        ).all()
        return sorted(found)

    assert imported(stats["import_id"]) == imported(record.id) and len(imported(record.id)) == rows
    assert session.get(SurveyImport, stats["import_id"]).rows == record.rows == rows


def test_a_bad_byte_at_the_end_of_a_large_file_is_found_and_nothing_is_kept(
    consultant_client, session, engine, tmp_path
):
    """The whole file is read before anything is stored: a byte that is not UTF-8 on its last line (after
    several chunks) refuses the upload, naming that line, and leaves no upload or chunk behind."""
    engagement = make_engagement(session)
    path = tmp_path / "survey.csv"
    write_survey(path, 2.5)
    with path.open("ab") as f:
        f.write(b"r-last,Finance,manager,caf\xe9 au lait\n")  # Latin-1, not UTF-8
    lines = sum(1 for _ in path.open("rb"))
    r = consultant_client.post(
        f"/engagements/{engagement.id}/themes/import",
        data={"csrf_token": consultant_client.csrf},
        files={"file": ("survey.csv", path.read_bytes(), "text/csv")},
    )
    assert r.status_code == 422 and f"not UTF-8 text (first bad byte on line {lines})" in r.text
    with Session(engine) as s:
        assert not s.exec(select(Upload)).all() and not s.exec(select(UploadChunk)).all()
