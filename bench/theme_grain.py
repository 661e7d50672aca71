"""Top-level theme grouping against coding frames (issue 30, "themes at the grain of a coding frame"):
(a) the product as it is, (b) UMAP to 5 dimensions + HDBSCAN + outliers reassigned to the nearest
theme, (c) k-means with the true k (an oracle), on the same embeddings, in one run.

    .venv/bin/python bench/theme_grain.py [--data-dir ../shared/data] [--sets nhs,banking77,polis]

Labelled sets (every public set in ../shared/data with a label column; bench/data holds no theme-labelled
set): NHS FFT single-label rows vs their 12 major categories (the coarse level); Banking77 test vs its 77
intents (it has no coarse level, so a top level is expected to score low there: shown because it is the
only other labelled set); Polis Bowling Green has no labels (theme count and unassigned share only).

Variant (b) runs on the rows the product clusters (non-answers out, as in the product; they count as
unassigned). No constant is tuned to a set: UMAP(n_components=5, metric="cosine", random_state=0, other
arguments the library's defaults; "min_dist=0" is BERTopic's setting), HDBSCAN with library defaults
except min_cluster_size from a rule on the number of texts n:
  - "sqrt rule": clustering.default_min_size(n) (the product's fine-group rule, ~sqrt(n)/3);
  - "n/30 rule": ceil(n/30), so that at most 30 top themes can exist (the grain bound).
Outliers (HDBSCAN -1) join the theme with the nearest centroid in the original embedding space
(cosine), so unassigned = non-answers only. Unassigned rows count as one extra cluster in NMI/ARI.
"(b+)": the sqrt-rule HDBSCAN clusters gathered into top themes by the product's own top-level rule
(clustering.group: average linkage of centroids, cut in TOP_RANGE by silhouette), i.e. UMAP+HDBSCAN
as the fine level under the product's grain.
"""

from __future__ import annotations

import argparse
import math
import time
from pathlib import Path

import numpy as np
from _data import DEFAULT_DATA, banking77, cached_embeddings, nhs_major_categories, nhs_single_label, polis
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score
from theme_quality import kmeans_true_k, ours

from assistant.config import Settings
from assistant.sentences import is_non_answer
from assistant.synthesis import clustering as C


def umap_5(x: np.ndarray, min_dist: float | None) -> tuple[np.ndarray, float]:
    import umap

    t0 = time.perf_counter()
    kw = {} if min_dist is None else {"min_dist": min_dist}
    y = umap.UMAP(n_components=5, metric="cosine", random_state=0, **kw).fit_transform(x)
    return y, time.perf_counter() - t0


def hdbscan_reassigned(x: np.ndarray, y: np.ndarray, min_cluster_size: int) -> tuple[np.ndarray, float]:
    """HDBSCAN on the reduced ``y``; its outliers join the nearest centroid in the original ``x``."""
    import hdbscan

    t0 = time.perf_counter()
    labels = hdbscan.HDBSCAN(min_cluster_size=min_cluster_size).fit_predict(y)
    if (labels >= 0).any() and (labels < 0).any():
        cents = C.centroids(x, labels)
        keys = np.array(list(cents))
        out = np.flatnonzero(labels < 0)
        labels[out] = keys[(x[out] @ np.vstack([cents[k] for k in keys]).T).argmax(axis=1)]
    return labels, time.perf_counter() - t0


def score(name: str, labels: np.ndarray, truth: list[str] | None, seconds: float) -> None:
    k = len(set(labels.tolist()) - {-1})
    figures = (
        f"NMI {normalized_mutual_info_score(truth, labels):.3f}  ARI {adjusted_rand_score(truth, labels):.3f}  "
        if truth
        else ""
    )
    print(f"  {name:<44} {figures}themes {k:>4}  unassigned {np.mean(labels == -1):6.1%}  {seconds:6.1f}s", flush=True)


def run_set(title: str, key: str, texts: list[str], truth: list[str] | None, model: str) -> None:
    x, enc = cached_embeddings(texts, model, key)
    x = np.asarray(x, dtype=np.float32)
    labelled = f"{len(set(truth))} true groups" if truth else "no labels"
    print(f"\n{title}: {len(texts)} rows, {labelled}" + (f"; encoded in {enc:.1f}s" if enc else ""), flush=True)
    top, _, secs = ours(texts, x)
    score("(a) dm3 top themes (as is)", top, truth, secs)
    keep = np.array([i for i, t in enumerate(texts) if not is_non_answer(t)])
    xk = x[keep]
    n = len(keep)
    rules = {"sqrt rule": C.default_min_size(n), "n/30 rule": math.ceil(n / 30)}
    for dist_name, min_dist in (("umap defaults", None), ("min_dist=0", 0.0)):
        y, us = umap_5(xk, min_dist)
        print(f"  UMAP(5, {dist_name}) on {n} rows: {us:.1f}s", flush=True)
        for rule, mcs in rules.items():
            part, hs = hdbscan_reassigned(xk, y, mcs)
            labels = np.full(len(texts), -1)
            labels[keep] = part
            score(f"(b) UMAP5 {dist_name} + HDBSCAN mcs={mcs} ({rule})", labels, truth, us + hs)
            if rule == "sqrt rule":
                t0 = time.perf_counter()
                top_of = C.group(xk, part)  # the product's top-level gathering (silhouette, TOP_RANGE)
                merged = labels.copy()
                merged[keep] = [top_of[int(v)] for v in part]
                extra = time.perf_counter() - t0
                score("(b+) same, clusters gathered by clustering.group", merged, truth, us + hs + extra)
    if truth:
        labels, s = kmeans_true_k(x, len(set(truth)))
        score(f"(c) k-means, true k={len(set(truth))}", labels, truth, s)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data-dir", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--sets", default="nhs,banking77,polis")
    args = ap.parse_args()
    model = Settings(_env_file=None).embedding_model
    wanted = set(args.sets.split(","))
    if "nhs" in wanted:
        texts, fine = nhs_single_label(args.data_dir)
        major = nhs_major_categories(args.data_dir)
        run_set("nhs_fft single-label vs 12 major categories", "nhs", texts, [major[v] for v in fine], model)
    if "banking77" in wanted:
        texts, intents = banking77(args.data_dir)
        run_set("banking77 test vs 77 intents (no coarse level)", "banking77", texts, intents, model)
    if "polis" in wanted:
        run_set("polis bowling green (no labels)", "polis", polis(args.data_dir), None, model)


if __name__ == "__main__":
    main()
