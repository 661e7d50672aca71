"""Every chart draws under the product's Content-Security-Policy (``style-src 'self'``): its SVG
has no ``style`` attribute, no ``<style>`` element and no script, keeps its colours as presentation
attributes, carries a text alternative and holds no link."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from assistant import charts

SVG = "{http://www.w3.org/2000/svg}"


def _figures() -> dict[str, charts.Figure]:
    return {
        "profile": charts.profile_figure(
            [
                charts.ProfileRow("Governance", 2, 4, 3),
                charts.ProfileRow("Data quality", None, None, None),
                charts.ProfileRow("Literacy", None, 3, 2),
            ],
            ["Initial", "Developing", "Defined", "Managed", "Optimised"],
        ),
        "stacked": charts.stacked_figure(
            [
                charts.StackedRow(
                    "Reports are re-typed",
                    {
                        "role level": [("clerk", 6), ("groups under 5 (combined)", 3)],
                        "department": [("Finance", 5), ("IT", 4)],
                    },
                ),
                charts.StackedRow("No data owner", {"role level": [("manager", 7)], "department": [("IT", 7)]}),
            ]
        ),
        "ratio": charts.ratio_figure(
            [charts.RatioBar("role: clerk", 0.5, True), charts.RatioBar("role: manager", 2.6, False)], 0.8
        ),
        "timeline": charts.timeline_figure(
            ["Governance", "Literacy"],
            [charts.TimelineBar("Governance", 0, 6, 2), charts.TimelineBar("Literacy", 6, 12, 1, beyond=True)],
            12,
            [6],
        ),
    }


@pytest.mark.parametrize("name", ["profile", "stacked", "ratio", "timeline"])
def test_chart_svg_draws_under_the_csp_with_a_text_alternative(name):
    svg = charts.to_svg(_figures()[name], "Title <with> & marks", "Governance: decided 2, target 4.", name)
    assert not re.search(r"\sstyle=|<style|<script|<a[\s>]|\son[a-z]+=", svg)
    root = ET.fromstring(svg)  # well-formed, so the browser parses it as the chart matplotlib drew
    assert root.get("role") == "img" and root.get("aria-labelledby") == f"{name}-title"
    title = root.find(f"{SVG}title")
    assert title is not None and title.text == "Title <with> & marks" and title.get("id") == f"{name}-title"
    desc = root.find(f"{SVG}desc")
    assert desc is not None and desc.text == "Governance: decided 2, target 4." and root.get("aria-describedby")
    fills = {el.get("fill") for el in root.iter() if el.get("fill")}
    assert fills & {charts.PALETTE[i].lower() for i in (0, 2, 5)}  # the palette kept as attributes
    fonts = [el for el in root.iter(f"{SVG}text") if el.get("font-size")]
    assert fonts, "text keeps its size as an attribute"
    ids = [el.get("id") for el in root.iter() if el.get("id")]
    assert len(ids) == len(set(ids)) and all(i.startswith(f"{name}-") for i in ids)


def test_profile_marks_each_level_kind_per_row():
    svg = charts.to_svg(_figures()["profile"], "Profile", prefix="p")
    # rows top to bottom are y=2,1,0: Governance (all three), Data quality (nothing), Literacy (proposed, target)
    for kind, rows in {"decided": {2}, "proposed": {2, 0}, "target": {2, 0}}.items():
        assert {int(m) for m in re.findall(rf'id="p-{kind}-(\d)"', svg)} == rows
    assert "awaiting review" in svg


GRAPHVIZ = {"assistant/dataflow/layout.py", "assistant/report/dataflow_section.py"}


def test_no_chart_is_drawn_by_hand_outside_charts_py():
    """One chart library: every picture of numbers on a page or in a document is matplotlib's
    (``charts.to_svg``); no template, script or module writes SVG shapes of its own. The data-flow map is
    a graph, not a chart, laid out by Graphviz (issue 31): its module and the report section that labels
    its SVG for screen readers are the only other places SVG is written."""
    root = Path(__file__).resolve().parents[1]
    shapes = re.compile(r"<(svg|rect|polyline|polygon|line|circle|path)[\s>]")
    files = [*root.glob("web/templates/**/*.html"), *root.glob("web/static/*.js"), *root.glob("assistant/**/*.py")]
    drawn = [
        str(f.relative_to(root))
        for f in files
        if f.name not in ("charts.py", "htmx.min.js")
        and str(f.relative_to(root)) not in GRAPHVIZ
        and shapes.search(f.read_text(encoding="utf-8"))
    ]
    assert drawn == []
