"""The data exports of a built report: its tables (``Report.data``, filled by ``report/tables.py``) as
one JSON document or a ZIP of CSV files (one per table). Nothing here queries: the export serialises
the model the report was built as. CSV cells that a spreadsheet would run as a formula (starting with
= + - @, tab or carriage return) are prefixed with an apostrophe (``security.csv_text``).
"""

from __future__ import annotations

import io
import json
import zipfile

from assistant.report.model import Report
from assistant.security import csv_text


def to_json(report: Report) -> bytes:
    """All tables in one JSON document with the organisation, rubric version and time of export."""
    doc = {
        "organisation": report.organisation,
        "rubric_version": report.rubric_version,
        "exported_at": report.generated_at.isoformat(timespec="seconds"),
        "horizon_months": report.horizon,
        **report.data,
    }
    return json.dumps(doc, indent=2, ensure_ascii=False).encode("utf-8")


def to_csv_zip(report: Report) -> bytes:
    """A ZIP holding one UTF-8 CSV per table (with a byte-order mark so spreadsheets read accents)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, rows in report.data.items():
            header = list(rows[0]) if rows else []
            text = csv_text(header, ([row[k] for k in header] for row in rows), bom=True) if rows else "\ufeff"
            archive.writestr(f"{name}.csv", text)
    return buf.getvalue()
