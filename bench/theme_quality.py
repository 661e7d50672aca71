"""Theme quality at both levels: our top themes vs coarse labels, our sub-themes vs fine labels, with
BERTopic (defaults) and k-means (the true k of each level, an oracle) on the same embeddings.

    .venv/bin/python bench/theme_quality.py [--data-dir ../shared/data] [--no-bertopic]

Data (every labelled set in ../shared/data; sources and licences in its README.md):
- NHS FFT single-label rows ("Not assigned" dropped): fine = the 43 subcategories, coarse = their
  12 major categories (nhs_fft/major_categories.csv, from pxtextmining).
- Banking77 test: fine = the 77 intents; it has no coarse labels, so our top level is scored
  against the intents too (shown for completeness: a coarse grain is expected to score lower).
- Polis Bowling Green comments: no labels, counts only.
Our "sub" labelling gives each row its sub-theme, or its top theme where that has no sub-themes
(its finest group). Unassigned rows ("other voices", BERTopic's -1) count as one extra cluster in
NMI/ARI. Embeddings are cached in var/bench-cache/ (the encode seconds are shown when computed).
No constant here or in the product is tuned to one set: every set runs with the same defaults.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
from _data import DEFAULT_DATA, banking77, cached_embeddings, nhs_major_categories, nhs_single_label, polis
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

from assistant.config import Settings
from assistant.sentences import is_non_answer
from assistant.synthesis import themes as T


def ours(texts: list[str], x: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """The product's pipeline (non-answers out, then themes.build): top and finest labels per row, seconds."""
    t0 = time.perf_counter()
    keep = [i for i, t in enumerate(texts) if not is_non_answer(t)]
    result = T.build([texts[i] for i in keep], x[keep])
    top = np.full(len(texts), -1)
    top[keep] = result.labels
    sub = np.full(len(texts), -1)
    n_sub = len(result.subthemes())
    assert result.sublabels is not None
    finest = np.where(
        result.sublabels != T.OTHER, result.sublabels, np.where(result.labels != T.OTHER, n_sub + result.labels, -1)
    )
    sub[keep] = finest
    return top, sub, time.perf_counter() - t0


def bertopic(texts: list[str], x: np.ndarray) -> tuple[np.ndarray, float]:
    from bertopic import BERTopic

    t0 = time.perf_counter()
    model = BERTopic()  # defaults (UMAP + HDBSCAN + c-TF-IDF); our embeddings passed in
    topics, _ = model.fit_transform(texts, x)
    return np.array(topics), time.perf_counter() - t0


def kmeans_true_k(x: np.ndarray, k: int) -> tuple[np.ndarray, float]:
    t0 = time.perf_counter()
    labels = KMeans(k, n_init=1, random_state=0).fit_predict(x)
    return labels, time.perf_counter() - t0


def row(level: str, method: str, labels: np.ndarray, truth: list[str] | None, seconds: float) -> dict:
    k = len(set(labels.tolist()) - {-1})
    out = {
        "level": level,
        "method": method,
        "themes": k,
        "unassigned": float(np.mean(labels == -1)),
        "seconds": seconds,
    }
    if truth is not None:
        out["nmi"] = normalized_mutual_info_score(truth, labels)
        out["ari"] = adjusted_rand_score(truth, labels)
    return out


def print_rows(rows: list[dict]) -> None:
    for r in rows:
        figures = f"NMI {r['nmi']:.3f}  ARI {r['ari']:.3f}  " if "nmi" in r else ""
        print(
            f"  {r['level']:<22} {r['method']:<28} {figures}themes {r['themes']:>4}  "
            f"unassigned {r['unassigned']:6.1%}  {r['seconds']:6.2f}s",
            flush=True,
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data-dir", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--no-bertopic", action="store_true", help="skip BERTopic (not installed or too slow)")
    args = ap.parse_args()
    model = Settings(_env_file=None).embedding_model
    nhs_texts, nhs_fine = nhs_single_label(args.data_dir)
    major = nhs_major_categories(args.data_dir)
    bank_texts, bank_fine = banking77(args.data_dir)
    # (title, cache key, texts, coarse labels and their name, fine labels and their name)
    sets = [
        (
            "nhs_fft single-label",
            "nhs",
            nhs_texts,
            ([major[v] for v in nhs_fine], "major categories"),
            (nhs_fine, "subcategories"),
        ),
        ("banking77 test", "banking77", bank_texts, (bank_fine, "intents"), (bank_fine, "intents")),
        ("polis bowling green", "polis", polis(args.data_dir), (None, ""), (None, "")),
    ]
    for title, key, texts, (coarse, coarse_name), (fine, fine_name) in sets:
        x, enc = cached_embeddings(texts, model, key)
        labelled = (
            f", {len(set(coarse))} {coarse_name}" + (f", {len(set(fine))} {fine_name}" if fine is not coarse else "")
            if coarse
            else ", no labels"
        )
        print(
            f"\n{title}: {len(texts)} rows{labelled}"
            + (f"; encoded in {enc:.1f}s" if enc else "; embeddings from var/bench-cache"),
            flush=True,
        )
        top, sub, secs = ours(texts, x)
        top_level, sub_level = f"top vs {coarse_name or '-'}", f"sub vs {fine_name or '-'}"
        rows = [row(top_level, "dm3 top themes", top, coarse, secs)]
        print_rows(rows[-1:])  # each row as soon as it is measured (BERTopic can take minutes)
        if coarse:
            labels, s = kmeans_true_k(x, len(set(coarse)))
            rows.append(row(top_level, f"k-means, true k={len(set(coarse))}", labels, coarse, s))
            print_rows(rows[-1:])
        rows.append(row(sub_level, "dm3 sub-themes", sub, fine, secs))
        print_rows(rows[-1:])
        if fine and fine is not coarse:
            labels, s = kmeans_true_k(x, len(set(fine)))
            rows.append(row(sub_level, f"k-means, true k={len(set(fine))}", labels, fine, s))
            print_rows(rows[-1:])
        if not args.no_bertopic:
            labels, s = bertopic(texts, x)
            rows.append(row(top_level, "BERTopic defaults", labels, coarse, s))
            rows.append(row(sub_level, "BERTopic defaults", labels, fine, s))
            print_rows(rows[-2:])
        bt = next((r for r in rows if r["method"] == "BERTopic defaults"), None)
        if bt:
            print(
                f"  -> clustering time {secs / bt['seconds']:.2f}x BERTopic's, "
                f"unassigned {rows[0]['unassigned']:.1%} (goal <= 15%, non-answers included)"
            )


if __name__ == "__main__":
    main()
