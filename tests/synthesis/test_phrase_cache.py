"""Key-phrase vectors are embedded once: shared by a run's components and kept for later runs."""

from __future__ import annotations

import numpy as np
from sqlmodel import Session, col, select

from assistant.embeddings import CachedEncode, embed_cached, text_hash
from assistant.models import Embedding, Theme
from assistant.synthesis.run import synthesize
from tests.synthesis.seed import seed


def _labels(session, engagement_id: int, run_id: int) -> list[tuple[str, str, list[str], str]]:
    themes = session.exec(
        select(Theme).where(Theme.engagement_id == engagement_id, Theme.run_id == run_id).order_by(Theme.id)
    ).all()
    return [(t.component, t.label, list(t.keywords), t.summary) for t in themes]


def test_a_second_synthesis_encodes_no_phrase_already_stored_and_labels_are_equal(
    engine, session, embedder, rubric, monkeypatch
):
    data = seed(session)
    calls: list[list[str]] = []
    encode = embedder.encode

    def counting(texts, progress=False, counted=None):
        calls.append(list(texts))
        return encode(texts, progress, counted)

    monkeypatch.setattr(embedder, "encode", counting)
    first = synthesize(engine, data.engagement.id, embedder, rubric=rubric)
    first_texts = [t for call in calls for t in call]
    # within a run a text is encoded at most once, whichever component meets it first
    assert len(first_texts) == len(set(first_texts))
    assert first["phrases_embedded"] > 0
    session.expire_all()
    stored = set(session.exec(select(Embedding.text_hash).where(Embedding.model == embedder.model_name)).all())
    keywords = {k for _, _, words, _ in _labels(session, data.engagement.id, first["run_id"]) for k in words}
    assert keywords and {text_hash(k) for k in keywords} <= stored  # the phrases' vectors are kept

    calls.clear()
    second = synthesize(engine, data.engagement.id, embedder, rubric=rubric)
    encoded_again = [t for call in calls for t in call if text_hash(t) in stored]
    assert encoded_again == [] and second["embedded"] == 0 and second["phrases_embedded"] == 0
    session.expire_all()
    # the vectors read back name the themes exactly as the encoded ones did
    assert _labels(session, data.engagement.id, second["run_id"]) == _labels(
        session, data.engagement.id, first["run_id"]
    )
    live_first = select(Theme).where(col(Theme.run_id) == first["run_id"], col(Theme.archived).is_(False))
    assert session.exec(live_first).all() == []  # the labels compared are two runs' rows, not one


def test_a_vector_another_run_stored_meanwhile_is_kept_not_a_failure(engine, session, embedder, monkeypatch):
    """Two runs (two engagements' syntheses in two workers) may encode the same new text at once: the
    one that stores second keeps the first's row instead of failing on the (model, text hash) rule."""
    texts = ["budget spreadsheets emailed weekly", "a shared catalogue of datasets"]
    real_encode = embedder.encode

    def another_run_stores_first(batch, progress=False, counted=None):
        vectors = real_encode(batch, progress, counted)
        with Session(engine) as other:  # the other run stores the same texts, committed before ours does
            for text, vector in zip(batch, vectors, strict=True):
                other.add(
                    Embedding(
                        model=embedder.model_name, text_hash=text_hash(text), dim=embedder.dim, vector=vector.tobytes()
                    )
                )
            other.commit()
        return vectors

    monkeypatch.setattr(embedder, "encode", another_run_stores_first)
    cached = CachedEncode(engine, embedder)
    phrases = cached(texts)
    with Session(engine) as mine:
        segments, new = embed_cached(mine, embedder, [*texts, "a third text, new to both"])
        mine.commit()
    assert cached.new == 2 and new == 1 and np.allclose(phrases, segments[:2])
    rows = session.exec(select(Embedding.text_hash).where(Embedding.model == embedder.model_name)).all()
    assert sorted(rows) == sorted(text_hash(t) for t in [*texts, "a third text, new to both"])
