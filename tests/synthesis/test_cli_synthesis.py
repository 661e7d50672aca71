"""The `dm3 themes`, `dm3 import-csv` and `dm3 synthesize` commands on real files and a real database."""

from __future__ import annotations

import csv
import json
import re

import pytest
from sqlmodel import Session, col, select
from typer.testing import CliRunner

from assistant.cli import app
from assistant.models import Engagement, Segment, Theme

TOPICS = [
    "The {} bus was late again and I missed my appointment.",
    "Staff at the {} desk were kind, patient and helpful.",
    "Parking near the {} entrance is expensive and always full.",
]
PLACES = ["north", "south", "east", "west", "main", "side", "river", "park", "hill", "city", "old", "new"]


def write_csv(path, rows, header=("id", "comment")):
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)


def test_themes_command_writes_themes_and_one_assignment_per_row(tmp_path, embedder):
    texts = [t.format(p) for t in TOPICS for p in PLACES]
    rows = [(i, text) for i, text in enumerate(texts)] + [(90, "n/a"), (91, "")]
    src, out = tmp_path / "in.csv", tmp_path / "out.json"
    write_csv(src, rows)
    r = CliRunner().invoke(app, ["themes", str(src), "--text-column", "comment", "--out", str(out)])
    assert r.exit_code == 0, r.output
    summary = r.stdout.strip().splitlines()[-1]
    assert summary.startswith(f"{len(rows)} rows:") and "themes" in summary and "other voices" in summary
    # "[ 42%] Embedding 36 rows" (stderr may hold the model's own loading lines too)
    steps = [m.group(1) for m in re.finditer(r"^\[ *\d+%\] (.*)$", r.stderr, re.MULTILINE)]
    assert steps[0] == "Embedding 36 rows" and "Clustering 36 segments" in steps, steps
    order = [w for i, w in enumerate(s.split()[0] for s in steps) if i == 0 or w != steps[i - 1].split()[0]]
    assert order == ["Embedding", "Clustering", "Gathering", "Naming", "Reading", "Embedding", "Named"], steps
    assert re.fullmatch(r"Named \d+ of \d+ themes", steps[-1]), steps
    result = json.loads(out.read_text())
    assert set(result) == {"themes", "assignments"}
    assert [a["row"] for a in result["assignments"]] == list(range(len(rows)))
    assert all(set(t) == {"id", "label", "keywords", "size", "summary", "parent"} for t in result["themes"])
    ids = {t["id"] for t in result["themes"] if t["parent"] is None}
    subs = {t["id"]: t["parent"] for t in result["themes"] if t["parent"] is not None}
    assert 2 <= len(ids) <= 8 and set(subs.values()) <= ids
    assigned = [a["theme"] for a in result["assignments"]]
    assert all(a is None or a in ids for a in assigned)
    assert assigned[-1] is None and assigned[-2] is None  # empty row and non-answer
    for a in result["assignments"]:  # a row's sub-theme lies inside its top theme
        assert a["subtheme"] is None or subs[a["subtheme"]] == a["theme"]
    for t in result["themes"]:
        key = "theme" if t["parent"] is None else "subtheme"
        assert t["size"] == [a[key] for a in result["assignments"]].count(t["id"])
    # rows written from one topic share a theme far more often than not
    for k in range(len(TOPICS)):
        block = assigned[k * len(PLACES) : (k + 1) * len(PLACES)]
        top = max(set(block), key=block.count)
        assert top is not None and block.count(top) >= len(PLACES) // 2


@pytest.mark.parametrize(
    "content, args, message",
    [
        (b"id,comment\n1,hello there friend\n", ["--text-column", "text"], "column 'text' is not in the file"),
        ("id,comment\n1,caf\u00e9 au lait\n".encode("latin-1"), ["--text-column", "comment"], "not UTF-8"),
        (b"id,comment\n", ["--text-column", "comment"], "no rows"),
    ],
)
def test_themes_command_rejects_bad_csv(tmp_path, content, args, message):
    src, out = tmp_path / "bad.csv", tmp_path / "out.json"
    src.write_bytes(content)
    r = CliRunner().invoke(app, ["themes", str(src), *args, "--out", str(out)])
    assert r.exit_code == 1
    assert message in r.output
    assert not out.exists()


def test_import_then_synthesize_from_the_command_line(cli_env, tmp_path):
    with Session(cli_env) as s:
        eng = Engagement(organisation="Clitown")
        s.add(eng)
        s.commit()
        eid = eng.id
    src = tmp_path / "survey.csv"
    write_csv(
        src,
        [(f"r{i}", t.format(p), "Finance") for i, p in enumerate(PLACES) for t in TOPICS[:2]],
        header=("rid", "answer", "dept"),
    )
    runner = CliRunner()
    args = [
        "import-csv",
        str(eid),
        str(src),
        "--text-column",
        "answer",
        "--component",
        "data_life_cycle",
        "--id-column",
        "rid",
        "--department-column",
        "dept",
    ]
    r = runner.invoke(app, args)  # the engagement has no department "Finance": asked to map it, nothing written
    assert r.exit_code == 1 and '--map-department "Finance=..."' in r.output
    with Session(cli_env) as s:
        assert not s.exec(select(Segment)).all()
    r = runner.invoke(app, [*args, "--map-department", "Finance=unknown"])
    assert r.exit_code == 0, r.output
    assert "Imported 24 answers" in r.output
    bad = tmp_path / "bad.csv"
    write_csv(bad, [("r1", "text")], header=("rid", "answer"))
    r = runner.invoke(app, ["import-csv", str(eid), str(bad), "--text-column", "answer", "--component", "nope"])
    assert r.exit_code == 1 and "Unknown component 'nope'" in r.output
    r = runner.invoke(app, ["synthesize", str(eid)])
    assert r.exit_code == 0, r.output
    assert "Synthesis done: 24 segments, 24 newly embedded" in r.stdout
    # progress on stderr, a line per step with its counts
    lines = r.stderr.splitlines()
    assert "[ 10%] Embedding new text of 24 segments" in lines, lines
    assert "[ 60%] Themes for data_life_cycle (1 of 1): 24 segments" in lines, lines
    assert lines[-1] == "[100%] Done"
    r = runner.invoke(app, ["synthesize", str(eid)])
    assert "24 segments, 0 newly embedded" in r.output
    with Session(cli_env) as s:
        assert len(s.exec(select(Segment)).all()) == 24
        live = select(Theme).where(col(Theme.archived).is_(False), col(Theme.is_other).is_(False))
        assert s.exec(live).first() is not None
