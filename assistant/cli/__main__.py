"""``python -m assistant.cli``: the ``dm3`` command."""

from assistant.cli import app

app()
