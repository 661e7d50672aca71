"""Theme quality: our themes vs BERTopic (defaults) vs k-means with the true k, on the same embeddings.

    .venv/bin/python bench/theme_quality.py [--data-dir ../shared/data] [--no-bertopic] [--segments]

Data: NHS FFT single-label rows ("Not assigned" dropped), Banking77 test (both labelled), and Polis
Bowling Green comments (no labels: counts only). Sources and licences: ../shared/data/README.md.
Unassigned rows ("other voices", BERTopic's -1) count as one extra cluster in NMI/ARI.
Embeddings are cached in var/bench-cache/ (the encode seconds are shown when computed).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
from _data import DEFAULT_DATA, banking77, cached_embeddings, nhs_single_label, polis
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

from assistant.config import Settings
from assistant.sentences import is_non_answer
from assistant.synthesis import themes as T
from assistant.synthesis.segment import segment


def ours(texts: list[str], x: np.ndarray) -> tuple[np.ndarray, float]:
    """The product's pipeline (non-answers out, then themes.build): labels per row, seconds."""
    t0 = time.perf_counter()
    keep = [i for i, t in enumerate(texts) if not is_non_answer(t)]
    result = T.build([texts[i] for i in keep], x[keep])
    labels = np.full(len(texts), -1)
    labels[keep] = result.labels
    return labels, time.perf_counter() - t0


def ours_sentences(texts: list[str], model: str, name: str) -> tuple[np.ndarray, float]:
    """Sentence-level segments clustered, each row labelled by the theme holding most of its characters."""
    owners, seg_texts = [], []
    for i, t in enumerate(texts):
        for span in segment(t, "sentence"):
            if not is_non_answer(span.text):
                owners.append(i)
                seg_texts.append(span.text)
    x, _ = cached_embeddings(seg_texts, model, name + "-sentences")
    t0 = time.perf_counter()
    result = T.build(seg_texts, x)
    votes: dict[int, dict[int, int]] = {}
    for owner, text, lab in zip(owners, seg_texts, result.labels):
        votes.setdefault(owner, {}).setdefault(int(lab), 0)
        votes[owner][int(lab)] += len(text)
    labels = np.full(len(texts), -1)
    for owner, v in votes.items():
        labels[owner] = max(sorted(v), key=lambda k: v[k])
    return labels, time.perf_counter() - t0


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


def row(name: str, method: str, labels: np.ndarray, truth: list[str] | None, seconds: float) -> dict:
    k = len(set(labels.tolist()) - {-1})
    out = {"data": name, "method": method, "themes": k, "unassigned": float(np.mean(labels == -1)), "seconds": seconds}
    if truth is not None:
        out["nmi"] = normalized_mutual_info_score(truth, labels)
        out["ari"] = adjusted_rand_score(truth, labels)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data-dir", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--no-bertopic", action="store_true", help="skip BERTopic (not installed or too slow)")
    ap.add_argument("--segments", action="store_true", help="also measure sentence-level segments")
    args = ap.parse_args()
    model = Settings(_env_file=None).embedding_model
    sets = [("nhs_fft single-label", "nhs", *nhs_single_label(args.data_dir)),
            ("banking77 test", "banking77", *banking77(args.data_dir)),
            ("polis bowling green", "polis", polis(args.data_dir), None)]
    for title, key, texts, truth in sets:
        x, enc = cached_embeddings(texts, model, key)
        print(f"\n{title}: {len(texts)} rows" + (f", {len(set(truth))} labels" if truth else ", no labels")
              + (f"; encoded in {enc:.1f}s" if enc else "; embeddings from var/bench-cache"), flush=True)
        labels, secs = ours(texts, x)
        rows = [row(title, "dm3 themes (k chosen)", labels, truth, secs)]
        if args.segments:
            labels, secs = ours_sentences(texts, model, key)
            rows.append(row(title, "dm3 themes, sentence segments", labels, truth, secs))
        if not args.no_bertopic:
            labels, secs = bertopic(texts, x)
            rows.append(row(title, "BERTopic defaults", labels, truth, secs))
        if truth:
            labels, secs = kmeans_true_k(x, len(set(truth)))
            rows.append(row(title, "k-means, true k (oracle)", labels, truth, secs))
        for r in rows:
            figures = f"NMI {r['nmi']:.3f}  ARI {r['ari']:.3f}  " if "nmi" in r else ""
            print(f"  {r['method']:<32} {figures}themes {r['themes']:>4}  unassigned {r['unassigned']:6.1%}  "
                  f"{r['seconds']:6.2f}s", flush=True)
        ours_row = rows[0]
        bt = next((r for r in rows if r["method"] == "BERTopic defaults"), None)
        if bt:
            nmi_part = f"NMI {ours_row['nmi'] - bt['nmi']:+.3f} vs BERTopic, " if "nmi" in ours_row else ""
            print(f"  -> {nmi_part}clustering time {ours_row['seconds'] / bt['seconds']:.2f}x BERTopic's "
                  f"(goal <= 0.33), unassigned {ours_row['unassigned']:.1%} (goal <= 15%)")


if __name__ == "__main__":
    main()
