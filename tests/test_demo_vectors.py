"""The packaged demo vectors: equal to a fresh encoding by the real model, used only for that model,
and any text they lack is encoded for real."""

from __future__ import annotations

import numpy as np

from assistant.demo.vectors import DemoEmbedder, VectorStore, model_name_for, packaged_store

WRITE = "`.venv/bin/python scripts/write_demo_vectors.py`"
STALE = f"the packaged demo vectors are stale: rerun {WRITE} and commit the file"


def test_packaged_vectors_equal_a_fresh_encoding(embedder):
    store = packaged_store()
    assert store is not None, f"assistant/demo/data/vectors.npz is missing: run {WRITE}"
    assert store.model_name == embedder.model_name and store.dim == embedder.dim, STALE
    assert len(store.texts) == len(set(store.texts)) > 500
    fresh = embedder.encode(store.texts)
    worst = float(np.abs(fresh - store.vectors).max())
    assert worst < 1e-5, f"{STALE} (largest difference {worst:.2e})"
    assert np.allclose(np.linalg.norm(store.vectors, axis=1), 1.0, atol=1e-5)


def test_known_texts_come_from_the_store_and_the_rest_from_the_model(embedder, settings):
    store = packaged_store()
    known = store.texts[len(store.texts) // 2]
    novel = "Our ferry timetable lives in a fax machine nobody admits to owning."
    demo = DemoEmbedder(settings.embedding_model, store=store)
    assert demo.model_name == model_name_for(settings.embedding_model) == embedder.model_name
    vectors = demo.encode([known, novel, known])
    assert vectors.dtype == np.float32 and vectors.shape == (3, embedder.dim)
    assert np.array_equal(vectors[0], store.get(known)) and np.array_equal(vectors[2], vectors[0])
    assert np.allclose(vectors[1], embedder.encode([novel])[0], atol=1e-6)
    assert (demo.hits, demo.misses) == (2, 1)
    assert demo.encode([]).shape == (0, embedder.dim)


def test_a_store_made_with_another_model_is_not_used(embedder, settings):
    text = "We keep the permits in a spreadsheet."
    other = VectorStore("some-other-model", [text], np.ones((1, embedder.dim), dtype=np.float32))
    demo = DemoEmbedder(settings.embedding_model, store=other)
    assert demo.store is None
    assert np.allclose(demo.encode([text])[0], embedder.encode([text])[0], atol=1e-6) and demo.misses == 1


def test_the_store_round_trips_any_text():
    texts = ["café: naïve “quotes”", "", "日本語", "plain"]
    vectors = np.arange(16, dtype=np.float32).reshape(4, 4)
    back = VectorStore.from_bytes(VectorStore("m", texts, vectors).to_bytes())
    assert back.model_name == "m" and back.texts == texts and np.array_equal(back.vectors, vectors)
    assert np.array_equal(back.get("日本語"), vectors[2]) and back.get("missing") is None
