"""The engagement report: one document model (``document``), rendered to HTML, DOCX and PDF, and the
data exports (CSV, JSON); charts come from ``assistant.charts``, drawn once for the pages and documents."""
