"""Person-name detection on bench/data/names.yaml: recall on comments that name colleagues, false
positives on comments that name nobody, for what consultants read (``privacy.Scrubber``).

    .venv/bin/python bench/name_recall.py [--show-misses]

Three lines, from the same run:
- "model only": the named-entity model (spaCy en_core_web_sm), no engagement names known;
- "capitalised-word baseline": every capitalised word that does not start a sentence (what a
  regex without a model would do), to show what the model adds;
- "model + roster": as in the product, with every name of the set on the engagement's roster
  (the best case: colleagues who were invited or entered as staff names).
A name counts as found when none of its letters survive: the span is replaced by "[colleague]".
A false positive is a comment without names in which anything was replaced.
"""

from __future__ import annotations

import argparse
import re
import time
from collections.abc import Callable

import yaml
from _data import ROOT

from assistant.privacy import COLLEAGUE, Scrubber, person_spans


def occurrences(text: str, name: str) -> int:
    return len(re.findall(r"(?<!\w)" + re.escape(name) + r"(?!\w)", text))


def score(comments: list[dict], scrub: Callable[[list[str]], list[str]]) -> tuple[int, int, int, int, list[str]]:
    """(names found, names, comments without names changed, comments without names, misses)."""
    hits = total = fps = clean = 0
    misses: list[str] = []
    for c, out in zip(comments, scrub([c["text"] for c in comments]), strict=False):
        if not c["names"]:
            clean += 1
            if out != c["text"]:
                fps += 1
                misses.append(f"false positive: {c['text']!r} -> {out!r}")
            continue
        for name in dict.fromkeys(c["names"]):
            wanted = c["names"].count(name)
            gone = min(wanted, occurrences(c["text"], name) - occurrences(out, name))
            total += wanted
            hits += gone
            if gone < wanted:
                misses.append(f"missed {name!r}: {out!r}")
    return hits, total, fps, clean, misses


def capitalised_baseline(texts: list[str]) -> list[str]:
    return [re.sub(r"(?<=[a-z,;] )[A-Z][a-z]+", COLLEAGUE, t) for t in texts]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--show-misses", action="store_true")
    args = ap.parse_args()
    comments = yaml.safe_load((ROOT / "bench" / "data" / "names.yaml").read_text(encoding="utf-8"))["comments"]
    roster = sorted({n for c in comments for n in c["names"]})
    t0 = time.perf_counter()
    person_spans([c["text"] for c in comments])
    seconds = time.perf_counter() - t0
    runs = [
        ("model only", Scrubber().scrub_all),
        ("capitalised-word baseline", capitalised_baseline),
        ("model + roster", Scrubber(roster).scrub_all),
    ]
    named = sum(1 for c in comments if c["names"])
    print(
        f"bench/data/names.yaml: {named} comments with names, {len(comments) - named} without; "
        f"model pass {seconds:.1f}s (load included)"
    )
    for title, scrub in runs:
        hits, total, fps, clean, misses = score(comments, scrub)
        print(
            f"  {title:<28} recall {hits}/{total} = {hits / total:.1%}   "
            f"false positives {fps}/{clean} = {fps / clean:.1%}"
        )
        if args.show_misses and title != "capitalised-word baseline":
            for m in misses:
                print("     ", m)


if __name__ == "__main__":
    main()
