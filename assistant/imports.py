"""Import existing open-ended survey answers from a CSV as evidence.

Each non-empty answer becomes a Participant (source "import", external id from the respondent
column) and one Segment (source "import") tagged with a DM3 component. The whole file is
checked before anything is written, and written in one transaction: a broken file imports
nothing and the error lists every problem row.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from sqlmodel import Session, select

from assistant.csvfile import MAX_BYTES, CSVImportError, check_columns, read_csv
from assistant.embeddings import text_hash
from assistant.models import Participant, Segment, SurveyImport
from assistant.sentences import is_non_answer


@dataclass
class Mapping:
    """Which CSV columns hold what, and the component for the whole file or per row."""

    text_column: str
    component: Optional[str] = None
    component_column: Optional[str] = None
    id_column: Optional[str] = None
    department_column: Optional[str] = None
    role_column: Optional[str] = None


def import_csv(
    session: Session,
    engagement_id: int,
    data: bytes,
    filename: str,
    mapping: Mapping,
    components: list[str],
    created_by: Optional[int] = None,
    max_bytes: int = MAX_BYTES,
) -> SurveyImport:
    """Import answers from ``data``; returns the SurveyImport row (added and flushed, caller commits).

    Rules: every mapped column exists; every row has a non-empty answer (empty rows are listed,
    not skipped silently) and a known component; rows with the same respondent id are one
    participant. Nothing is added when any row has a problem.
    """
    if not mapping.component and not mapping.component_column:
        raise CSVImportError("Choose a component for the whole file or a column that names each row's component.")
    if mapping.component and mapping.component not in components:
        raise CSVImportError(f"Unknown component '{mapping.component}'. Use one of: {', '.join(components)}.")
    parsed = read_csv(data, max_bytes)
    check_columns(parsed.header, {"text": mapping.text_column, "component": mapping.component_column,
                                  "respondent id": mapping.id_column, "department": mapping.department_column,
                                  "role": mapping.role_column})
    problems: list[str] = []
    good: list[tuple[dict[str, str], str]] = []
    for line, row in zip(parsed.line_numbers, parsed.rows):
        text = row.get(mapping.text_column, "").strip()
        comp = mapping.component or row.get(mapping.component_column or "", "").strip()
        if not any(v.strip() for v in row.values()):
            problems.append(f"line {line}: empty row")
            continue
        if not text:
            problems.append(f"line {line}: no answer in column '{mapping.text_column}'")
        if comp not in components:
            problems.append(f"line {line}: unknown component '{comp}' (use one of: {', '.join(components)})")
        if text and comp in components:
            good.append((row, comp))
    if not parsed.rows:
        raise CSVImportError("The file has a header but no answers.")
    if problems:
        raise CSVImportError(f"Nothing was imported: {len(problems)} row(s) need fixing.", problems)
    record = SurveyImport(engagement_id=engagement_id, filename=filename, rows=len(good),
                          mapping=mapping.__dict__.copy(), created_by=created_by)
    session.add(record)
    session.flush()
    known = {p.external_id: p for p in session.exec(
        select(Participant).where(Participant.engagement_id == engagement_id, Participant.source == "import")).all()
        if p.external_id}
    skipped = 0
    for n, (row, comp) in enumerate(good):
        if is_non_answer(row[mapping.text_column]):
            skipped += 1  # counted, not evidence: "n/a" and "no comment" form junk themes
            continue
        ext = (row.get(mapping.id_column or "", "") or "").strip() or f"import{record.id}-row{n + 1}"
        person = known.get(ext)
        if person is None:
            person = Participant(engagement_id=engagement_id, source="import", external_id=ext,
                                 department=(row.get(mapping.department_column or "", "") or "").strip(),
                                 role_level=(row.get(mapping.role_column or "", "") or "").strip())
            session.add(person)
            session.flush()
            known[ext] = person
        raw = row[mapping.text_column]
        start = len(raw) - len(raw.lstrip())
        text = raw.strip()
        session.add(Segment(engagement_id=engagement_id, participant_id=person.id, import_id=record.id, source="import",
                            start=start, end=start + len(text), text=text, text_hash=text_hash(text),
                            component=comp, original_component=comp))
    record.mapping = {**record.mapping, "non_answers": skipped}
    record.rows = len(good) - skipped
    session.add(record)
    session.flush()
    return record
