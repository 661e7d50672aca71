"""Import existing open-ended survey answers from a CSV as evidence.

Each non-empty answer becomes a Participant (source "import", external id from the respondent
column) and one Segment (source "import") tagged with a DM3 component. The whole file is
checked before anything is written: a broken file imports nothing and the error lists every
problem row. Departments and role levels the engagement does not have ("Public Wrks", "clerk")
are reported by ``check_file`` so a consultant maps each to one of the engagement's (or to
"unknown") before anything is written. A file (``ImportFile``) is read as a stream of chunks
(``assistant.csvfile``), once to check it and once to import it, so a large file is never held whole.

``import_csv`` writes in one transaction (small files, and the reference the batched import is
tested against). ``import_in_background`` is the web's and the CLI's: a background run
(``assistant.jobs.track_run``, kind "import") that commits in batches so no staff answer waits on
the write lock, reports progress, and makes the rows evidence in one
last statement; a failed import removes what it wrote (all rows or none, as seen by every page).
The web queues it with ``import_params`` (the upload kept in the database, the file name, the
mapping) and any process's worker does it from the Run row alone (``run_queued_import``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from itertools import islice
from typing import Unpack

from sqlalchemy import delete, insert, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from assistant.csvfile import MAX_BYTES, PREVIEW_ROWS, CSVImportError, CSVSource, Preview, check_columns, open_csv
from assistant.jobs import RunOptions, track_run
from assistant.models import Participant, Run, Segment, SurveyImport, User, new_public_label
from assistant.records import uploads
from assistant.records.evidence import new_segment, segment_values
from assistant.security import audit
from assistant.sentences import is_non_answer


@dataclass
class Mapping:
    """Which CSV columns hold what, and the component for the whole file or per row."""

    text_column: str
    component: str | None = None
    component_column: str | None = None
    id_column: str | None = None
    department_column: str | None = None
    role_column: str | None = None
    department_map: dict[str, str] = field(default_factory=dict)  # a file's value -> the engagement's (or "unknown")
    role_map: dict[str, str] = field(default_factory=dict)


@dataclass
class ImportFile:
    """A CSV to import: its bytes as a stream (``csvfile.CSVSource``), its name, how to read it, the
    rubric's component ids its rows may name, and the size limit it is read under."""

    source: CSVSource
    filename: str
    mapping: Mapping
    components: list[str]
    max_bytes: int = MAX_BYTES

    def check(self) -> FileCheck:
        """``check_file`` on this file (raises ``CSVImportError`` listing every problem row)."""
        return check_file(self.source, self.mapping, self.components, max_bytes=self.max_bytes)

    def rows(self) -> Iterator[Row]:
        """The file's rows to import, read again as a stream (``_rows``)."""
        return _rows(self.source, self.mapping, self.max_bytes)


UNKNOWN = "unknown"
BATCH = 200  # rows per transaction in a background import: short write locks, so staff answers never wait
YIELD = 1.0  # after each batch the import pauses as long as its write took (SQLite has one writer: staff go first)
KEPT_PROBLEMS = 1000  # problem rows kept for the page (the count covers all): a broken big file stays small

# (row number from 0, the row, its component)
Row = tuple[int, dict[str, str], str]


@dataclass
class FileCheck:
    """A file that passed ``check_file``: what the mapping page shows of it (header, first rows, row count),
    and the departments and role levels in its mapped columns that the engagement does not have and the
    mapping does not map yet (sorted)."""

    shown: Preview
    departments: list[str] = field(default_factory=list)
    roles: list[str] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return self.shown.rows


def _group(value: str, mapping: dict[str, str]) -> str:
    value = (value or "").strip()
    return mapping.get(value, value)


def _note_unknown(
    row: dict[str, str], mapping: Mapping, departments: list[str], role_levels: list[str], found: tuple[set, set]
) -> None:
    """Add to ``found`` the row's department and role level when the engagement lacks them and ``mapping``
    does not map them; empty values are not noted (they are "not given")."""
    for column, known, amap, out in (
        (mapping.department_column, departments, mapping.department_map, found[0]),
        (mapping.role_column, role_levels, mapping.role_map, found[1]),
    ):
        value = (row.get(column or "", "") or "").strip()
        if column and value and value not in known and value not in amap:
            out.add(value)


def check_file(
    source: CSVSource,
    mapping: Mapping,
    components: list[str],
    departments: list[str] | None = None,
    role_levels: list[str] | None = None,
    max_bytes: int = MAX_BYTES,
) -> FileCheck:
    """Check the whole file with ``mapping`` in one pass; returns its row count and (when the engagement's
    ``departments`` and ``role_levels`` are given) the groups still to map.

    Rules: every mapped column exists; every row has a non-empty answer (empty rows are listed, not
    skipped silently) and a known component; a file without rows is refused. Raises ``CSVImportError``
    listing every problem row (the first ``KEPT_PROBLEMS`` of them kept, all counted)."""
    if not mapping.component and not mapping.component_column:
        raise CSVImportError("Choose a component for the whole file or a column that names each row's component.")
    if mapping.component and mapping.component not in components:
        raise CSVImportError(f"Unknown component '{mapping.component}'. Use one of: {', '.join(components)}.")
    header, rows = open_csv(source, max_bytes)
    check_columns(
        header,
        {
            "text": mapping.text_column,
            "component": mapping.component_column,
            "respondent id": mapping.id_column,
            "department": mapping.department_column,
            "role": mapping.role_column,
        },
    )
    problems: list[str] = []
    count = wrong = 0
    found: tuple[set[str], set[str]] = (set(), set())
    first: list[dict[str, str]] = []
    for line, row in rows:
        if count < PREVIEW_ROWS:
            first.append(row)
        count += 1
        text = row.get(mapping.text_column, "").strip()
        comp = mapping.component or row.get(mapping.component_column or "", "").strip()
        mine: list[str] = []
        if not any(v.strip() for v in row.values()):
            mine.append(f"line {line}: empty row")
        else:
            if not text:
                mine.append(f"line {line}: no answer in column '{mapping.text_column}'")
            if comp not in components:
                mine.append(f"line {line}: unknown component '{comp}' (use one of: {', '.join(components)})")
        wrong += len(mine)
        problems.extend(mine[: max(0, KEPT_PROBLEMS - len(problems))])
        if departments is not None:
            _note_unknown(row, mapping, departments, role_levels or [], found)
    if not count:
        raise CSVImportError("The file has a header but no answers.")
    if wrong:
        raise CSVImportError(f"Nothing was imported: {wrong} row(s) need fixing.", problems, total=wrong)
    return FileCheck(Preview(header, first, count), sorted(found[0]), sorted(found[1]))


def _rows(source: CSVSource, mapping: Mapping, max_bytes: int) -> Iterator[Row]:
    """The rows of a file ``check_file`` passed (so every row is good), read anew as a stream."""
    _header, rows = open_csv(source, max_bytes)
    for n, (_line, row) in enumerate(rows):
        yield n, row, mapping.component or row.get(mapping.component_column or "", "").strip()


def _write_rows(
    session: Session,
    engagement_id: int,
    record: SurveyImport,
    rows: Iterable[Row],
    mapping: Mapping,
    known: dict[str, int],
    active: bool,
) -> int:
    """Add participants and segments for ``rows`` ((row number, row, component)); returns non-answers skipped."""
    skipped = 0
    for n, row, comp in rows:
        if is_non_answer(row[mapping.text_column]):
            skipped += 1  # counted, not evidence: "n/a" and "no comment" form junk themes
            continue
        ext = (row.get(mapping.id_column or "", "") or "").strip() or f"import{record.id}-row{n + 1}"
        person_id = known.get(ext)
        if person_id is None:
            department = _group(row.get(mapping.department_column or "", ""), mapping.department_map)
            role_level = _group(row.get(mapping.role_column or "", ""), mapping.role_map)
            person = Participant(
                engagement_id=engagement_id,
                source="import",
                external_id=ext,
                department=department,
                role_level=role_level,
            )
            session.add(person)
            session.flush()
            assert person.id is not None
            person_id = known[ext] = person.id
        raw = row[mapping.text_column]
        start = len(raw) - len(raw.lstrip())
        text = raw.strip()
        segment = new_segment(engagement_id, person_id, comp, start, text, source="import", import_id=record.id)
        segment.active = active
        session.add(segment)
    return skipped


@dataclass
class _Batch:
    """A batch of rows made ready outside any transaction: the new respondents (external id ->
    department, role level) and each answer (external id, component, start, text)."""

    people: dict[str, tuple[str, str]] = field(default_factory=dict)
    answers: list[tuple[str, str | None, int, str]] = field(default_factory=list)
    skipped: int = 0


def _plan(rows: Iterable[Row], record_id: int, mapping: Mapping, known: dict[str, int]) -> _Batch:
    """``rows`` as ``_write_rows`` would write them, worked out before the write lock is taken."""
    batch = _Batch()
    for n, row, comp in rows:
        if is_non_answer(row[mapping.text_column]):
            batch.skipped += 1
            continue
        ext = (row.get(mapping.id_column or "", "") or "").strip() or f"import{record_id}-row{n + 1}"
        if ext not in known and ext not in batch.people:
            department = _group(row.get(mapping.department_column or "", ""), mapping.department_map)
            batch.people[ext] = (department, _group(row.get(mapping.role_column or "", ""), mapping.role_map))
        raw = row[mapping.text_column]
        batch.answers.append((ext, comp, len(raw) - len(raw.lstrip()), raw.strip()))
    return batch


def _store(engine: Engine, engagement_id: int, record_id: int, batch: _Batch, known: dict[str, int]) -> float:
    """Write a planned batch in one short transaction (two bulk inserts); returns the seconds it held
    the write lock."""
    with Session(engine, expire_on_commit=False) as session:
        started = time.perf_counter()
        if batch.people:
            made = session.execute(
                insert(Participant).returning(Participant.external_id, Participant.id, sort_by_parameter_order=True),
                [
                    {
                        "engagement_id": engagement_id,
                        "source": "import",
                        "external_id": ext,
                        "department": d,
                        "role_level": r,
                        "public_label": new_public_label(),
                        "attributes": {},
                    }
                    for ext, (d, r) in batch.people.items()
                ],
            ).all()
            known.update({ext: pid for ext, pid in made})
        if batch.answers:
            session.execute(
                insert(Segment),
                [
                    segment_values(
                        engagement_id, known[ext], comp, start, text, source="import", import_id=record_id, active=False
                    )
                    for ext, comp, start, text in batch.answers
                ],
            )
        session.commit()
        return time.perf_counter() - started


def _known(session: Session, engagement_id: int) -> dict[str, int]:
    """The engagement's imported participants: external id -> participant id (ids, not rows, so a large
    file's map stays small)."""
    found = session.exec(
        select(Participant.external_id, Participant.id).where(
            Participant.engagement_id == engagement_id, Participant.source == "import"
        )
    ).all()
    return {ext: pid for ext, pid in found if ext and pid is not None}


def _new_record(
    session: Session, engagement_id: int, filename: str, mapping: Mapping, created_by: int | None, **notes: object
) -> SurveyImport:
    """The import's SurveyImport row (added and flushed), its mapping stored with ``notes`` beside it."""
    record = SurveyImport(
        engagement_id=engagement_id,
        filename=filename,
        rows=0,
        mapping={**asdict(mapping), **notes},
        created_by=created_by,
    )
    session.add(record)
    session.flush()
    return record


def import_csv(session: Session, engagement_id: int, file: ImportFile, created_by: int | None = None) -> SurveyImport:
    """Import ``file`` in the caller's transaction; returns the SurveyImport row (added and flushed,
    caller commits).

    Rules: ``check_file``'s (nothing is added when any row has a problem); rows with the same respondent
    id are one participant; departments and roles go through the mapping's maps.
    """
    checked = file.check()
    record = _new_record(session, engagement_id, file.filename, file.mapping, created_by)
    known = _known(session, engagement_id)
    skipped = _write_rows(session, engagement_id, record, file.rows(), file.mapping, known, True)
    record.mapping = {**record.mapping, "non_answers": skipped}
    record.rows = checked.rows - skipped
    session.add(record)
    session.flush()
    return record


def import_in_background(
    engine: Engine,
    engagement_id: int,
    file: ImportFile,
    batch: int = BATCH,
    finish: Callable[[Session, dict[str, int]], None] | None = None,
    **run: Unpack[RunOptions],
) -> dict[str, int]:
    """Import ``file`` as a background run of kind "import" (``run``: ``track_run``'s options; the import
    is recorded as made by ``started_by``), ``batch`` rows a transaction; returns its stats. ``finish``
    writes what must hold once the import is seen as done (its audit entry) in the transaction that makes
    the rows evidence, before the run reads "done".

    Rules: the file is checked whole first (nothing written on a problem), then read again as a stream;
    rows are written a batch at a time, each batch worked out before its short transaction (two bulk
    inserts) and followed by a pause as long as the write (on SQLite the one write lock goes to the
    staff answers waiting for it), as inactive segments no page or run reads; one last statement
    makes them all evidence at once. If anything fails, the rows
    written so far are deleted, so the import is all or nothing.
    """
    created_by = run.get("started_by")
    run.setdefault("message", "Checking the file")
    with track_run(engine, engagement_id, "import", **run) as tracker:
        total = file.check().rows
        with Session(engine, expire_on_commit=False) as session:
            record = _new_record(session, engagement_id, file.filename, file.mapping, created_by, status="importing")
            session.commit()
        skipped = written = 0
        try:
            with Session(engine, expire_on_commit=False) as session:
                known = _known(session, engagement_id)
            rows = file.rows()
            while part := list(islice(rows, batch)):
                planned = _plan(part, record.id, file.mapping, known)
                held = _store(engine, engagement_id, record.id, planned, known)
                skipped += planned.skipped
                time.sleep(YIELD * held)  # a staff answer waiting for the lock takes it now
                written += len(part)
                tracker.progress(0.95 * written / max(1, total), f"Imported {written} of {total} rows")
            with Session(engine) as session:
                session.execute(update(Segment).where(col(Segment.import_id) == record.id).values(active=True))
                stored = session.get(SurveyImport, record.id)
                assert stored is not None
                stored.rows = total - skipped
                stored.mapping = {**asdict(file.mapping), "non_answers": skipped, "status": "done"}
                session.add(stored)
                stats = {"import_id": record.id, "rows": total - skipped, "non_answers": skipped}
                if finish is not None:
                    finish(session, stats)
                session.commit()
        except BaseException:
            _remove(engine, record.id)
            raise
        tracker.done(stats, f"Imported {stats['rows']} answers from {file.filename}")
    return stats


def import_params(upload_ref: str, filename: str, mapping: Mapping) -> dict:
    """The queued import's ``Run.params``: the kept upload's reference, the file name and the mapping
    (plain JSON, so the worker of any process can rebuild the import from the row)."""
    return {"upload": upload_ref, "filename": filename[:200], "mapping": asdict(mapping)}


def run_queued_import(engine: Engine, run: Run, components: list[str]) -> dict[str, int]:
    """Do the queued web import ``run`` (made with ``import_params``); returns its stats.

    The file is the upload its params name (``assistant.records.uploads``: in the database, so any process may
    do the run); the import is ``import_in_background`` (all rows or none); then the import is audited
    as the consultant who started it and the upload is removed, in the transaction that ends the import
    (so the run never reads "done" before its audit entry exists). An upload no longer kept (a day at most)
    raises CSVImportError, which fails the run with that message and writes nothing.
    """
    params = run.params or {}
    ref = str(params.get("upload", ""))
    with Session(engine, expire_on_commit=False) as session:
        upload = uploads.find(session, run.engagement_id, ref)
        if upload is None:
            raise CSVImportError("the uploaded file is no longer kept (uploads are kept for a day); upload it again")
        upload_id = upload.id
        user = session.get(User, run.started_by) if run.started_by is not None else None
    mapping = Mapping(**params.get("mapping", {}))
    filename = str(params.get("filename") or "upload.csv")
    file = ImportFile(uploads.source(engine, upload_id), filename, mapping, components)

    def finish(session: Session, stats: dict[str, int]) -> None:
        audit(
            session,
            "survey.import",
            actor=f"consultant {user.email}" if user is not None else "system",
            actor_user_id=run.started_by,
            engagement_id=run.engagement_id,
            entity=f"surveyimport:{stats['import_id']}",
            after={"filename": filename, "rows": stats["rows"], "mapping": asdict(mapping)},
        )
        uploads.forget(session, run.engagement_id, ref)

    return import_in_background(
        engine, run.engagement_id, file, finish=finish, started_by=run.started_by, run_id=run.id
    )


def _remove(engine: Engine, import_id: int) -> None:
    """Delete what a failed import wrote: its segments, the participants only it created, its record."""
    with Session(engine) as session:
        people = set(session.exec(select(Segment.participant_id).where(Segment.import_id == import_id)).all())
        session.execute(delete(Segment).where(col(Segment.import_id) == import_id))
        others = set(session.exec(select(Segment.participant_id).where(col(Segment.participant_id).in_(people))).all())
        session.execute(delete(Participant).where(col(Participant.id).in_(people - others)))
        session.execute(delete(SurveyImport).where(col(SurveyImport.id) == import_id))
        session.commit()
