"""Small-cell suppression: no figure about fewer than k people can be read, or worked out by
subtracting the other figures of the same table from its total (the pairs and the pools)."""

from __future__ import annotations

from collections import Counter

from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from assistant.equity.audit import build_audit
from assistant.records.engagements.settings import parse_settings
from assistant.suppression import OTHER_DEPARTMENTS, OTHER_ROLES, attributor, suppress, suppress_rows
from tests.equity.seed import seed_known
from tests.factories import make_consultant


def small(v: int, k: int) -> bool:
    return 0 < v < k


def test_one_small_cell_hides_a_second_so_subtraction_reveals_nothing():
    shown = suppress({"Finance": 6, "Parks": 1, "Police": 7}, k=5)
    # the second is hidden only to protect the first: it reads "not shown", not "fewer than 5"
    assert shown == {"Finance": "not shown", "Parks": "fewer than 5", "Police": 7}
    # two small cells that add up to under 5 still give their sum away: a third is hidden
    shown = suppress({"A": 1, "B": 2, "C": 6, "D": 9}, k=5)
    assert shown["A"] == shown["B"] == "fewer than 5" and shown["C"] == "not shown" and shown["D"] == 9
    assert suppress({"A": 9, "B": 0}, k=5) == {"A": 9}  # zero groups are left out, nothing hidden


def test_threshold_is_configurable_but_never_below_three():
    def min_cell(equity: dict) -> int:
        return parse_settings({"equity": equity}).equity.min_cell

    assert min_cell({}) == 5 and min_cell({"min_cell": 8}) == 8 and min_cell({"min_cell": 1}) == 3
    assert min_cell({"min_cell": "x"}) == 5
    assert suppress({"A": 4, "B": 7, "C": 9}, k=3) == {"A": 4, "B": 7, "C": 9}


# cell values: zeros, the small ones a threshold hides, and a few large ones
CELL = st.sampled_from([0, 1, 2, 3, 4, 5, 6, 9, 20])
COLUMNS = ["roster", "invited", "submitted"]


@hypothesis_settings(max_examples=300, derandomize=True, deadline=None, database=None)
@given(
    k=st.sampled_from([3, 5, 7]),
    cells=st.lists(st.fixed_dictionaries({c: CELL for c in COLUMNS}), min_size=1, max_size=7),
)
def test_random_tables_no_hidden_cell_or_pool_is_derivable(k, cells):
    rows = {f"g{i}": r for i, r in enumerate(cells)}
    columns = COLUMNS
    result = suppress_rows(rows, k=k)
    for g, r in rows.items():
        if g not in result.hidden:
            assert not any(small(v, k) for v in r.values()), (g, r)  # what is shown is 0 or at least k
    for c in columns:
        total = sum(r[c] for r in rows.values())
        pooled = total - sum(rows[g][c] for g in rows if g not in result.hidden)
        # the pair (total, shown cells) gives the hidden pool: it is 0 or at least k, unless the total is hidden too
        assert not small(pooled, k) or result.totals_hidden, (rows, result)
        if result.totals_hidden:
            assert any(small(sum(r[c2] for r in rows.values()), k) for c2 in columns)


DEPARTMENTS, ROLES = ["Works", "Finance", "Parks", "Police"], ["frontline", "manager", "executive"]


@hypothesis_settings(max_examples=200, derandomize=True, deadline=None, database=None)
@given(
    k=st.sampled_from([3, 5]),
    people=st.lists(st.tuples(st.sampled_from(DEPARTMENTS), st.sampled_from(ROLES)), max_size=40),
)
def test_random_populations_every_attribution_label_stands_for_at_least_k_people(k, people):
    rule = attributor(people, k=k)
    labels = Counter(rule(d, r) for d, r in people)
    for (d, r), n in labels.items():
        # a label names a group only when at least k people share it; the catch-all may be smaller
        if (d, r) != (OTHER_DEPARTMENTS, OTHER_ROLES):
            assert n >= k, (d, r, n, labels)
        if d != OTHER_DEPARTMENTS and r != OTHER_ROLES:
            assert Counter(people)[(d, r)] >= k


def test_the_audit_reveals_no_group_under_the_threshold_even_by_subtraction(session, rubric):
    known = seed_known(session, make_consultant(session, "lead@example.org"))
    audit = build_audit(session, known.engagement, rubric)
    k = audit["settings"]["min_cell"]
    by_grouping: dict[str, list[dict]] = {}
    for r in audit["participation"]:
        by_grouping.setdefault(r["grouping"], []).append(r)
    for grouping, table in by_grouping.items():
        total = next(r for r in table if r["group"] == "total")
        groups = [r for r in table if r["group"] != "total"]
        for column in ("roster", "invited", "started", "submitted"):
            shown = [r[column] for r in groups if r[column] is not None]
            assert not any(small(v, k) for v in shown), (grouping, column, shown)
            if total[column] is not None:
                assert not small(total[column] - sum(shown), k), (grouping, column)
    for theme in audit["themes"]:
        for grouping in ("department", "role_level"):
            rows = [g for g in theme["groups"] if g["grouping"] == grouping]
            shown = [g["people"] for g in rows if not g["suppressed"]]
            assert not any(small(v, k) for v in shown)
            assert not small(theme["people"] - sum(shown), k), theme
    for rating in audit["ratings"]:
        for key, people in (
            ("proposal_groups", rating["proposal_people"]),
            ("decided_groups", rating["decided_people"]),
        ):
            for grouping in ("department", "role_level"):
                shown = [g["people"] for g in rating[key] if g["grouping"] == grouping and not g["suppressed"]]
                assert not any(small(v, k) for v in shown)
                if people:
                    assert not small(people - sum(shown), k)
