"""Reading a CSV file someone uploads: UTF-8 text with a header row, checked before use, read as a stream.

Shared below the stages: the survey import (``assistant.records.imports``), the invite list
(``assistant.records.engagements``) and ``dm3 themes`` (``assistant.synthesis.csv_themes``) read files the same
way and refuse them with the same errors, each listing what to fix. A file is read from an iterable of
byte chunks (a file on disk, an upload's rows in the database) through a text decoder and the csv
reader, so a file of any size is read with a few MB of memory; a ``CSVSource`` that is a function
opens the file anew for each pass (checked whole first, then imported).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

MAX_BYTES = 200 * 1024 * 1024  # 200 MB: larger files are refused before reading
MAX_LISTED = 20  # problems listed in the message (the count covers all)
PREVIEW_ROWS = 3  # rows of a file the mapping step shows
CHUNK = 1 << 20  # 1 MiB: the piece a file is read, stored and fetched in

# a whole file's bytes, or a function that opens the file anew and gives its chunks in order
CSVSource = bytes | Callable[[], Iterable[bytes]]


class CSVImportError(ValueError):
    """A CSV that cannot be read or imported. ``problems`` lists what is wrong, row by row;
    ``total`` counts them all when a file has more than are kept."""

    def __init__(self, message: str, problems: list[str] | None = None, total: int | None = None) -> None:
        self.problems = problems or []
        total = len(self.problems) if total is None else total  # problems may list only the first of them
        listed = "".join(f"\n  - {p}" for p in self.problems[:MAX_LISTED])
        more = f"\n  ... and {total - MAX_LISTED} more" if total > MAX_LISTED else ""
        super().__init__(message + listed + more)


@dataclass
class Parsed:
    """A read file: the header (names stripped), each row as {column: value}, and its line number."""

    header: list[str]
    rows: list[dict[str, str]] = field(default_factory=list)
    line_numbers: list[int] = field(default_factory=list)


@dataclass
class Preview:
    """What the mapping step shows of a file: its header, its first rows and how many rows it has."""

    header: list[str]
    first: list[dict[str, str]]
    rows: int


def file_chunks(file: BinaryIO, size: int = CHUNK) -> Iterator[bytes]:
    """The chunks of an open binary file from where it stands, ``size`` bytes each (the last one shorter)."""
    while chunk := file.read(size):
        yield chunk
        del chunk  # not held while the next one is read


def too_big(limit: int) -> CSVImportError:
    """The error for a file found larger than ``limit`` bytes while it was read."""
    return CSVImportError(
        f"The file is larger than the {limit / 1e6:g} MB limit. Split it into smaller files and import each."
    )


class _ChunkReader(io.RawIOBase):
    """A read-only binary file over chunks: refuses more than ``limit`` bytes (``too_big``) and counts the
    line breaks it has handed out, so a decoding error can say on which line the bad byte is."""

    def __init__(self, chunks: Iterable[bytes], limit: int) -> None:
        super().__init__()
        self._chunks = iter(chunks)
        self._chunk = b""
        self._at = 0
        self._limit = limit
        self._size = 0
        self.lines_before_last_read = 0  # line breaks in the bytes handed out before the latest read
        self._lines = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:
        while self._at >= len(self._chunk):
            self._chunk = b""  # let the used chunk go before the next one is fetched
            chunk = next(self._chunks, None)
            if chunk is None:
                return 0
            self._size += len(chunk)
            if self._size > self._limit:
                raise too_big(self._limit)
            self._chunk, self._at = chunk, 0
        out = memoryview(buffer).cast("B")
        n = min(len(out), len(self._chunk) - self._at)
        out[:n] = self._chunk[self._at : self._at + n]
        self.lines_before_last_read = self._lines
        self._lines += self._chunk.count(b"\n", self._at, self._at + n)
        self._at += n
        return n


def records(source: CSVSource, max_bytes: int = MAX_BYTES) -> Iterator[tuple[int, list[str]]]:
    """Each CSV record of ``source`` (header included) with the line it ends on, read as a stream.

    Rules: UTF-8 (a BOM allowed), at most ``max_bytes``; raises CSVImportError for a larger file, a
    byte that is not UTF-8 (naming its line) or a malformed record, at the point it is reached."""
    if isinstance(source, bytes) and len(source) > max_bytes:
        raise CSVImportError(
            f"The file is {len(source) / 1e6:.0f} MB; the limit is {max_bytes / 1e6:.0f} MB. "
            "Split it into smaller files and import each."
        )
    raw = _ChunkReader((source,) if isinstance(source, bytes) else source(), max_bytes)
    text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")  # newline="": csv sees quoted line breaks
    reader = csv.reader(text)
    try:
        for row in reader:
            yield reader.line_num, row
    except UnicodeDecodeError as exc:
        # the decoder was handed the latest read (after a partial character, which holds no line break)
        line = raw.lines_before_last_read + bytes(exc.object[: exc.start]).count(b"\n") + 1
        raise CSVImportError(
            f"The file is not UTF-8 text (first bad byte on line {line}). "
            "Save it as 'CSV UTF-8' in your spreadsheet program and try again."
        ) from exc
    except csv.Error as exc:
        raise CSVImportError(f"The file is not valid CSV: {exc}.") from exc


def open_csv(source: CSVSource, max_bytes: int = MAX_BYTES) -> tuple[list[str], Iterator[tuple[int, dict[str, str]]]]:
    """The header (names stripped) and a stream of (line number, {column: value}) rows of ``source``.

    Rules: as ``records``; the file must start with a header naming its columns; a short row's missing
    cells are "" and cells past the header are dropped."""
    stream = records(source, max_bytes)
    first = next(stream, None)
    if first is None or not any(h.strip() for h in first[1]):
        raise CSVImportError("The file is empty: it needs a header row naming its columns.")
    header = [h.strip() for h in first[1]]
    rows = ((line, {h: (row[i] if i < len(row) else "") for i, h in enumerate(header)}) for line, row in stream)
    return header, rows


def read_csv(data: bytes, max_bytes: int = MAX_BYTES) -> Parsed:
    """Header and rows of a UTF-8 CSV held whole (small files: ``dm3 themes``); errors as ``open_csv``."""
    header, rows = open_csv(data, max_bytes)
    parsed = Parsed(header=header)
    for line, row in rows:
        parsed.line_numbers.append(line)
        parsed.rows.append(row)
    return parsed


def preview(source: CSVSource, max_bytes: int = MAX_BYTES, first: int = PREVIEW_ROWS) -> Preview:
    """The header, the ``first`` rows and the row count of ``source``, read whole as a stream (so a
    broken row anywhere is refused now, as ``open_csv`` says) while keeping only those rows."""
    header, rows = open_csv(source, max_bytes)
    kept: list[dict[str, str]] = []
    count = 0
    for _line, row in rows:
        if count < first:
            kept.append(row)
        count += 1
    return Preview(header=header, first=kept, rows=count)


def check_columns(header: list[str], wanted: dict[str, str | None]) -> None:
    """Raise when a mapped column is not in the header (names listed so the user can fix the mapping)."""
    missing = [
        f"{role} column '{name}' is not in the file" for role, name in wanted.items() if name and name not in header
    ]
    if missing:
        raise CSVImportError("Some mapped columns are missing. The file's columns are: " + ", ".join(header), missing)


def file_source(file: BinaryIO, size: int = CHUNK) -> Callable[[], Iterator[bytes]]:
    """An open, seekable binary file as a ``CSVSource`` read ``size`` bytes at a time: each call reads it
    again from the start."""

    def read() -> Iterator[bytes]:
        file.seek(0)
        return file_chunks(file, size)

    return read
