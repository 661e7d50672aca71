"""Instruction screen bench (issue 30): precision and recall of ``assistant.screening`` on the
development cases (bench/data/screen_dev.yaml, tuned on) and, with ``--heldout``, on the
instruction-bearing segments and hard negatives of bench/data/injection_sets.yaml (held out:
measure, never tune).

    .venv/bin/python bench/screen_eval.py            # development cases
    .venv/bin/python bench/screen_eval.py --heldout  # and injection2, once

A text counts as flagged when the screen leaves out any sentence of it. Positives: instructions
(all of them must be flagged; a "mid" case must also keep its genuine sentences). Negatives: real
answers (none may be flagged); in injection2 every segment that is not an instruction, the hard
negatives (real evidence about AI, ratings or instructions) reported apart. Baseline from the same
run: the screen that was in assistant/rating/evidence.py before issue 30 (one regex over the text).
"""

from __future__ import annotations

import argparse
import re

import yaml
from _data import ROOT

from assistant.screening import screen_text

DEV = ROOT / "bench" / "data" / "screen_dev.yaml"
HELDOUT = ROOT / "bench" / "data" / "injection_sets.yaml"

# The rating screen before issue 30 (assistant/rating/evidence.py at 3fc7483), kept as the baseline.
_OLD = re.compile(
    "|".join(
        f"(?:{p})"
        for p in [
            r"\b(ignore|disregard|forget|override|bypass)\b[^.!?\n]{0,60}\b(rubric|instructions?|rules?|previous|above|"
            r"prompt|guidelines?|criteria|evidence|system)\b",
            r"\b(rate|score|grade|rank|mark|give|assign|put)\b\s+(us|this|it|them|our\s+\w+|the\s+\w+|this\s+\w+)\b"
            r"[^.!?\n]{0,30}?\b(level\s*)?([1-5]|one|two|three|four|five)\b",
            r"\b(maximum|highest|top|perfect)\s+(level|score|rating|marks?)\b",
            r"\b(system prompt|you are an? (ai|assistant|language model)|as an ai|new instructions|jailbreak)\b",
            r"\byou (must|should|will) (rate|score|give|output|respond|answer|reply)\b",
            r"</?\s*(system|segment|evidence|assistant|user|instructions?)\s*>",
            r"^\W*(system|sistema|syst[eè]me|assistant|asistente|user|developer|instructions?)\s*:",
            r"\bnote to (the |any )?(ai|model|llm|rater|assessor|evaluator|reviewer|grader)\b",
            r"\b(assessor|evaluator|rater|reviewer|grader|ai|model)\s+(instructions?|note|override)\b",
            r"\b(evaluator|rater|assessor|reviewer|grader|model|ai|llm|assistant|evaluador[a]?|asistente)\b"
            r"[^.!?\n]{0,30}\b(must|should|shall|has to|needs to|is required to|debe|deber[aá])\b",
            r"\b(output|assign|confirm|treat|return|asignar|otorgar)\b[^.!?\n]{0,40}\b(level|nivel|rating|"
            r"score)\s*[1-5]\b",
            r"\b(rate|score|grade)\s+(everything|all|every\s+\w+|each\s+\w+)\b[^.!?\n]{0,30}\b(level\s*)?[1-5]\b",
            r"\b(all|every|each|todos los)\s+(indicators?|components?|indicadores?|componentes?)\s+(are|is|at|as|"
            r"should|"
            r"must|son|est[aá]n)\s+(at\s+)?(level|nivel)\s*[1-5]\b",
            r"\b(there is |theres )?(sufficient|enough|insufficient) evidence for this (component|indicator)\b",
            r"\bcite (segment|evidence|the segment)\s+\S+",
        ]
    ),
    re.IGNORECASE | re.MULTILINE,
)


def flagged(text: str) -> bool:
    return not screen_text(text).clean


def old_flagged(text: str) -> bool:
    return bool(_OLD.search(text))


def report(name: str, positives: list[str], negatives: list[str], show: bool) -> None:
    for label, flag in (("screen", flagged), ("old rule", old_flagged)):
        tp = sum(flag(t) for t in positives)
        fp = sum(flag(t) for t in negatives)
        precision = tp / (tp + fp) if tp + fp else float("nan")
        print(
            f"{name:<22} {label:<9} recall {tp}/{len(positives)} = {tp / len(positives):.2f}   "
            f"false positives {fp}/{len(negatives)}   precision {precision:.2f}"
        )
    if show:
        for t in positives:
            if not flagged(t):
                print(f"   MISSED  {t[:150]!r}")
        for t in negatives:
            if flagged(t):
                print(f"   FLAGGED {t[:150]!r}")


def dev(show: bool) -> None:
    data = yaml.safe_load(DEV.read_text(encoding="utf-8"))
    positives = [c["text"] for c in data["instructions"]]
    negatives = [c["text"] for c in data["genuine"]]
    report("dev", positives, negatives, show)
    lost = []
    for case in data["instructions"]:
        kept = {s.text for s in screen_text(case["text"]).kept}
        lost += [k for k in case.get("keep", []) if k not in kept]
    mids = sum(len(c.get("keep", [])) for c in data["instructions"])
    print(f"{'dev, mid-answer':<22} genuine sentences kept {mids - len(lost)}/{mids}")
    for k in lost if show else []:
        print(f"   LOST    {k!r}")


def heldout(show: bool) -> None:
    sets = yaml.safe_load(HELDOUT.read_text(encoding="utf-8"))["sets"]
    positives, negatives, hard, mids, kept = [], [], [], 0, 0
    for s in sets:
        texts = [row[3] for row in s["segments"]]
        for i, text in enumerate(texts):
            if i in s.get("injections", []):
                positives.append(text)
                kind = s["injection_kinds"][s["injections"].index(i)]
                if "mid_answer" in kind:
                    mids += 1
                    kept += bool(screen_text(text).kept)
            else:
                negatives.append(text)
                if i in s.get("hard_negatives", []):
                    hard.append(text)
    report("injection2 (held out)", positives, negatives, show)
    print(f"{'injection2 hard negs':<22} screened {sum(flagged(t) for t in hard)}/{len(hard)} (0 is right)")
    print(f"{'injection2 mid-answer':<22} genuine part kept in {kept}/{mids} (the rest left out whole)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--heldout", action="store_true", help="also measure on injection2 (held out)")
    parser.add_argument("-v", "--verbose", action="store_true", help="print every miss and false positive")
    args = parser.parse_args()
    dev(args.verbose)
    if args.heldout:
        heldout(args.verbose)


if __name__ == "__main__":
    main()
