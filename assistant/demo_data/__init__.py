"""Data files for the demo engagement (``answers.yaml``: what the demo city's staff say)."""
