"""Scores a data-flow catalogue (which mentions of software, files and tools name the same system)
against the labelled mentions in bench/data/system_mentions.yaml.

    .venv/bin/python bench/catalogue_eval.py                          # the baseline alone
    .venv/bin/python bench/catalogue_eval.py --product                # ... and the product's grouping
    .venv/bin/python bench/catalogue_eval.py --write-input mentions.json [--with-context]
    dm3 catalogue mentions.json --out catalogue.json                  # (the product's command)
    .venv/bin/python bench/catalogue_eval.py --catalogue catalogue.json [--show-errors]

--write-input writes the catalogue's input, ``[{"id": "m-001", "text": "accela permits"}, ...]``
(with --with-context, a "context" key is added to the mentions that carry one in the labels).
--catalogue reads ``{"systems": [{"id": ..., "name": ..., "mentions": ["m-001", ...]}, ...]}``; a
mention in no system counts as a system of its own, and a mention listed twice, or an id that is not
in the labels, is reported and counted in its first system only.

Scores are pairwise over mention pairs: precision = pairs put together that belong together / pairs
put together; recall = pairs put together that belong together / pairs that belong together; F1
their harmonic mean; plus the number of systems found against the labelled number. The baseline,
computed in the same run, groups mentions whose text is identical after lowercasing, dropping
possessive 's, punctuation and the articles "the", "a", "an" (what a catalogue with no knowledge
of systems would do), so the catalogue's line can be read beside it.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import defaultdict
from itertools import combinations
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
MENTIONS = ROOT / "bench" / "data" / "system_mentions.yaml"
ARTICLES = {"the", "a", "an"}


def load_mentions(path: Path = MENTIONS) -> list[dict]:
    mentions = yaml.safe_load(path.read_text(encoding="utf-8"))["mentions"]
    ids = [m["id"] for m in mentions]
    if len(set(ids)) != len(ids):
        raise ValueError(f"{path}: duplicate mention ids")
    return mentions


def normalise(text: str) -> str:
    """Lowercase, drop possessive 's, punctuation and articles, squeeze spaces."""
    text = re.sub(r"['\u2019]s\b", "", text.lower())
    words = re.sub(r"[^\w\s]|_", " ", text).split()
    return " ".join(w for w in words if w not in ARTICLES)


def baseline(mentions: list[dict]) -> dict[str, str]:
    """mention id -> cluster key: exact match of the normalised text."""
    return {m["id"]: normalise(m["text"]) for m in mentions}


def from_catalogue(catalogue: dict, ids: set[str]) -> tuple[dict[str, str], list[str]]:
    """mention id -> system id from a catalogue output, and the problems found in it."""
    assign: dict[str, str] = {}
    problems: list[str] = []
    for system in catalogue.get("systems", []):
        for mid in system.get("mentions", []):
            if mid not in ids:
                problems.append(f"unknown mention id {mid!r} in system {system.get('id')!r}")
            elif mid in assign:
                problems.append(f"{mid} listed in {assign[mid]!r} and {system.get('id')!r} (first kept)")
            else:
                assign[mid] = f"sys:{system.get('id')}"
    for mid in ids - assign.keys():
        assign[mid] = f"single:{mid}"
    return assign, problems


def pairs(assign: dict[str, str]) -> set[tuple[str, str]]:
    groups: dict[str, list[str]] = defaultdict(list)
    for mid, key in assign.items():
        groups[key].append(mid)
    return {p for members in groups.values() for p in combinations(sorted(members), 2)}


def score(pred: dict[str, str], gold: dict[str, str]) -> dict[str, float]:
    p, g = pairs(pred), pairs(gold)
    hit = len(p & g)
    precision = hit / len(p) if p else 1.0
    recall = hit / len(g) if g else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "systems": len(set(pred.values()))}


def errors(pred: dict[str, str], mentions: list[dict]) -> list[str]:
    """Labelled systems split over several predicted groups, and predicted groups mixing systems."""
    text = {m["id"]: m["text"] for m in mentions}
    by_gold: dict[str, set[str]] = defaultdict(set)
    by_pred: dict[str, set[str]] = defaultdict(set)
    for m in mentions:
        by_gold[m["system"]].add(pred[m["id"]])
        by_pred[pred[m["id"]]].add(m["system"])
    out = []
    for system, keys in sorted(by_gold.items()):
        if len(keys) > 1:
            parts = [
                sorted(text[m["id"]] for m in mentions if pred[m["id"]] == k and m["system"] == system) for k in keys
            ]
            out.append(f"split  {system}: {sorted(parts)}")
    for key, systems in sorted(by_pred.items()):
        if len(systems) > 1:
            out.append(f"merged {sorted(systems)}: {sorted(text[m['id']] for m in mentions if pred[m['id']] == key)}")
    return out


def line(name: str, s: dict[str, float], labelled: int) -> str:
    return (
        f"{name:<28} P {s['precision']:.3f}  R {s['recall']:.3f}  F1 {s['f1']:.3f}"
        f"  systems {s['systems']} (labelled {labelled})"
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mentions", type=Path, default=MENTIONS, help="labelled mentions (YAML)")
    ap.add_argument("--write-input", type=Path, metavar="FILE", help="write the catalogue's input JSON and stop")
    ap.add_argument("--with-context", action="store_true", help="with --write-input: add the context sentences")
    ap.add_argument("--catalogue", type=Path, metavar="FILE", help="catalogue output JSON to score")
    ap.add_argument("--show-errors", action="store_true", help="list split and merged systems")
    ap.add_argument("--product", action="store_true", help="also score the product's grouping, run in process")
    args = ap.parse_args(argv)

    mentions = load_mentions(args.mentions)
    if args.write_input:
        rows = [
            {
                "id": m["id"],
                "text": m["text"],
                **({"context": m["context"]} if args.with_context and m.get("context") else {}),
            }
            for m in mentions
        ]
        args.write_input.write_text(json.dumps(rows, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"wrote {len(rows)} mentions to {args.write_input}")
        return 0

    gold = {m["id"]: m["system"] for m in mentions}
    labelled = len(set(gold.values()))
    with_context = sum(1 for m in mentions if m.get("context"))
    print(f"{len(mentions)} mentions, {labelled} labelled systems, {with_context} with context")
    base = baseline(mentions)
    print(line("baseline (normalised exact)", score(base, gold), labelled))
    if args.show_errors and not args.catalogue:
        print("\n".join(errors(base, mentions)))
    if args.product:
        if str(ROOT) not in sys.path:
            sys.path.insert(0, str(ROOT))
        from assistant.dataflow.catalogue import Mention, catalogue_json, group

        systems = group([Mention(m["id"], m["text"]) for m in mentions])
        pred, _ = from_catalogue(catalogue_json(systems), set(gold))
        print(line("product (dm3 catalogue)", score(pred, gold), labelled))
        if args.show_errors:
            print("\n".join(errors(pred, mentions)))
    if args.catalogue:
        catalogue = json.loads(args.catalogue.read_text(encoding="utf-8"))
        pred, problems = from_catalogue(catalogue, set(gold))
        for p in problems:
            print(f"warning: {p}", file=sys.stderr)
        print(line("catalogue", score(pred, gold), labelled))
        if args.show_errors:
            print("\n".join(errors(pred, mentions)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
