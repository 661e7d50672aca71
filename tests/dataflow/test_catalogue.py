"""The catalogue's grouping of system mentions (``assistant.dataflow.catalogue``) and ``dm3 catalogue``:
variants of one product are one system with a canonical id, products of one vendor stay apart, a
description joins the one system of its kind, a file is never the application it shadows, and a
consultant's decision always wins."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from assistant.cli import app
from assistant.dataflow.catalogue import Mention, group, read_mentions


def _grouped(texts: list[str], pinned: dict[str, str] | None = None) -> list[list[str]]:
    mentions = [Mention(f"m{n}", t) for n, t in enumerate(texts)]
    by_id = {m.id: m.text for m in mentions}
    return [[by_id[i] for i in s.mentions] for s in group(mentions, pinned)]


def test_spellings_modules_and_exports_of_one_product_are_one_system():
    texts = ["Tyler Munis", "munis", "MUNIS GL", "the Munis export", "muni's", "Munis's reports", "munis AP"]
    assert _grouped(texts) == [texts]


def test_misspellings_and_spaces_are_the_product_but_a_shared_word_is_not():
    assert _grouped(["Accela", "accella", "acela", "the Accela"]) == [["Accela", "accella", "acela", "the Accela"]]
    assert _grouped(["see click fix", "SeeClickFix", "SCF"]) == [["see click fix", "SeeClickFix", "SCF"]]
    # "forms" is one letter from "gforms", but paper forms are not Google Forms
    assert _grouped(["paper forms", "Google Forms"]) == [["paper forms"], ["Google Forms"]]


@pytest.mark.parametrize(
    "a, b",
    [
        ("Tyler Munis", "Tyler EnerGov"),  # one vendor, two products
        ("ArcGIS Online", "ArcGIS Enterprise"),  # the longer alias wins
        ("Granicus GovDelivery", "Granicus Legistar"),
        ("SharePoint", "the shared drive"),
        ("Workday", "PeopleSoft"),
        ("the old HR system", "the HR system"),  # two descriptions of one kind may be two systems
    ],
)
def test_different_systems_stay_apart(a, b):
    assert _grouped([a, b]) == [[a], [b]]


def test_a_description_joins_the_one_system_of_its_kind_named_in_the_list():
    assert _grouped(["Cityworks", "the work order system", "the CMMS"]) == [
        ["Cityworks", "the work order system", "the CMMS"]
    ]
    # two permit products named: "the permit system" could be either, so it stays apart
    grouped = _grouped(["Accela", "EnerGov", "the permit system"])
    assert grouped == [["Accela"], ["EnerGov"], ["the permit system"]]


def test_acronyms_vendors_and_a_kinds_main_system_resolve_names_no_alias_lists():
    # the acronym of a long product name or description is that name ("enterprise permitting and licensing")
    assert _grouped(["EnerGov", "EPL"]) == [["EnerGov", "EPL"]]
    # a vendor with what its product does is that product, when the vendor makes one such product
    assert _grouped(["PeopleSoft", "Oracle HR", "Oracle financials"]) == [
        ["PeopleSoft", "Oracle HR"],
        ["Oracle financials"],
    ]
    # "open source" is no vendor: "the open data portal" is a description, not CKAN
    assert _grouped(["Socrata", "the open data portal"]) == [["Socrata", "the open data portal"]]
    # two systems of the kind, but it is only Laserfiche's main one
    texts = ["Laserfiche", "SharePoint", "the document imaging system"]
    assert _grouped(texts) == [["Laserfiche", "the document imaging system"], ["SharePoint"]]
    # an unknown name and its acronym are one system; a different acronym is not
    texts = ["the Parcel Viewer Tool", "PVT", "the PV"]
    assert _grouped(texts) == [["the Parcel Viewer Tool", "PVT"], ["the PV"]]


def test_a_file_is_its_own_system_named_by_its_subject_never_the_application():
    texts = ["Permit_Tracker_2024.xlsx", "the permits tracker", "the Excel permit tracker", "Accela", "budget workbook"]
    assert _grouped(texts) == [texts[:3], ["Accela"], ["budget workbook"]]


def test_a_consultants_decision_wins_and_ids_are_canonical_not_names():
    mentions = [Mention("a", "Munis"), Mention("b", "munis GL"), Mention("c", "the finance thing")]
    machine = group(mentions)
    assert [s.mentions for s in machine] == [["a", "b"], ["c"]]
    assert [s.id for s in machine] == ["S-1", "S-2"] and machine[0].name == "Tyler Munis"
    pinned = group(mentions, pinned={"b": "SYS-finance", "c": "SYS-finance"})
    assert [(s.id, s.mentions) for s in pinned] == [("S-1", ["a"]), ("SYS-finance", ["b", "c"])]


def test_dm3_catalogue_reads_mentions_and_writes_systems(tmp_path):
    src = tmp_path / "mentions.json"
    src.write_text(json.dumps([{"id": "1", "text": "accela permits"}, {"id": "2", "text": "Accela"}]))
    out = tmp_path / "catalogue.json"
    result = CliRunner().invoke(app, ["catalogue", str(src), "--out", str(out)])
    assert result.exit_code == 0, result.output
    systems = json.loads(out.read_text())["systems"]
    assert [(s["name"], s["mentions"]) for s in systems] == [("Accela", ["1", "2"])]


@pytest.mark.parametrize(
    "raw, message",
    [
        (b"{", "not JSON"),
        (b'{"id": 1}', "expected a list"),
        (b'[{"id": "1", "text": ""}]', 'entry 1: needs a non-empty "id" and "text"'),
        (b'[{"id": "1", "text": "a"}, {"id": "1", "text": "b"}]', "entry 2: id '1' appears twice"),
    ],
)
def test_a_broken_mentions_file_gets_a_clear_error(raw, message, tmp_path):
    with pytest.raises(ValueError, match=message):
        read_mentions(raw)
    src = tmp_path / "bad.json"
    src.write_bytes(raw)
    result = CliRunner().invoke(app, ["catalogue", str(src), "--out", str(tmp_path / "out.json")])
    assert result.exit_code == 2 and message.split(":")[0] in result.output
