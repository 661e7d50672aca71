"""The export formats, defined once: the file suffix and media type of each, and ``check_format``,
the one check of a requested format (the CLI, the route and the export job all ask it).

Light on purpose: the CLI and the routes import it without loading the renderers."""

from __future__ import annotations

FORMATS = {"docx": ".docx", "pdf": ".pdf", "html": ".html", "json": ".json", "csv": ".zip"}

MEDIA_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
    "html": "text/html; charset=utf-8",
    "json": "application/json",
    "csv": "application/zip",
}


class ExportError(ValueError):
    """An export that cannot be made; the message says why."""


def check_format(fmt: str) -> str:
    """``fmt`` when it is an export format; ``ExportError`` naming the formats otherwise."""
    if fmt not in FORMATS:
        raise ExportError(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}")
    return fmt
