"""The audit log's readable diff and formula-safe CSV cells (the pieces the page, the CSV and
`dm3 audit` share)."""

from __future__ import annotations

import pytest

from assistant.records.auditlog import diff
from assistant.security import audit, csv_cell


def test_diff_lists_changed_added_and_removed_fields_and_leaves_out_equal_ones():
    before = {"state": "in_progress", "level": 3, "target_levels": {}, "same": "x"}
    after = {"state": "submitted", "target_levels": {"equity_lens": 4}, "same": "x", "accepted": True}
    assert [c.text() for c in diff(before, after)] == [
        "state: in_progress → submitted",
        "level: 3 → (removed)",
        "target_levels.equity_lens: 4",
        "accepted: yes",
    ]
    assert [c.kind for c in diff(before, after)] == ["changed", "removed", "added", "added"]
    assert diff({"departments": ["A", "B"]}, {"departments": ["A", "B"]}) == []
    assert [c.text() for c in diff({}, {"departments": ["A", "B"], "note": None, "empty": []})] == [
        "departments: A, B",
        "note: none",
        "empty: (empty)",
    ]


def test_an_audit_keyword_the_record_does_not_have_is_refused(session):
    with pytest.raises(TypeError, match="engagment_id"):
        audit(session, "theme.rename", actor="cli", engagment_id=3)
    assert not session.new  # nothing was added


def test_cells_a_spreadsheet_would_run_get_a_leading_quote():
    for formula in ("=1+2", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1"):
        assert csv_cell(formula) == "'" + formula
    for text in ("consultant a@city.gov", "1-2", "", '{"a": 1}'):
        assert csv_cell(text) == text
