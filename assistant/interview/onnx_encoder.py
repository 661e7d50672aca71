"""The interview's answer encoder on ONNX Runtime: the same MiniLM model, a few milliseconds per answer.

The off-topic rule encodes one short answer per staff turn. Through PyTorch that costs about
20 ms of CPU; the same network exported to ONNX runs in about 10 ms with the same vectors, and
quantised to int8 weights (per channel) in about half that (99.3% of the probe bench's decisions
unchanged), with a shorter input window (answers are cut at ``max_seq_length`` tokens: the first
128 tokens, about 90 words, say what an answer is about).

The export runs locally from the packaged model folder at first use into ``cache_dir``; nothing is
downloaded. Vectors are mean-pooled and unit length, as
sentence-transformers gives them, so ``Relatedness`` takes either encoder.
"""

from __future__ import annotations

import copy
import hashlib
import logging
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

log = logging.getLogger("dm3.interview")

MAX_SEQ_LENGTH = 128


def _model_key(model_dir: Path) -> str:
    """A cache key for the model folder: its weights' size and modification time, hashed with its path."""
    weights = sorted(p for p in model_dir.glob("*") if p.suffix in (".safetensors", ".bin"))
    stamp = "|".join(f"{p.name}:{p.stat().st_size}:{int(p.stat().st_mtime)}" for p in weights)
    return hashlib.sha256(f"{model_dir.resolve()}|{stamp}".encode()).hexdigest()[:12]


def export(model_dir: Path, cache_dir: Path, quantize: bool = True) -> Path:
    """The ONNX file for the transformer in ``model_dir`` (exported and, with ``quantize``, int8-quantised
    on first call; reused afterwards). Written atomically, so two processes may race safely."""
    suffix = "int8pc" if quantize else "fp32"
    target = cache_dir / f"minilm-{_model_key(model_dir)}-{suffix}.onnx"
    if target.exists():
        return target
    import torch
    from transformers import AutoModel

    cache_dir.mkdir(parents=True, exist_ok=True)
    bert = AutoModel.from_pretrained(str(model_dir)).eval()

    class Wrapped(torch.nn.Module):
        """The transformer called with keyword arguments, returning only the token vectors."""

        def __init__(self) -> None:
            super().__init__()
            self.bert = bert

        def forward(
            self, input_ids: torch.Tensor, attention_mask: torch.Tensor, token_type_ids: torch.Tensor
        ) -> torch.Tensor:
            return self.bert(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state

    model = Wrapped().eval()
    fp32 = cache_dir / f"minilm-{_model_key(model_dir)}-fp32.onnx"
    if not fp32.exists():
        tmp = fp32.with_suffix(f".{os.getpid()}.tmp")
        ids = torch.ones((1, 8), dtype=torch.long)
        with torch.no_grad():
            torch.onnx.export(
                model,
                (ids, ids, torch.zeros_like(ids)),
                str(tmp),
                input_names=["input_ids", "attention_mask", "token_type_ids"],
                output_names=["last_hidden_state"],
                dynamic_axes={n: {0: "batch", 1: "seq"} for n in ("input_ids", "attention_mask", "token_type_ids")}
                | {"last_hidden_state": {0: "batch", 1: "seq"}},
                opset_version=17,
                dynamo=False,
            )
        tmp.replace(fp32)
    if quantize:
        from onnxruntime.quantization import QuantType, quantize_dynamic

        tmp = target.with_suffix(f".{os.getpid()}.tmp")
        # int8 weights per output channel, matrix products only (the embedding table stays fp32): the
        # cosines stay within about 0.03 of the fp32 model's (0.07 and 0.15 at worst quantising per tensor)
        quantize_dynamic(
            str(fp32), str(tmp), weight_type=QuantType.QInt8, per_channel=True, op_types_to_quantize=["MatMul"]
        )
        tmp.replace(target)
    return target


class OnnxEncoder:
    """``encode(texts) -> (n, dim)`` unit vectors from the ONNX export of a sentence-transformers folder.

    Thread-safe without a lock: the Rust tokenizer is configured once (truncation and padding are never
    changed per call, so request threads only read it), and ONNX Runtime sessions may be run from
    several threads. Calling the Rust tokenizer directly also skips the Python wrapper's per-call work.
    """

    def __init__(
        self, model: str, cache_dir: Path, quantize: bool = True, max_seq_length: int = MAX_SEQ_LENGTH
    ) -> None:
        import onnxruntime as ort
        from transformers import AutoTokenizer

        model_dir = Path(model)
        self.model_name = f"{model_dir.parent.name if model_dir.name == 'model' else model_dir.name}-onnx"
        self.max_seq_length = max_seq_length
        self.quantized = quantize
        # the Rust tokenizer behind the Hugging Face one, set up once: a text is cut at max_seq_length
        # tokens (special tokens included, as sentence-transformers does) and a batch pads to its longest
        tokenizer = copy.deepcopy(AutoTokenizer.from_pretrained(str(model_dir)).backend_tokenizer)
        tokenizer.enable_truncation(max_seq_length)
        tokenizer.enable_padding()
        self.tokenizer = tokenizer
        options = ort.SessionOptions()
        # one answer at a time: threads beyond one only add hand-over cost, and the server's other
        # requests need the remaining cores
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        path = export(model_dir, cache_dir, quantize)
        # names what makes a vector: the exported file (model and quantisation) and the input window
        self.cache_key = f"{path.stem}-{max_seq_length}"
        self.session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        self.dim = int(self.session.get_outputs()[0].shape[-1] or 384)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Mean-pooled, unit-length vectors of ``texts`` as an (n, dim) float32 array."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        batch = self.tokenizer.encode_batch(list(texts))
        feeds = {
            "input_ids": np.array([e.ids for e in batch], dtype=np.int64),
            "attention_mask": np.array([e.attention_mask for e in batch], dtype=np.int64),
            "token_type_ids": np.array([e.type_ids for e in batch], dtype=np.int64),
        }
        (hidden,) = self.session.run(None, feeds)
        mask = feeds["attention_mask"][..., None].astype(np.float32)
        pooled = (hidden * mask).sum(axis=1) / np.clip(mask.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.clip(norms, 1e-12, None)).astype(np.float32)
