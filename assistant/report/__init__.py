"""The engagement report: one document model (``document``), rendered to HTML, DOCX and PDF, and the
data exports (CSV, JSON); charts (``charts``) are drawn once and used by the pages and documents."""
