"""The equity audit under the engagement's small-group threshold: departments of 5 and 6 people are
shown at k = 5 and, at k = 7 (a lead's setting), never named: pooled as "other departments" in every
participation figure of the audit."""

from __future__ import annotations

from assistant.equity.audit import audit_csv, build_audit
from tests.factories import make_engagement, seed_groups, set_min_cell


def _departments(audit: dict) -> dict[str, tuple]:
    return {
        r["group"]: (r["invited"], r["started"], r["submitted"], r["suppressed"])
        for r in audit["participation"]
        if r["grouping"] == "department" and r["group"] in ("Finance", "Parks", "other departments")
    }


def test_equity_audit_hides_groups_of_5_and_6_when_the_lead_set_k_to_7(session, rubric):
    engagement = make_engagement(session)
    seed_groups(session, engagement, {"Finance": 5, "Parks": 6})
    audit = build_audit(session, engagement, rubric)
    assert audit["settings"]["min_cell"] == 5
    assert _departments(audit) == {"Finance": (5, 0, 5, False), "Parks": (6, 0, 6, False)}

    set_min_cell(session, engagement, 7)
    audit = build_audit(session, engagement, rubric)
    assert audit["settings"]["min_cell"] == 7
    assert _departments(audit) == {"other departments": (11, 0, 11, False)}  # groups under 7 are never named
    rows = [
        line.split(",")
        for line in audit_csv(audit).splitlines()
        if ",department,Finance," in line or ",department,Parks," in line
    ]
    assert not rows
    assert "Finance" not in audit_csv(audit) and "Parks" not in audit_csv(audit)
