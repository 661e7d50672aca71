"""The re-run noise a comparison of two assessments states: the demo answer bank's answers to each
component's questions synthesised twice with different seeds (``assistant/stability.py``), matched
with the comparison's own matching, and the share of themes reported as changed.

    .venv/bin/python bench/rerun_noise.py                 # seeds 1 and 2
    .venv/bin/python bench/rerun_noise.py --seeds 3 4

The baseline, from the same run: naive re-clustering compared by label (a theme is "the same" only
when a theme of the other run has the same label), what a comparison without matching would report.
The issue's bar: at most 5% of themes reported changed.
"""

from __future__ import annotations

import argparse

from assistant.config import get_settings
from assistant.demo.answers import load_answer_bank
from assistant.embeddings import get_embedder
from assistant.followup.match import changed_share, share_noise
from assistant.rubric import get_rubric
from assistant.stability import rerun


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", nargs=2, type=int, default=[1, 2])
    seeds = tuple(parser.parse_args().seeds)
    settings = get_settings()
    embedder = get_embedder(settings.embedding_model, settings.embedding_batch_size)
    bank = load_answer_bank()
    total = changed = by_label = 0
    for component in get_rubric().components:
        ids = {q.id for q in component.questions}
        texts = [
            a.text for q, es in sorted(bank.answers.items()) if q in ids for a in es if a.kind == "answer" and a.text
        ]
        changes, first, second = rerun(texts, embedder.encode(texts), list(range(len(texts))), seeds)
        n = sum(len(c.a) + len(c.b) for c in changes)
        labels = [t.label for t in first], [t.label for t in second]
        naive = sum(lb not in labels[1] for lb in labels[0]) + sum(lb not in labels[0] for lb in labels[1])
        total, changed, by_label = total + n, changed + round(changed_share(changes) * n), by_label + naive
        print(
            f"{component.id:24} {len(texts):4} answers  {len(first):3}/{len(second):3} themes  "
            f"changed {changed_share(changes):6.1%}  share margin {share_noise(changes, first, second):5.1%}  "
            f"by label {naive:3}"
        )
    print(
        f"overall: {changed}/{total} themes reported changed ({changed / max(total, 1):.1%}); "
        f"baseline by label: {by_label}/{total} ({by_label / max(total, 1):.1%}); seeds {seeds}"
    )


if __name__ == "__main__":
    main()
