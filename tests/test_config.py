"""State that does not live in one process: the signing secret is required, the demo keeps one in var/
(that ``dm3 demo`` writes it there and keeps it across restarts: tests/test_cli.py, which runs the demo)."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.cli import app as cli
from assistant.config import ConfigError, Settings, demo_secret_key, require_secret_key
from assistant.web.app import create_app


def test_the_app_refuses_to_start_without_a_shared_secret(settings: Settings) -> None:
    for missing in (None, "", "short"):
        settings.secret_key = missing
        with pytest.raises(ConfigError, match="DM3_SECRET_KEY .*same random value"):
            create_app(settings)
    settings.secret_key = "x" * 32
    assert require_secret_key(settings) == "x" * 32


def test_dm3_serve_says_how_to_set_the_secret_and_starts_nothing(cli_env, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DM3_SECRET_KEY")
    result = CliRunner().invoke(cli, ["serve", "--port", "1"])
    assert result.exit_code == 1
    assert "DM3_SECRET_KEY is not set" in result.output and "dm3 demo" in result.output


def test_the_demo_secret_is_made_once_readable_only_by_its_owner(tmp_path: Path) -> None:
    first = demo_secret_key(tmp_path / "var")
    again = demo_secret_key(tmp_path / "var")
    path = tmp_path / "var" / "secret_key"
    assert first == again and len(first) >= 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
