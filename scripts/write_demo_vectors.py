"""Write ``assistant/demo/data/vectors.npz``: the texts a fresh demo's completed engagement encodes, with
the vectors the configured embedding model gives them (see ``assistant/demo/vectors.py``).

    .venv/bin/python scripts/write_demo_vectors.py

Seeds a fresh demo in a temporary folder exactly as ``dm3 demo`` does (the engagement in progress,
then the completed one), recording every text the pipeline asks the real model to encode.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from sqlmodel import Session

from assistant.config import Settings
from assistant.db import make_engine, migrate
from assistant.demo.completed import seed_completed
from assistant.demo.seed import seed_demo
from assistant.demo.vectors import VECTORS_FILE, RecordingEmbedder, VectorStore
from assistant.embeddings import get_embedder


def record_demo_texts(settings_overrides: dict[str, object] | None = None) -> tuple[list[str], str, int]:
    """Seed a fresh demo (the in-progress engagement, then the completed one, as ``dm3 demo`` does) in
    a temporary folder with the real model, and return (every text the completed one's pipeline
    encoded, sorted; the model folder; the batch size)."""
    here = Path.cwd()
    with tempfile.TemporaryDirectory(prefix="dm3-demo-vectors-") as tmp:
        os.chdir(tmp)  # seed_demo keeps its password file under ./var
        try:
            settings = Settings(database_url=f"sqlite:///{tmp}/demo.db", _env_file=None, **(settings_overrides or {}))
            migrate(settings.database_url)
            engine = make_engine(settings.database_url)
            with Session(engine, expire_on_commit=False) as session:
                seed_demo(session, settings)
                session.commit()
            recorder = RecordingEmbedder(get_embedder(settings.embedding_model, settings.embedding_batch_size))
            seed_completed(engine, settings, embedder=recorder)
            engine.dispose()
        finally:
            os.chdir(here)
    return sorted(recorder.texts), settings.embedding_model, settings.embedding_batch_size


def main() -> None:
    """Write ``assistant/demo/data/vectors.npz`` from a fresh demo run (see the module docstring)."""
    texts, model, batch_size = record_demo_texts()
    embedder = get_embedder(model, batch_size)
    store = VectorStore(embedder.model_name, texts, embedder.encode(texts))
    target = Path(__file__).resolve().parent.parent / "assistant" / "demo" / VECTORS_FILE
    target.write_bytes(store.to_bytes())
    print(f"Wrote {target}: {len(texts)} texts, {target.stat().st_size / 1024:.0f} KB ({embedder.model_name}).")


if __name__ == "__main__":
    main()
