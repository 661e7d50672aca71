"""The embedder encodes in chunks sized by text, so the progress it reports moves every second or two
however long the staff's answers are (issue 30: a long run's progress must move within every step)."""

from __future__ import annotations

import numpy as np

from assistant.embeddings import CHUNK_CHARS, READ_CHARS, _chunks


def test_long_texts_come_in_smaller_chunks_and_every_text_once_in_order():
    lengths = [5_000] * 40 + [900] * 40 + [60] * 300
    order = list(range(len(lengths)))
    chunks = list(_chunks(order, [min(n, READ_CHARS) for n in lengths], 64))
    assert [i for c in chunks for i in c] == order
    assert all(len(c) <= 64 for c in chunks)
    assert len(chunks[0]) == CHUNK_CHARS // READ_CHARS  # a text longer than the model reads counts as read
    assert len(chunks[-2]) == 64  # short texts fill a whole batch
    assert all(sum(min(lengths[i], READ_CHARS) for i in c[:-1]) < CHUNK_CHARS for c in chunks)


def test_encode_reports_each_chunk_and_its_vectors_equal_one_call(embedder):
    texts = ["The permit log is typed in by hand every morning and checked against the paper forms. " * 12] * 20
    texts += [f"We export report {i} to a spreadsheet." for i in range(70)]
    heard: list[tuple[int, int]] = []
    x = embedder.encode(texts, counted=lambda done, total: heard.append((done, total)))
    assert heard[-1] == (90, 90) and len(heard) >= 3
    assert [d for d, _ in heard] == sorted({d for d, _ in heard})  # counts only move forward
    assert np.allclose(x, embedder._model.encode(texts, normalize_embeddings=True), atol=1e-5)
