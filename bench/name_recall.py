"""Person-name detection on bench/data/names*.yaml: recall on comments that name colleagues, precision
of what was replaced, false positives on comments that name nobody, for every staff text someone else
reads or an LLM receives (``privacy.Scrubber``, the one scrubber).

    .venv/bin/python bench/name_recall.py [--show-misses]

Each file is scored on its own and all together: ``names.yaml`` (written for issue 16) and
``names_heldout.yaml`` (written for issue 29 before measuring on it), ``names_heldout2.yaml`` (written by
someone who had not read the scrubber, measured once before and once after the gazetteer).

Three lines, from the same run:
- "model only": no engagement names known: spaCy's named-entity model (en_core_web_sm), the first-name
  gazetteer and the context rules of ``assistant/person_names.py`` (what finds a colleague nobody listed);
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


def score(comments: list[dict], scrub: Callable[[list[str]], list[str]]) -> tuple[int, int, int, int, int, list[str]]:
    """(names found, names, replacements made, comments without names changed, comments without names,
    misses). A replacement is one placeholder in the output; precision is names found over replacements."""
    hits = total = fps = clean = replaced = 0
    misses: list[str] = []
    for c, out in zip(comments, scrub([c["text"] for c in comments]), strict=False):
        replaced += out.count(COLLEAGUE) - c["text"].count(COLLEAGUE)
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
    return hits, total, replaced, fps, clean, misses


def capitalised_baseline(texts: list[str]) -> list[str]:
    return [re.sub(r"(?<=[a-z,;] )[A-Z][a-z]+", COLLEAGUE, t) for t in texts]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--show-misses", action="store_true")
    args = ap.parse_args()
    files = sorted((ROOT / "bench" / "data").glob("names*.yaml"))
    sets = {f.name: yaml.safe_load(f.read_text(encoding="utf-8"))["comments"] for f in files}
    sets["all"] = [c for name in sorted(sets) for c in sets[name]]
    t0 = time.perf_counter()
    person_spans([c["text"] for c in sets["all"]])
    seconds = time.perf_counter() - t0
    print(f"model pass over {len(sets['all'])} comments: {seconds:.1f}s (load included)")
    texts = [c["text"] + " " for c in sets["all"]]  # not yet cached: timed with the model loaded
    t0 = time.perf_counter()
    Scrubber().scrub_all(texts)
    per_1000 = (time.perf_counter() - t0) / len(texts) * 1000
    print(f"scrubbing with the model loaded: {per_1000:.1f}s per 1,000 comments")
    for name, comments in sets.items():
        roster = sorted({n for c in comments for n in c["names"]})
        runs = [
            ("model only", Scrubber().scrub_all),
            ("capitalised-word baseline", capitalised_baseline),
            ("model + roster", Scrubber(roster).scrub_all),
        ]
        named = sum(1 for c in comments if c["names"])
        mentions = sum(len(c["names"]) for c in comments)
        print(f"\n{name}: {named} comments with {mentions} name mentions, {len(comments) - named} without")
        for title, scrub in runs:
            hits, total, replaced, fps, clean, misses = score(comments, scrub)
            precision = hits / replaced if replaced else 1.0
            print(
                f"  {title:<28} recall {hits}/{total} = {hits / total:.1%}   precision {precision:.1%}   "
                f"false positives {fps}/{clean} = {fps / clean:.1%}"
            )
            if args.show_misses and title != "capitalised-word baseline" and name != "all":
                for m in misses:
                    print("     ", m)


if __name__ == "__main__":
    main()
