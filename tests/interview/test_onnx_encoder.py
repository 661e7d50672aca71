"""The ONNX answer encoder: the packaged model exported locally, giving the PyTorch model's vectors
(unquantised) or very nearly (int8), and the same off-topic decisions."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from assistant.config import Settings
from assistant.interview.decide import judge
from assistant.interview.onnx_encoder import OnnxEncoder
from assistant.interview.relatedness import Relatedness

# no database: the SQLite pass only (see the heavy marker in pyproject.toml)
pytestmark = pytest.mark.heavy

CACHE = Path(__file__).resolve().parents[2] / "var" / "models"  # an export cache, made here if absent
TEXTS = [
    "Residents fill out the paper permit application at the counter, I key it into Accela.",
    "The snow this week is insane, I almost slid into a ditch on the way in.",
    "Los formularios llegan en papel y los paso a la computadora.",
    "How does the data you work with most get from where it is collected to where it is used?",
]


@pytest.fixture(scope="module", params=[False, True], ids=["fp32", "int8"])
def encoder(request):
    return OnnxEncoder(Settings(_env_file=None).embedding_model, CACHE, quantize=request.param)


def test_vectors_match_the_pytorch_model(encoder, embedder):
    ours, theirs = encoder.encode(TEXTS), embedder.encode(TEXTS)
    assert ours.shape == theirs.shape
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-4)
    cosine = (ours * theirs).sum(axis=1)
    assert cosine.min() > (0.95 if encoder.quantized else 0.9999), cosine


def test_the_off_topic_decision_is_the_same(encoder, embedder, rubric):
    q = rubric.question("dlc_q1")[1]
    fast, full = Relatedness(encoder), Relatedness(embedder)
    for answer in (
        "The snow this week is insane, I almost slid into a ditch on the way in.",
        "Word of mouth honestly. Somebody at the coffee machine mentioned planning had it.",
    ):
        assert judge(answer, q, rubric, None, fast) == judge(answer, q, rubric, None, full)
