"""Rating bench: how close do the engines' levels come to hand-set levels on written evidence sets?

    .venv/bin/python bench/rating_eval.py                       # offline engine + baselines
    .venv/bin/python bench/rating_eval.py --llm-base-url http://127.0.0.1:8080/v1 --llm-model NAME

The sets (bench/data/rating_sets.yaml) were written for this bench from the rubric's level
descriptions, several staff voices per set, across all six components and levels 1-5, plus thin
sets that should give "insufficient evidence". They were written by the same hand that tuned the
offline engine, so treat the offline figures as an optimistic bound, not a field result.

Printed per engine: exact agreement and quadratic-weighted kappa on the rated sets (a set the
engine declined to rate counts as a miss for exact agreement and is left out of kappa), within-one
agreement, share of thin sets answered "insufficient evidence", share of rated sets wrongly
declined, and citation validity (share of proposals passing assistant.rating.validate). Baselines
from the same run: always the median level (3), and a keyword count (mean level of the rubric
signals found, no negation handling, no counting of people).
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import yaml  # noqa: E402
from sklearn.metrics import cohen_kappa_score  # noqa: E402

from assistant.rating.offline import OfflineRater, normalise  # noqa: E402
from assistant.rating.schema import EvidenceItem, Proposal  # noqa: E402
from assistant.rating.validate import validate_proposal  # noqa: E402
from assistant.rubric import Rubric, load_rubric  # noqa: E402

SETS = ROOT / "bench" / "data" / "rating_sets.yaml"


def load_sets(path: Path = SETS) -> list[dict]:
    """The evidence sets with ``items`` (EvidenceItem list) built from the compact segment rows."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))["sets"]
    out = []
    for s in raw:
        items = [
            EvidenceItem(id=f"S{n}", participant=p, role_level=role, department=dept, text=text)
            for n, (p, role, dept, text) in enumerate(s["segments"], start=1)
        ]
        out.append({**s, "items": items})
    return out


def kappa(truth: list[int], pred: list[int]) -> float:
    """Quadratic-weighted kappa, or nan when it is undefined (fewer than two pairs, one label only)."""
    if len(truth) < 2 or len(set(truth) | set(pred)) < 2:
        return float("nan")
    return float(cohen_kappa_score(truth, pred, weights="quadratic", labels=[1, 2, 3, 4, 5]))


def keyword_baseline(rubric: Rubric, component: str, items: list[EvidenceItem]) -> int:
    """Mean level of every rubric signal phrase found in the text (3 when none is found)."""
    found = []
    for ind in rubric.component(component).indicators:
        for key, phrases in ind.signals.items():
            for phrase in phrases:
                for item in items:
                    if re.search(r"(?<![a-z0-9])" + re.escape(normalise(phrase)), normalise(item.text)):
                        found.append(int(key))
    return round(statistics.mean(found)) if found else 3


def score(name: str, sets: list[dict], levels: list[int | None], valid: list[bool] | None) -> dict:
    rated = [(s["expected"], lvl) for s, lvl in zip(sets, levels) if s["expected"] is not None]
    thin = [lvl for s, lvl in zip(sets, levels) if s["expected"] is None]
    both = [(t, p) for t, p in rated if p is not None]
    exact = sum(1 for t, p in rated if p == t) / len(rated)
    within = sum(1 for t, p in rated if p is not None and abs(p - t) <= 1) / len(rated)
    declined = sum(1 for _, p in rated if p is None) / len(rated)
    k = kappa([t for t, _ in both], [p for _, p in both])
    thin_ok = sum(1 for lvl in thin if lvl is None) / len(thin) if thin else float("nan")
    row = dict(engine=name, exact=exact, within1=within, kappa=k, declined=declined, thin=thin_ok)
    row["valid"] = (sum(valid) / len(valid)) if valid else float("nan")
    return row


def run_engine(label: str, rate, sets: list[dict], rubric: Rubric, verbose: bool) -> tuple[dict, float]:  # noqa: ANN001
    levels, valid = [], []
    started = time.perf_counter()
    for s in sets:
        proposal: Proposal = rate(s["component"], s["items"])
        errors = validate_proposal(proposal, rubric, s["items"]) if proposal.status != "failed" else ["failed: " + (proposal.error or "")]
        levels.append(proposal.level)
        valid.append(not errors)
        if verbose:
            mark = "ok " if proposal.level == s["expected"] else "MISS"
            print(f"  {mark} {label:<8} {s['id']:<18} expected {s['expected']!s:>4}  got {proposal.level!s:>4}  "
                  f"{proposal.status:<21} {'' if not errors else 'INVALID: ' + errors[0][:90]}")
    return score(label, sets, levels, valid), time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sets", type=Path, default=SETS)
    parser.add_argument("--llm-base-url", default=os.environ.get("DM3_LLM_BASE_URL"))
    parser.add_argument("--llm-model", default=os.environ.get("DM3_LLM_MODEL"))
    parser.add_argument("--llm-timeout", type=float, default=120.0)
    parser.add_argument("-v", "--verbose", action="store_true", help="one line per set")
    args = parser.parse_args()

    from assistant.config import Settings
    from assistant.embeddings import get_embedder

    settings = Settings(_env_file=None)
    rubric = load_rubric(settings.rubric_path)
    sets = load_sets(args.sets)
    rated_n = sum(1 for s in sets if s["expected"] is not None)
    print(f"{len(sets)} evidence sets ({rated_n} with a hand-set level, {len(sets) - rated_n} thin), "
          f"{sum(len(s['items']) for s in sets)} segments, 6 components")

    rows = []
    embedder = get_embedder(settings.embedding_model)
    rater = OfflineRater(rubric, embedder)
    row, secs = run_engine("offline", rater.rate, sets, rubric, args.verbose)
    rows.append((row, secs))

    median = [None if s["expected"] is None else 3 for s in sets]  # the baseline is told which sets are thin
    rows.append((score("median-3", sets, [3 for _ in sets], None), 0.0))
    rows.append((score("median*", sets, median, None), 0.0))
    kw = [keyword_baseline(rubric, s["component"], s["items"]) for s in sets]
    rows.append((score("keywords", sets, kw, None), 0.0))

    if args.llm_base_url and args.llm_model:
        from assistant.db import make_engine, migrate
        from assistant.rating.propose import LLMRater

        db = ROOT / "var" / "bench-rating.db"
        llm_settings = Settings(_env_file=None, database_url=f"sqlite:///{db}", llm_base_url=args.llm_base_url,
                                llm_model=args.llm_model, llm_timeout_s=args.llm_timeout)
        migrate(llm_settings.database_url)
        from assistant.llm import get_llm

        llm = get_llm(llm_settings, make_engine(llm_settings.database_url))
        llm_rater = LLMRater(llm, rubric)
        row, secs = run_engine(args.llm_model[:8], llm_rater.rate, sets, rubric, args.verbose)
        rows.append((row, secs))

    print()
    print(f"{'engine':<10} {'exact':>6} {'within1':>8} {'qw-kappa':>9} {'declined':>9} {'thin->IE':>9} {'valid':>6} {'secs':>6}")
    for row, secs in rows:
        print(f"{row['engine']:<10} {row['exact']:>6.2f} {row['within1']:>8.2f} {row['kappa']:>9.2f} "
              f"{row['declined']:>9.2f} {row['thin']:>9.2f} {row['valid']:>6.2f} {secs:>6.1f}")
    base = rows[3][0]
    off = rows[0][0]
    print()
    print(f"offline vs keyword baseline: exact {off['exact']:.2f} vs {base['exact']:.2f} "
          f"({off['exact'] / base['exact']:.1f}x), kappa {off['kappa']:.2f} vs {base['kappa']:.2f}")
    print("median-3: always level 3, thin sets included; median*: level 3 but told which sets are thin.")


if __name__ == "__main__":
    main()
