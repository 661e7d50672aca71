"""The ``dm3`` command: serve, demo, migrate, users, engagements, the pipeline stages and the logs.

One module per group of commands; each registers its commands on the one Typer ``app`` (``cli/common.py``)
when imported here, so ``assistant.cli:app`` (the entry point in pyproject.toml) has them all.
"""

from __future__ import annotations

from assistant.cli import admin, dataflow, files, followup, pipeline, serve
from assistant.cli.common import app
from assistant.cli.export import export_cmd
from assistant.cli.logs import audit_cmd, logs_cmd

# the read-only logs (LLM calls, audit) and the report export, registered after the groups above
app.command("logs")(logs_cmd)
app.command("audit")(audit_cmd)
app.command("export")(export_cmd)

__all__ = ["admin", "app", "dataflow", "files", "followup", "pipeline", "serve"]
