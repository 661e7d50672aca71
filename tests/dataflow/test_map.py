"""The data-flow map over a real database: the catalogue keeps a consultant's merge, split and rename
across re-builds, bottlenecks rank as hand-computed, the staff checks refuse what cannot be saved, and
the exports read back."""

from __future__ import annotations

import json

import networkx as nx
import pytest
from sqlmodel import select

from assistant.dataflow import bottlenecks as B
from assistant.dataflow import edits, exports, layout
from assistant.dataflow import graph as G
from assistant.dataflow.flows import FlowInput, FlowProblems, save_flow
from assistant.dataflow.store import rebuild, systems_of
from assistant.models import AuditEvent, Flow, SystemMention
from assistant.views.dataflow import catalogue_rows
from tests.factories import add_flow, make_engagement, make_person


def _graph(session, engagement):
    return G.build(G.hops(session, engagement.id), G.labels(systems_of(session, engagement.id).values()))


def _row(session, engagement, name):
    return next(r for r in catalogue_rows(session, engagement) if r.name == name)


def test_a_merge_split_and_rename_are_kept_when_the_catalogue_is_rebuilt(session):
    e = make_engagement(session)
    a, b, c = (make_person(session, e, d) for d in ("Parks", "Parks", "Finance"))
    add_flow(session, e, a, "ParkRes", source="the public")
    add_flow(session, e, b, "the park booking app", target="Finance")
    names = {r.name for r in catalogue_rows(session, e)}
    assert {"ParkRes", "park booking app"} <= names  # no rule knows they are one
    res, app_ = _row(session, e, "ParkRes"), _row(session, e, "park booking app")
    edits.merge(session, e, None, app_.key, res.key)
    edits.rename(session, e, None, res.key, "Park reservations (ParkRes)")
    session.commit()
    add_flow(session, e, c, "park booking app", source="Parks")  # a new mention after the merge
    rebuild(session, e.id)
    rebuild(session, e.id)
    session.commit()
    row = _row(session, e, "Park reservations (ParkRes)")
    assert row.key == res.key and row.people == 3
    assert {"ParkRes", "the park booking app", "park booking app"} <= set(row.aliases)
    actions = session.exec(select(AuditEvent.action).where(AuditEvent.engagement_id == e.id)).all()
    assert {"catalogue.merge", "catalogue.rename"} <= set(actions)
    new_key = edits.split(session, e, None, res.key, "park booking app")
    rebuild(session, e.id)
    session.commit()
    split_row = next(r for r in catalogue_rows(session, e) if r.key == new_key)
    assert split_row.people == 1 and _row(session, e, "Park reservations (ParkRes)").people == 2


def test_bottlenecks_rank_by_hours_method_departments_and_single_points(session):
    e = make_engagement(session)
    a, b, c = (
        make_person(session, e, "Public Works"),
        make_person(session, e, "Parks"),
        make_person(session, e, "Finance"),
    )
    add_flow(session, e, a, "Cityworks", source="the public", frequency="weekly", minutes=30, fixes="sometimes")
    add_flow(session, e, b, "City Works", source="public", frequency="weekly", minutes=30, fixes="never")
    add_flow(
        session, e, c, "Munis", target="Public Works", method="email", frequency="monthly", minutes=60, fixes="always",
        note="Only Dave can run the export.",
    )  # fmt: skip
    add_flow(session, e, c, "Munis", source="Cityworks", method="automatic", frequency="daily", minutes=5)
    ranked = B.rank(_graph(session, e))
    got = [(b.source_label, b.target_label, b.method, b.hours, b.score, b.people, b.departments) for b in ranked]
    # public -> Cityworks, re-typed: (50*30/60*1.1 + 50*30/60) = 52.5 h x 2 x (1 + 0.5) = 157.5
    # Munis -> Public Works, email: 12*60/60*1.9 = 22.8 h x 1.5 x 1 x 1.5 (only Dave) = 51.3
    # Cityworks -> Munis, automatic: 250*5/60 = 20.8 h x 0.2 = 4.2
    assert got == [
        ("the public", "Cityworks", "retyped", 52.5, 157.5, 2, 2),
        ("Tyler Munis", "Public Works", "email", 22.8, 51.3, 1, 1),
        ("Cityworks", "Tyler Munis", "automatic", 20.8, 4.2, 1, 1),
    ]
    assert ranked[1].single_point and not ranked[0].single_point
    hubs = B.manual_hubs(_graph(session, e), least=1)
    assert [(h.label, h.manual_edges, h.people) for h in hubs] == [("Cityworks", 1, 2), ("Tyler Munis", 1, 1)]


def test_the_staff_checks_refuse_a_missing_end_and_a_duplicate_and_store_nothing(session):
    e = make_engagement(session)
    p = make_person(session, e)
    with pytest.raises(FlowProblems) as missing:
        save_flow(session, e, p, FlowInput(system="Accela", method="paper"))
    assert "where its data comes from" in missing.value.problems[0]
    session.rollback()
    saved = add_flow(session, e, p, "the permit tracker spreadsheet", source="the public", method="paper")
    assert saved.notes and "new to the catalogue" in saved.notes[0]
    with pytest.raises(FlowProblems) as dup:
        save_flow(session, e, p, FlowInput(system="The permit tracker spreadsheet", source="public", method="paper"))
    assert "already added" in dup.value.problems[0]
    session.rollback()
    assert len(session.exec(select(Flow)).all()) == 1
    assert len(session.exec(select(SystemMention)).all()) == 1


def test_the_exports_read_back_and_the_svg_has_no_style_attribute(session, tmp_path):
    e = make_engagement(session)
    p = make_person(session, e, "Finance")
    add_flow(session, e, p, "Munis", source="Accela", target="Finance", method="export_import", minutes=20)
    g = _graph(session, e)
    path = tmp_path / "map.graphml"
    path.write_bytes(exports.graphml(g))
    back = nx.read_graphml(path)
    assert set(back.nodes) == set(g.nodes)
    assert {(u, v, d["method"], d["people"]) for u, v, d in back.edges(data=True)} == {
        (u, v, d["method"], d["people"]) for u, v, d in g.edges(data=True)
    }
    data = json.loads(exports.graph_json(g))
    assert len(data["edges"]) == 2
    assert exports.edges_csv(g).splitlines()[0].lstrip("\ufeff") == ",".join(exports.EDGE_FIELDS)
    svg = layout.svg(g)
    assert svg.lstrip().startswith(("<?xml", "<svg", "<!DOCTYPE")) and "Tyler Munis" in svg
    assert " style=" not in svg and "<script" not in svg


def test_the_report_section_suppresses_small_counts_and_draws_a_png(session):
    from assistant.report.dataflow_section import build_section
    from tests.factories import set_min_cell

    e = make_engagement(session)
    set_min_cell(session, e, 3)
    assert build_section(session, e) is None
    for _ in range(3):
        add_flow(session, e, make_person(session, e, "Finance"), "Munis", target="Public Works", method="email")
    add_flow(session, e, make_person(session, e, "Parks"), "ParkRes", source="the public", method="paper", minutes=600)
    section = build_section(session, e)
    people = {row[0]: row[3] for row in section.rows}
    assert people["the public \u2192 ParkRes"] == "fewer than 3"  # and the 3 with it: the pool must reach k
    # the 3 are hidden only to protect the 1: the disclosure rule says so ("not shown"), never "fewer than 3"
    assert sorted(people.values()) == ["fewer than 3", "not shown"], people
    assert set(people.values()) == {"fewer than 3", "not shown"}
    assert section.png[:8] == b"\x89PNG\r\n\x1a\n" and not section.department_level


def test_manual_hand_off_people_count_for_the_roadmap_and_leave_with_a_withdrawal(session):
    from assistant.records.evidence import manual_handoff_people
    from assistant.records.withdrawal import erase_participant

    e = make_engagement(session)
    a, b = make_person(session, e, "Parks"), make_person(session, e, "Finance")
    add_flow(session, e, a, "Zebra tracker", source="the public", method="paper", note="my own words")
    add_flow(session, e, b, "Munis", target="Parks", method="automatic")
    assert manual_handoff_people(session, e.id) == 1
    erase_participant(session, a)
    session.commit()
    assert manual_handoff_people(session, e.id) == 0
    assert session.exec(select(Flow).where(Flow.participant_id == a.id)).all() == []
    assert session.exec(select(SystemMention).where(SystemMention.participant_id == a.id)).all() == []
    assert "Zebra tracker" not in {s.name for s in systems_of(session, e.id).values()}


def test_merge_suggestions_rank_by_spelling_and_meaning(embedder):
    names = {"SYS-1": "ParkRes", "SYS-2": "Park Res bookings", "SYS-3": "Tyler Munis", "SYS-4": "the payroll system"}
    found = edits.suggestions(names, {"SYS-3"}, embedder.encode, floor=0.5)
    assert found and {found[0].a, found[0].b} == {"SYS-1", "SYS-2"}
    assert found[0].string > 0.6 and 0 < found[0].embedding <= 1


def test_the_demo_flows_name_the_demo_city(session):
    from importlib import resources

    import yaml

    from assistant.demo.city import DEPARTMENTS
    from assistant.models import FLOW_METHODS

    raw = yaml.safe_load(resources.files("assistant.demo").joinpath("data/flows.yaml").read_text("utf-8"))
    assert len(raw["flows"]) >= 10
    for entry in raw["flows"]:
        assert entry["department"] in DEPARTMENTS and entry["method"] in FLOW_METHODS and entry["spellings"]


def test_the_report_has_the_data_flow_figure_and_table_in_html_pdf_and_docx(session, rubric):
    import io

    from docx import Document
    from pypdf import PdfReader

    from assistant.report.export import export_bytes

    e = make_engagement(session)
    for dept in ("Finance", "Parks"):
        add_flow(session, e, make_person(session, e, dept), "Munis", source="Accela", target="Public Works", minutes=30)
    files = {fmt: export_bytes(session, e, rubric, fmt) for fmt in ("html", "pdf", "docx")}
    session.rollback()
    html = files["html"].decode("utf-8")
    assert 'id="dataflow"' in html and '<svg role="img" aria-label="Data-flow map' in html and "<?xml" not in html
    assert "Tyler Munis" in html
    assert "How data moves" in "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(files["pdf"])).pages)
    doc = Document(io.BytesIO(files["docx"]))
    assert "How data moves" in [p.text for p in doc.paragraphs] and len(doc.inline_shapes) >= 3


def test_systems_in_a_persons_answers_are_proposed_not_stored_until_they_save_one(session):
    from assistant.dataflow.propose import proposals
    from assistant.models import Interview, Turn

    e = make_engagement(session)
    p = make_person(session, e, "Finance")
    interview = Interview(participant_id=p.id, state="in_progress")
    session.add(interview)
    session.flush()
    text = "Every week I re-type the totals from the Munis export into the budget spreadsheet. Then I email it."
    session.add(Turn(interview_id=interview.id, role="staff", kind="answer", text=text))
    session.commit()
    found = proposals(session, p)
    assert [(f.system, f.method) for f in found] == [("Tyler Munis", "retyped"), ("the budget spreadsheet", "retyped")]
    assert session.exec(select(SystemMention)).all() == []
    add_flow(session, e, p, "Munis", target="the budget spreadsheet")
    assert proposals(session, p) == []
