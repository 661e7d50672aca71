"""Probe bench: does the interviewer accept an answer, or ask the right kind of follow-up?

    .venv/bin/python bench/probe_eval.py              # the product (with the embedding model) + keyword baseline
    .venv/bin/python bench/probe_eval.py --cases bench/data/probe_heldout.yaml   # one case file only (repeatable)
    .venv/bin/python bench/probe_eval.py --no-model   # without the embedding model (no off-topic rule today)
    .venv/bin/python bench/probe_eval.py -v           # also list every case the product gets wrong
    .venv/bin/python bench/probe_eval.py --encoder onnx-int8   # an ONNX encoder instead of the full PyTorch model
    .venv/bin/python bench/probe_eval.py --compare torch,onnx,onnx-int8,onnx:64   # decisions against the first

``--compare`` runs the product with each encoder (``NAME:N`` cuts answers at N tokens instead of
128) over the same cases and prints, per encoder, the figures below, the CPU milliseconds per answer
encoded, and the share of cases whose decision (action and reason) is the same as the first
encoder's (the full PyTorch model when it comes first); ``-v`` lists the cases that differ.

After the labelled set it prints the same decision over a second, independent set: the demo answer
bank (assistant/demo/data/answers.yaml), whose answers that suggest a level should nearly all be accepted.

Case files: by default every ``bench/data/probe*.yaml`` (probe_cases.yaml, the first set, and
probe_heldout.yaml, a held-out set written later by another hand, also without looking at the
engine); ``--cases FILE`` (repeatable) picks files instead. Each file is scored on its own, with the
same figures, and a summary per file closes the run; the model is loaded once.

The cases (bench/data/probe_cases.yaml) were written from the rubric's questions and probes as
staff would answer them, without looking at the engine: follow-up answers with little word overlap
with the main question, everyday wording and typos, hedged but concrete answers, short, vague and
off-topic answers, instructions aimed at the assistant, Spanish. Labels: accept, or probe with a
reason (short, vague, off_topic).

Printed per engine, from the same run: action accuracy (accept vs probe), label accuracy (action
and reason), recall per label, the false redirect rate (relevant answers, labelled accept, sent back
as off topic; and the same over every on-topic answer: accept, short or vague), accuracy on answers
to a follow-up and to a main question, milliseconds per decision, and the confusion table.
The baseline is keyword-only: fewer than 5 words is short, a hedge word is vague, no content word
shared with the question, follow-up or topic is off topic.
"""

from __future__ import annotations

import argparse
import re
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import yaml
from _data import ROOT

from assistant.rubric import Question, Rubric, load_rubric

CASES = ROOT / "bench" / "data" / "probe_cases.yaml"


def case_files() -> list[Path]:
    """Every labelled case file the bench runs by default: bench/data/probe*.yaml, the first set first."""
    files = sorted((ROOT / "bench" / "data").glob("probe*.yaml"))
    return sorted(files, key=lambda f: (f != CASES, f.name))


LABELS = ["accept", "short", "vague", "off_topic"]
Relate = Callable[[str, str], float]


# ------------------------------------------------------------------ the product's decision (adapter)
def decide(case: dict, rubric: Rubric, relatedness: Relate | None) -> tuple[str, str | None]:
    """The product's decision for one case: ("accept", None) or ("probe", reason).

    The ONE place that calls the product: ``assistant.interview.decide.decide``, the function behind
    ``dm3 probe`` and the web chat (judged against the follow-up when the case answers one).
    """
    from assistant.interview.decide import decide as product_decide

    d = product_decide(
        rubric, case["role_level"], case["component"], case["question"], case["follow_up"], case["answer"], relatedness
    )
    return d.action, d.reason


# ------------------------------------------------------------------ keyword-only baseline
STOP = set(
    """a about above after again all also am an and any are as at be because been before being both but by
can could did do does doing done down during each every few for from had has have having he her here hers him his
how i if in into is it its just like me more most my no nor not now of off on once only or other our ours out over
own same she should so some such than that the their them then there these they this those through to too under
until up very was we were what when where which while who whom why will with would you your yours yes yeah ok okay
really honestly think know guess maybe tell give example past year time anything something someone""".split()
)
HEDGES = [
    "depends",
    "depend",
    "usual",
    "kind of",
    "sort of",
    "not really",
    "sometimes",
    "i guess",
    "in general",
    "more or less",
    "varies",
    "whatever",
    "stuff",
]


def _content_words(text: str) -> set[str]:
    words = re.findall(r"[a-záéíóúñü']+", text.lower())
    return {w[:5] for w in words if len(w) >= 4 and w not in STOP}


def keyword_decide(case: dict, rubric: Rubric) -> tuple[str, str | None]:
    """Keyword-only baseline: word count, hedge words, and content-word overlap with what was asked."""
    answer = case["answer"]
    if len(answer.split()) < 5:
        return "probe", "short"
    low = answer.lower()
    if any(re.search(r"\b" + re.escape(h) + r"\b", low) for h in HEDGES):
        return "probe", "vague"
    question = find_question(rubric, case["component"], case["question"])
    asked = f"{question.text} {question.topic} {case.get('follow_up') or ''}"
    if not _content_words(answer) & _content_words(asked):
        return "probe", "off_topic"
    return "accept", None


# ------------------------------------------------------------------ the set
def find_question(rubric: Rubric, component: str, text: str) -> Question:
    """The rubric question of ``component`` whose text is ``text`` (ValueError naming it otherwise)."""
    for q in rubric.component(component).questions:
        if q.text == text:
            return q
    raise ValueError(f"no question of component {component!r} reads {text!r}")


def load_cases(rubric: Rubric, path: Path = CASES) -> list[dict]:
    """The labelled cases, each checked against the rubric: the question belongs to the component and
    is asked of the role level, the label is one of accept / probe+reason. Raises ValueError naming
    the case otherwise."""
    cases = yaml.safe_load(path.read_text(encoding="utf-8"))["cases"]
    seen: set[str] = set()
    for c in cases:
        where = f"{path.name}: case {c.get('id')!r}"
        missing = {"id", "role_level", "component", "question", "follow_up", "answer", "action", "reason"} - set(c)
        if missing:
            raise ValueError(f"{where} lacks {sorted(missing)}")
        if c["id"] in seen:
            raise ValueError(f"{where} is a duplicate id")
        seen.add(c["id"])
        q = find_question(rubric, c["component"], c["question"])
        if c["role_level"] not in q.roles:
            raise ValueError(f"{where}: question {q.id} is not asked of {c['role_level']}")
        ok = (c["action"] == "accept" and c["reason"] is None) or (
            c["action"] == "probe" and c["reason"] in {"short", "vague", "off_topic"}
        )
        if not ok:
            raise ValueError(f"{where}: action {c['action']!r} with reason {c['reason']!r}")
        if not str(c["answer"]).strip():
            raise ValueError(f"{where}: empty answer")
    return cases


def label(action: str, reason: str | None) -> str:
    return "accept" if action == "accept" else str(reason)


# ------------------------------------------------------------------ scoring
def score(cases: list[dict], preds: list[str]) -> dict:
    """Action accuracy, label accuracy, recall per label, false redirect rates, follow-up split."""
    truth = [label(c["action"], c["reason"]) for c in cases]
    pairs = list(zip(truth, preds, strict=False))
    n = len(pairs)
    out: dict = {
        "action": sum((t == "accept") == (p == "accept") for t, p in pairs) / n,
        "label": sum(t == p for t, p in pairs) / n,
    }
    for lab in LABELS:
        rows = [p for t, p in pairs if t == lab]
        out[f"recall_{lab}"] = sum(p == lab for p in rows) / len(rows) if rows else float("nan")
    accepted = [p for t, p in pairs if t == "accept"]
    on_topic = [p for t, p in pairs if t != "off_topic"]
    out["false_redirect"] = sum(p == "off_topic" for p in accepted) / len(accepted)
    out["false_redirect_on_topic"] = sum(p == "off_topic" for p in on_topic) / len(on_topic)
    flagged = [t for t, p in pairs if p == "off_topic"]
    out["off_topic_precision"] = sum(t == "off_topic" for t in flagged) / len(flagged) if flagged else float("nan")
    for name, keep in (("follow_up", True), ("main", False)):
        sub = [(t, p) for c, (t, p) in zip(cases, pairs, strict=False) if (c["follow_up"] is not None) == keep]
        out[f"label_{name}"] = sum(t == p for t, p in sub) / len(sub) if sub else float("nan")
    out["confusion"] = Counter(pairs)
    return out


def print_confusion(name: str, confusion: Counter) -> None:
    print(f"\n{name}: rows = label, columns = decision")
    print(f"{'':<11}" + "".join(f"{lab:>11}" for lab in LABELS) + f"{'total':>8}")
    for t in LABELS:
        cells = [confusion.get((t, p), 0) for p in LABELS]
        print(f"{t:<11}" + "".join(f"{c:>11}" for c in cells) + f"{sum(cells):>8}")


def demo_bank(rubric: Rubric, relatedness: Relate | None) -> None:
    """A second, independent set: the demo answer bank (assistant/demo/data/answers.yaml), written for
    the demo by someone else. Answers that suggest a maturity level should nearly all be accepted;
    those with no level (hostile, off the subject, steering the rating) are shown apart."""
    from assistant.interview.decide import decide as product_decide

    bank = yaml.safe_load((ROOT / "assistant" / "demo" / "data" / "answers.yaml").read_text(encoding="utf-8"))
    rows: list[tuple[str, str | None, str, str, str]] = []  # (group, follow_up, qid, text, label)
    for qid, entries in bank["answers"].items():
        for e in entries:
            if e.get("kind", "answer") == "answer":
                rows.append(
                    ("main, with a level" if e.get("level") is not None else "main, no level", None, qid, e["text"], "")
                )
    for qid, entries in bank["follow_ups"].items():
        if qid == "generic":
            continue
        _, q = rubric.question(qid)
        for e in entries:
            rows.append(("follow-up answers", q.probes[e["probe"] - 1] if "probe" in e else None, qid, e["text"], ""))
    counts: dict[str, Counter] = {}
    for group, follow_up, qid, text, _ in rows:
        comp, q = rubric.question(qid)
        d = product_decide(rubric, q.roles[0], comp.id, qid, follow_up, text, relatedness)
        counts.setdefault(group, Counter())[d.reason or "accept"] += 1
    print("\ndemo answer bank (second set):")
    for group, c in counts.items():
        n = sum(c.values())
        print(
            f"  {group:<20} {n:>4} answers: accepted {c['accept'] / n:.2f}  "
            + "  ".join(f"{lab} {c[lab]}" for lab in LABELS[1:])
        )


@dataclass
class EncoderRun:
    """One encoder's decisions over the cases: labels, figures, and its cost."""

    spec: str
    preds: list[str]
    figures: dict
    prepare_s: float  # CPU seconds to encode every text the rule compares with (once per process)
    encode_ms: float  # CPU ms per answer encoded
    encoded: int  # answers that reached the encoder (the others were decided by the rules alone)
    decide_ms: float  # CPU ms per decision, the encodes included


def make_relatedness(spec: str, settings) -> object:
    """``Relatedness`` over the encoder ``spec``: torch, onnx or onnx-int8, optionally ``:N`` tokens."""
    from assistant.interview.onnx_encoder import MAX_SEQ_LENGTH, OnnxEncoder
    from assistant.interview.relatedness import Relatedness, answer_encoder

    name, _, window = spec.partition(":")
    if name == "torch":
        return Relatedness(answer_encoder(settings.embedding_model, settings.embedding_batch_size, "torch", Path()))
    quantize = {"onnx": False, "onnx-int8": True}[name]
    encoder = OnnxEncoder(
        settings.embedding_model, settings.model_cache_dir, quantize, int(window) if window else MAX_SEQ_LENGTH
    )
    return Relatedness(encoder)


class CountingEncoder:
    """Wraps an encoder: counts answers encoded one at a time and their CPU time."""

    def __init__(self, inner) -> None:
        self.inner, self.calls, self.cpu = inner, 0, 0.0

    def encode(self, texts):
        t0 = time.process_time()
        try:
            return self.inner.encode(texts)
        finally:
            if len(texts) == 1:
                self.calls += 1
                self.cpu += time.process_time() - t0


def run_encoder(spec: str, cases: list[dict], rubric: Rubric, settings) -> EncoderRun:
    """The product's decisions over ``cases`` with encoder ``spec``, the rubric's texts prepared first."""
    from assistant.interview.decide import comparison_texts

    relatedness = make_relatedness(spec, settings)
    t0 = time.process_time()
    relatedness.prepare(comparison_texts(rubric, settings.max_probes_per_question))
    prepare_s = time.process_time() - t0
    counting = relatedness.embedder = CountingEncoder(relatedness.embedder)
    t0 = time.process_time()
    preds = [label(*decide(c, rubric, relatedness)) for c in cases]
    decide_ms = (time.process_time() - t0) * 1000 / len(cases)
    encode_ms = counting.cpu * 1000 / counting.calls if counting.calls else 0.0
    return EncoderRun(spec, preds, score(cases, preds), prepare_s, encode_ms, counting.calls, decide_ms)


def compare(specs: list[str], cases: list[dict], rubric: Rubric, settings, verbose: bool) -> None:
    """Each encoder's figures and its agreement with the first encoder, case by case."""
    runs = [run_encoder(spec, cases, rubric, settings) for spec in specs]
    ref = runs[0]
    print(
        f"\n{'encoder':<14} {'agree':>6} {'action':>7} {'label':>6} {'r.offtop':>9} {'false-redir':>12} "
        f"{'offtop-prec':>12} {'encoded':>8} {'enc ms':>7} {'ms/case':>8} {'prepare s':>10}"
    )
    for run in runs:
        agree = sum(a == b for a, b in zip(run.preds, ref.preds, strict=True)) / len(cases)
        f = run.figures
        print(
            f"{run.spec:<14} {agree:>6.3f} {f['action']:>7.2f} {f['label']:>6.2f} {f['recall_off_topic']:>9.2f} "
            f"{f['false_redirect']:>12.2f} {f['off_topic_precision']:>12.2f} {run.encoded:>8} "
            f"{run.encode_ms:>7.2f} {run.decide_ms:>8.2f} {run.prepare_s:>10.1f}"
        )
    print(
        f"agree: share of the {len(cases)} cases decided as {ref.spec} decides them (action and reason); "
        "encoded: answers that reached the encoder; enc ms: CPU per answer encoded; ms/case: CPU per decision; "
        "prepare s: CPU to encode every rubric text compared with (once per process)."
    )
    if verbose:
        for run in runs[1:]:
            for c, a, b in zip(cases, run.preds, ref.preds, strict=True):
                if a != b:
                    print(f"  {run.spec}: {c['id']} {ref.spec} {b} -> {a}  {c['answer'][:90]!r}")


def evaluate_file(path: Path, rubric: Rubric, relatedness: Relate | None, load_s: float, verbose: bool) -> dict:
    """The product and the keyword baseline over one case file: the table, the confusion tables and
    the comparison line, as printed for probe_cases.yaml before there were several files."""
    cases = load_cases(rubric, path)
    counts = Counter(label(c["action"], c["reason"]) for c in cases)
    print(f"\n{'=' * 24} {path.name}")
    print(
        f"{len(cases)} cases, {len({c['component'] for c in cases})} components, "
        f"{len({c['role_level'] for c in cases})} role levels, "
        f"{sum(c['follow_up'] is not None for c in cases)} answering a follow-up; "
        + ", ".join(f"{lab} {counts[lab]}" for lab in LABELS)
    )
    engines: list[tuple[str, Callable[[dict], tuple[str, str | None]]]] = [
        ("product" if relatedness else "product-nomodel", lambda c: decide(c, rubric, relatedness)),
        ("keywords", lambda c: keyword_decide(c, rubric)),
    ]
    results = []
    for name, fn in engines:
        t0 = time.perf_counter()
        preds = [label(*fn(c)) for c in cases]
        ms = (time.perf_counter() - t0) * 1000 / len(cases)
        results.append((name, preds, score(cases, preds), ms))

    print(
        f"\n{'engine':<16} {'action':>7} {'label':>6} {'r.accept':>9} {'r.short':>8} {'r.vague':>8} "
        f"{'r.offtop':>9} {'false-redir':>12} {'(on-topic)':>11} {'offtop-prec':>12} {'fu':>5} {'main':>5} {'ms':>6}"
    )
    for name, _, s, ms in results:
        print(
            f"{name:<16} {s['action']:>7.2f} {s['label']:>6.2f} {s['recall_accept']:>9.2f} {s['recall_short']:>8.2f} "
            f"{s['recall_vague']:>8.2f} {s['recall_off_topic']:>9.2f} {s['false_redirect']:>12.2f} "
            f"{s['false_redirect_on_topic']:>11.2f} {s['off_topic_precision']:>12.2f} {s['label_follow_up']:>5.2f} "
            f"{s['label_main']:>5.2f} {ms:>6.1f}"
        )
    for name, _, s, _ in results:
        print_confusion(name, s["confusion"])
    prod, base = results[0][2], results[1][2]
    print(
        f"\nproduct vs keyword baseline: label accuracy {prod['label']:.2f} vs {base['label']:.2f}, "
        f"action accuracy {prod['action']:.2f} vs {base['action']:.2f}, "
        f"false redirects {prod['false_redirect']:.2f} vs {base['false_redirect']:.2f}"
    )
    if relatedness is not None:
        print(f"embedding model load and rubric texts encoded {load_s:.1f} s (not in ms per decision)")
    print(
        "false-redir: accept cases sent back as off topic; (on-topic): the same over accept, short and vague; "
        "fu / main: label accuracy on answers to a follow-up / to the main question."
    )
    if verbose:
        print(f"\nproduct misses ({path.name}):")
        for c, p in zip(cases, results[0][1], strict=False):
            t = label(c["action"], c["reason"])
            if t != p:
                print(f"  {c['id']}  label {t:<9} got {p:<9} {c['answer'][:100]!r}")
    return {name: s for name, _, s, _ in results} | {"n": len(cases)}


def print_summary(per_file: list[tuple[Path, dict]]) -> None:
    """One line per case file and engine: the figures to compare across files."""
    print(
        f"\nsummary per case file\n{'file':<22} {'engine':<16} {'n':>4} {'action':>7} {'label':>6} {'r.accept':>9} "
        f"{'r.short':>8} {'r.vague':>8} {'r.offtop':>9} {'false-redir':>12}"
    )
    for path, res in per_file:
        for name, s in res.items():
            if name == "n":
                continue
            print(
                f"{path.name:<22} {name:<16} {res['n']:>4} {s['action']:>7.2f} {s['label']:>6.2f} "
                f"{s['recall_accept']:>9.2f} {s['recall_short']:>8.2f} {s['recall_vague']:>8.2f} "
                f"{s['recall_off_topic']:>9.2f} {s['false_redirect']:>12.2f}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--cases",
        type=Path,
        action="append",
        help="a labelled case file (repeatable); default: every bench/data/probe*.yaml",
    )
    parser.add_argument("--no-model", action="store_true", help="skip the embedding model (no relatedness)")
    parser.add_argument(
        "--encoder",
        choices=("torch", "onnx", "onnx-int8"),
        default="torch",
        help="how answers are encoded: the full PyTorch model (default), or the ONNX exports",
    )
    parser.add_argument(
        "--compare", default="", help="encoders to compare, comma-separated (torch,onnx,onnx-int8,onnx:64,...)"
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="list the cases the product gets wrong")
    args = parser.parse_args()

    from assistant.config import Settings

    settings = Settings(_env_file=None)
    rubric = load_rubric(settings.rubric_path)
    files = args.cases or case_files()
    for path in files:
        load_cases(rubric, path)  # every file checked before any model is loaded

    if args.compare:
        for path in files:
            cases = load_cases(rubric, path)
            print(f"\n{'=' * 24} {path.name}: {len(cases)} cases")
            compare(args.compare.split(","), cases, rubric, settings, args.verbose)
        return

    relatedness: Relate | None = None
    load_s = 0.0
    if not args.no_model:
        from assistant.interview.relatedness import Relatedness, answer_encoder

        t0 = time.perf_counter()
        relatedness = Relatedness(
            answer_encoder(
                settings.embedding_model, settings.embedding_batch_size, args.encoder, settings.model_cache_dir
            )
        )
        relatedness("warm up", "warm up")
        # as the web chat does at start-up: every rubric text an answer is compared with, encoded once
        from assistant.interview.decide import comparison_texts

        relatedness.prepare(comparison_texts(rubric, settings.max_probes_per_question))
        load_s = time.perf_counter() - t0

    per_file = [(path, evaluate_file(path, rubric, relatedness, load_s, args.verbose)) for path in files]
    if len(per_file) > 1:
        print_summary(per_file)
    demo_bank(rubric, relatedness)


if __name__ == "__main__":
    main()
