"""Themes represent people, on real comments (NHS Friends & Family Test, ../shared/data): a theme
needs 3 distinct people, one person's repeated answer counts once, non-answers stay in other voices."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from assistant.synthesis import themes as T

ROOT = Path(__file__).resolve().parents[2]
DATA = next(
    (p / "shared" / "data" for p in (ROOT.parent, ROOT.parent.parent) if (p / "shared" / "data").exists()),
    ROOT.parent / "shared" / "data",
)


def real_comments(n: int) -> list[str]:
    path = DATA / "nhs_fft" / "v6framework_230831.csv"
    if not path.exists():
        pytest.skip(f"the public labelled data is not at {DATA} (see docs/benchmarks.md)")
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = [r["FFT answer"].strip() for r in csv.DictReader(fh)]
    return [t for t in rows if len(t.split()) >= 6][:n]


def test_one_voice_repeated_and_non_answers_make_no_theme(embedder):
    texts = real_comments(150)
    people: list[object] = list(range(len(texts)))
    repeat = "The car park at the hospital is a nightmare, there are never any spaces left after nine."
    for k in range(6):  # one person pastes the same complaint six times
        texts.append(repeat if k % 2 == 0 else repeat.replace("nightmare", "total nightmare"))
        people.append("P-repeat")
    for k in range(6):  # six people answer without saying anything
        texts.append(
            ["Fine, usually, depends on the day.", "fine", "Same as above.", "n/a", "OK I guess", "It depends really"][
                k
            ]
        )
        people.append(f"P-none-{k}")
    result = T.build(texts, embedder.encode(texts), people=people)
    for theme in [*result.themes, *result.subthemes()]:
        assert len({people[i] for i in theme.members}) >= 3, [texts[i] for i in theme.members]
    non_answers = range(len(texts) - 6, len(texts))
    assert all(result.labels[i] == T.OTHER for i in non_answers)
    # the six copies are one voice: wherever they went, they went together
    assert len({int(result.labels[i]) for i in range(len(texts) - 12, len(texts) - 6)}) == 1
    assert 1 <= len(result.themes) <= 15
    assert len(result.other) <= 0.15 * len(texts) + 6  # the cap, plus the non-answers set aside


def test_low_content_rule():
    for text in ("Fine, usually, depends on the day.", "ok", "Same as above", "not sure really", "good"):
        assert T.is_low_content(text), text
    for text in ("Excel.", "We email spreadsheets around", "The GIS maps are old"):
        assert not T.is_low_content(text), text
