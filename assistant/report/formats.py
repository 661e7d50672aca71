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


# the reports an export run can build (``Run.params["report"]``, "engagement" when absent) and their formats
REPORT_FORMATS = {"engagement": tuple(FORMATS), "progress": ("docx", "pdf", "html")}


class ExportError(ValueError):
    """An export that cannot be made; the message says why."""


def check_format(fmt: str) -> str:
    """``fmt`` when it is an export format; ``ExportError`` naming the formats otherwise."""
    if fmt not in FORMATS:
        raise ExportError(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}")
    return fmt


def report_of(params: dict) -> str:
    """The report an export run's ``params`` name: "engagement" (the default) or "progress"."""
    return str(params.get("report") or "engagement")


def check_report(report: str, fmt: str) -> str:
    """``fmt`` when ``report`` comes in it; ``ExportError`` naming the report's formats otherwise."""
    if report not in REPORT_FORMATS:
        raise ExportError(f"unknown report {report!r}: use one of {', '.join(REPORT_FORMATS)}")
    if fmt not in REPORT_FORMATS[report]:
        raise ExportError(f"the {report} report comes as {', '.join(REPORT_FORMATS[report])}, not {fmt!r}")
    return fmt
