"""The threshold behind the report's near-identical quote rule (``assistant/quotes.py``: quotes whose
embeddings have a cosine at or above ``NEAR_IDENTICAL`` are one quote, said by N people).

    .venv/bin/python bench/quote_dupes.py [--pairs bench/data/quote_pairs.yaml] [--limit 3000] [--show 12]

1. On the labelled pairs (``bench/data/quote_pairs.yaml``, written before measuring: near-identical
   rewordings against different statements on the same topic in similar words), the cosine of every
   pair, then precision and recall of "same" at each threshold; the lowest threshold with precision
   at least 0.98 (``--precision``) is the one to choose (it keeps the most recall).
2. On NHS Friends and Family Test answers (../shared/data/nhs_fft, the first ``--limit`` single-label
   answers), how many pairs that are not the same once normalised (case, punctuation) reach each
   threshold, with a sample around the chosen one to read by eye.

Baseline in the same run: normalised-text sameness (what the report used before), whose recall on the
pairs is printed first.
"""

from __future__ import annotations

import argparse
import re
import time
from pathlib import Path

import numpy as np
import yaml
from _data import DEFAULT_DATA, ROOT, cached_embeddings, nhs_single_label

from assistant.config import Settings
from assistant.sameness import NEAR_IDENTICAL, normalised

THRESHOLDS = [round(0.80 + 0.01 * n, 2) for n in range(18)] + [0.98, 0.985, 0.99, 0.995]


def _pairs(path: Path) -> tuple[list[str], list[str], np.ndarray]:
    pairs = yaml.safe_load(path.read_text(encoding="utf-8"))["pairs"]
    return [p["a"] for p in pairs], [p["b"] for p in pairs], np.array([bool(p["same"]) for p in pairs])


def _scores(threshold: float, cosines: np.ndarray, same: np.ndarray) -> tuple[float, float, int, int]:
    said = cosines >= threshold
    tp = int((said & same).sum())
    fp = int((said & ~same).sum())
    precision = tp / (tp + fp) if tp + fp else 1.0
    return precision, tp / int(same.sum()), tp, fp


def labelled(path: Path, model: str, target: float) -> float:
    """Prints cosines and precision/recall per threshold; returns the lowest threshold meeting ``target``."""
    a, b, same = _pairs(path)
    va, _ = cached_embeddings(a, model, "quote-pairs-a")
    vb, _ = cached_embeddings(b, model, "quote-pairs-b")
    cosines = (va * vb).sum(axis=1)
    base = np.array([normalised(x) == normalised(y) for x, y in zip(a, b, strict=True)])
    print(f"labelled pairs: {len(same)} ({int(same.sum())} same, {int((~same).sum())} different)")
    print(
        f"  baseline, normalised text equal: recall {(base & same).sum() / same.sum():.2f}, "
        f"false merges {int((base & ~same).sum())}"
    )
    print(
        f"  cosine of same pairs: min {cosines[same].min():.3f} median {np.median(cosines[same]):.3f}; "
        f"of different pairs: max {cosines[~same].max():.3f} median {np.median(cosines[~same]):.3f}"
    )
    print("  threshold  precision  recall  merged  false merges")
    chosen = 1.0
    for t in THRESHOLDS:
        p, r, tp, fp = _scores(t, cosines, same)
        print(f"  {t:9.3f}  {p:9.3f}  {r:6.3f}  {tp:6d}  {fp:12d}")
        if p >= target and chosen == 1.0:
            chosen = t
    worst = np.argsort(-np.where(same, -1, cosines))[:3]
    print("  closest different pairs:")
    for i in worst:
        print(f"    {cosines[i]:.3f}  {a[i]!r} / {b[i]!r}")
    missed = np.argsort(np.where(same, cosines, 2))[:3]
    print("  least alike same pairs:")
    for i in missed:
        print(f"    {cosines[i]:.3f}  {a[i]!r} / {b[i]!r}")
    p, r, _, fp = _scores(NEAR_IDENTICAL, cosines, same)
    print(f"lowest threshold with precision >= {target}: {chosen:.2f}")
    print(f"the product's NEAR_IDENTICAL = {NEAR_IDENTICAL}: precision {p:.3f}, recall {r:.3f}, false merges {fp}")
    return chosen


def nhs(data_dir: Path, model: str, limit: int, show: int) -> None:
    texts, _ = nhs_single_label(data_dir)
    texts = [t for t in dict.fromkeys(texts) if len(re.findall(r"\w+", t)) >= 5][:limit]
    vectors, seconds = cached_embeddings(texts, model, f"quote-nhs-{limit}")
    keys = [normalised(t) for t in texts]
    sims = vectors @ vectors.T
    i, j = np.nonzero(np.triu(sims, 1) >= THRESHOLDS[0])
    pairs = [(float(sims[x, y]), x, y) for x, y in zip(i, j, strict=True) if keys[x] != keys[y]]
    print(f"\nNHS FFT: {len(texts)} distinct answers of 5 words or more (encode {seconds:.1f} s, 0 = cached)")
    print("  threshold  pairs at or above (not the same once normalised)")
    for t in THRESHOLDS:
        print(f"  {t:9.3f}  {sum(1 for s, _, _ in pairs if s >= t):6d}")
    near = sorted((p for p in pairs if p[0] >= NEAR_IDENTICAL - 0.04), reverse=True)
    print(f"  sample of pairs from {NEAR_IDENTICAL - 0.04:.2f} up (read: would a reader call them one quote?)")
    for s, x, y in near[:: max(1, len(near) // show)][:show]:
        mark = ">=" if s >= NEAR_IDENTICAL else "< "
        print(f"    {s:.3f} {mark} {texts[x][:90]!r}\n              {texts[y][:90]!r}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pairs", type=Path, default=ROOT / "bench" / "data" / "quote_pairs.yaml")
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--precision", type=float, default=0.98)
    parser.add_argument("--limit", type=int, default=3000)
    parser.add_argument("--show", type=int, default=12)
    args = parser.parse_args()
    model = Settings(_env_file=None).embedding_model
    started = time.perf_counter()
    labelled(args.pairs, model, args.precision)
    if (args.data_dir / "nhs_fft").exists():
        nhs(args.data_dir, model, args.limit, args.show)
    print(f"\n{time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
