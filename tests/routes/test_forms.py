"""Every form goes through a pydantic form model with one whole-number type: no route reads the form
by hand, every POST that takes fields declares them (so the schema fuzzer reaches them), and a number
that is not plain digits in bounds ("²", "1e309", "٣", " 1", "+1", "0x10", "1.0", "", a huge one) is
refused with a 422 that names the field, and nothing stored changes.
"""

from __future__ import annotations

import re
from pathlib import Path

from sqlmodel import Session, select

from assistant.models import Decision, Engagement, RatingProposal, RoadmapItem, User
from tests.factories import decide_levels, make_engagement

ASSISTANT = Path(__file__).resolve().parents[2] / "assistant"
NOT_NUMBERS = ["²", "1e309", "٣", " 1", "+1", "0x10", "1.0", "-1", "99999999999999999999"]

# the posts that carry nothing but the form token: buttons that start or undo one thing
BUTTONS = {
    "/logout",
    "/engagements/{engagement_id}/participants/check",
    "/engagements/{engagement_id}/participants/{label}/accept",
    "/engagements/{engagement_id}/team/members/{user_id}/remove",
    "/engagements/{engagement_id}/equity/findings/{finding_id}/withdraw",
    "/i/{token}/withdraw",
    "/engagements/{engagement_id}/themes/run",
    "/engagements/{engagement_id}/themes/t/{theme_id}/split",
    "/engagements/{engagement_id}/review/rate",
    "/engagements/{engagement_id}/roadmap/generate",
    "/engagements/{engagement_id}/roadmap/items/{item_id}/restore",
    "/engagements/{engagement_id}/dataflow/run",
    "/i/{token}/flows/{flow_id}/delete",
    "/engagements/{engagement_id}/compare/{other_id}/noise",
}


def test_no_route_reads_the_form_by_hand():
    """Only the shell's form-token check (a dependency of every post) reads the form itself."""
    found = []
    for path in sorted(ASSISTANT.rglob("*.py")):
        for n, line in enumerate(path.read_text().splitlines(), 1):
            if ".form()" in line:
                found.append(f"{path.relative_to(ASSISTANT)}:{n}: {line.strip()}")
    assert len(found) == 1 and found[0].startswith("web/shell.py:"), found
    shell = (ASSISTANT / "web" / "shell.py").read_text()
    check = shell[shell.index("async def csrf_protect") : shell.index("CSRFDep = ")]
    assert ".form()" in check


def test_numbers_in_forms_are_parsed_by_the_one_type():
    """No ``isdigit`` or ``int(`` on posted text in the routes and form modules."""
    found = []
    web = ASSISTANT / "web"
    for path in [*sorted((web / "routes").glob("*.py")), web / "forms.py", web / "shell.py"]:
        for n, line in enumerate(path.read_text().splitlines(), 1):
            if re.search(r"\.isdigit\(|\bint\(", line):
                found.append(f"{path.name}:{n}: {line.strip()}")
    assert not found, found


def test_every_post_with_fields_declares_its_body(app):
    """The schema fuzzer generates bodies from the OpenAPI description: a post whose form was read by
    hand had none. Now each post declares its body, but the buttons that send only the form token."""
    spec = app.openapi()
    bodiless = {path for path, ops in spec["paths"].items() if "post" in ops and "requestBody" not in ops["post"]}
    assert bodiless == BUTTONS
    schemas = spec["components"]["schemas"]

    def form_schema(path: str) -> dict:
        ref = spec["paths"][path]["post"]["requestBody"]["content"]["application/x-www-form-urlencoded"]["schema"]
        return schemas[ref["$ref"].rsplit("/", 1)[-1]]

    # fields named by the data are declared by pattern, with their number bounds
    assert form_schema("/engagements/{engagement_id}/roadmap/targets")["patternProperties"]["^target-"]["type"] == (
        "integer"
    )
    assert "horizon" in form_schema("/engagements/{engagement_id}/roadmap/targets")["properties"]
    assert form_schema("/engagements/{engagement_id}/roster")["patternProperties"]["^roster-"]["maximum"] == 1_000_000
    assert "^attr-" in form_schema("/i/{token}/consent")["patternProperties"]
    min_cell = form_schema("/engagements/{engagement_id}/team/equity-settings")["properties"]["min_cell"]
    assert min_cell["anyOf"][0] == {"type": "integer", "minimum": 3, "maximum": 100}


def _targets(engine, engagement_id: int) -> tuple[dict, object]:
    with Session(engine) as s:
        settings = s.get(Engagement, engagement_id).settings
        return dict(settings.get("target_levels", {})), settings.get("roadmap_horizon_months")


def test_roadmap_targets_and_horizon_refuse_what_is_not_a_number(consultant_client, session, engine, subtests):
    c = consultant_client
    engagement = make_engagement(session)
    decide_levels(session, engagement, {"data_life_cycle": 2}, session.exec(select(User)).first())
    url = f"/engagements/{engagement.id}/roadmap/targets"
    r = c.post(url, data={"csrf_token": c.csrf, "target-data_life_cycle": "3", "horizon": "24"}, follow_redirects=False)
    assert r.status_code == 303
    before = _targets(engine, engagement.id)
    assert before == ({"data_life_cycle": 3}, 24)

    for raw in NOT_NUMBERS:
        with subtests.test(raw=raw):
            r = c.post(url, data={"csrf_token": c.csrf, "target-data_life_cycle": raw, "horizon": "36"})
            assert r.status_code == 422 and "target-data_life_cycle: must be a level from 1 to 5" in r.text
            r = c.post(url, data={"csrf_token": c.csrf, "target-data_life_cycle": "4", "horizon": raw})
            assert r.status_code == 422 and "horizon: choose one of the horizons offered" in r.text
            assert "Something went wrong" not in r.text
            assert _targets(engine, engagement.id) == before


def test_equity_threshold_refuses_what_is_not_a_number_and_keeps_what_was_typed(
    consultant_client, session, engine, subtests
):
    c = consultant_client
    engagement = make_engagement(session)
    with Session(engine) as s:
        before = dict(s.get(Engagement, engagement.id).settings)
    for raw in NOT_NUMBERS + [""]:
        with subtests.test(raw=raw):
            typed = {"min_cell": raw, "flag_ratio": "0.7", "question": "Years here?", "options": "Under 5\n5 or more"}
            r = c.post(f"/engagements/{engagement.id}/team/equity-settings", data={**typed, "csrf_token": c.csrf})
            assert r.status_code == 422
            assert "The smallest group shown must be a whole number from 3 to 100" in r.text
            assert 'value="Years here?"' in r.text and 'value="0.7"' in r.text  # nothing typed is lost
            with Session(engine) as s:
                assert s.get(Engagement, engagement.id).settings == before


def test_a_move_to_a_phase_that_is_not_a_number_is_refused(consultant_client, session, engine, subtests):
    c = consultant_client
    engagement = make_engagement(session)
    decide_levels(session, engagement, {"data_life_cycle": 1}, session.exec(select(User)).first())
    base = f"/engagements/{engagement.id}/roadmap"
    assert c.post(f"{base}/generate", data={"csrf_token": c.csrf}, follow_redirects=False).status_code == 303
    with Session(engine) as s:
        item = s.exec(select(RoadmapItem).where(RoadmapItem.engagement_id == engagement.id)).first()
        item_id, phase = item.id, item.phase
    for raw in NOT_NUMBERS + [""]:
        with subtests.test(raw=raw):
            r = c.post(f"{base}/items/{item_id}/move", data={"csrf_token": c.csrf, "phase": raw})
            said = "phase: is missing" if raw == "" else "phase: choose one of the roadmap"
            assert r.status_code == 422 and said in r.text
            with Session(engine) as s:
                item = s.get(RoadmapItem, item_id)
                assert (item.phase, item.pinned) == (phase, False)


def test_a_decision_with_a_level_that_is_not_a_number_is_refused(consultant_client, session, engine, subtests):
    c = consultant_client
    engagement = make_engagement(session)
    proposal = RatingProposal(
        engagement_id=engagement.id, component="data_life_cycle", status="proposed", level=2, rationale="Offline."
    )
    session.add(proposal)
    session.commit()
    for raw in NOT_NUMBERS:
        with subtests.test(raw=raw):
            r = c.post(
                f"/engagements/{engagement.id}/review/data_life_cycle/decide",
                data={
                    "csrf_token": c.csrf,
                    "proposal_id": proposal.id,
                    "action": "change",
                    "level": raw,
                    "rationale": "x",
                },
            )
            assert r.status_code == 422 and "level: must be a level from 1 to 5" in r.text
            with Session(engine) as s:
                assert s.exec(select(Decision)).all() == []
                assert s.get(RatingProposal, proposal.id).status == "proposed"
