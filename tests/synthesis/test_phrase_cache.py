"""Key-phrase vectors are embedded once: shared by a run's components and kept for later runs."""

from __future__ import annotations

from sqlmodel import col, select

from assistant.embeddings import text_hash
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

    def counting(texts, progress=False):
        calls.append(list(texts))
        return encode(texts, progress)

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
