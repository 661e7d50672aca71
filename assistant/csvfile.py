"""Reading a CSV file someone uploads: UTF-8 text with a header row, checked before use.

Shared below the stages: the survey import (``assistant.imports``) and ``dm3 themes``
(``assistant.synthesis.csv_themes``) read files the same way and refuse them with the same
errors, each listing what to fix.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

MAX_BYTES = 200 * 1024 * 1024  # 200 MB: larger files are refused before reading
MAX_LISTED = 20  # problems listed in the message (the count covers all)


class CSVImportError(ValueError):
    """A CSV that cannot be read or imported. ``problems`` lists what is wrong, row by row."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        self.problems = problems or []
        listed = "".join(f"\n  - {p}" for p in self.problems[:MAX_LISTED])
        more = f"\n  ... and {len(self.problems) - MAX_LISTED} more" if len(self.problems) > MAX_LISTED else ""
        super().__init__(message + listed + more)


@dataclass
class Parsed:
    """A read file: the header (names stripped), each row as {column: value}, and its line number."""

    header: list[str]
    rows: list[dict[str, str]] = field(default_factory=list)
    line_numbers: list[int] = field(default_factory=list)


def read_csv(data: bytes, max_bytes: int = MAX_BYTES) -> Parsed:
    """Header and rows of a UTF-8 CSV (BOM allowed); raises CSVImportError on size, encoding or shape."""
    if len(data) > max_bytes:
        raise CSVImportError(
            f"The file is {len(data) / 1e6:.0f} MB; the limit is {max_bytes / 1e6:.0f} MB. "
            "Split it into smaller files and import each."
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise CSVImportError(
            f"The file is not UTF-8 text (first bad byte on line {line}). "
            "Save it as 'CSV UTF-8' in your spreadsheet program and try again."
        ) from exc
    try:
        reader = csv.reader(io.StringIO(text, newline=""))
        header = next(reader, None)
        if not header or not any(h.strip() for h in header):
            raise CSVImportError("The file is empty: it needs a header row naming its columns.")
        header = [h.strip() for h in header]
        parsed = Parsed(header=header)
        for row in reader:
            parsed.line_numbers.append(reader.line_num)
            parsed.rows.append({h: (row[i] if i < len(row) else "") for i, h in enumerate(header)})
    except csv.Error as exc:
        raise CSVImportError(f"The file is not valid CSV: {exc}.") from exc
    return parsed


def check_columns(header: list[str], wanted: dict[str, str | None]) -> None:
    """Raise when a mapped column is not in the header (names listed so the user can fix the mapping)."""
    missing = [
        f"{role} column '{name}' is not in the file" for role, name in wanted.items() if name and name not in header
    ]
    if missing:
        raise CSVImportError("Some mapped columns are missing. The file's columns are: " + ", ".join(header), missing)
