"""The rating's small-group rule is the synthesis breakdown's (one rule for what may be broken out)."""

from assistant.rating import aggregate
from assistant.synthesis import breakdown


def test_departments_are_broken_out_under_the_same_small_group_rule_as_themes():
    assert aggregate.MIN_CELL == breakdown.MIN_CELL


def _votes(department: str, people: int, level: int, role: str = "frontline") -> list[aggregate.Vote]:
    from assistant.rating.schema import EvidenceItem

    return [
        aggregate.Vote(
            EvidenceItem(
                id=f"{department}-{n}",
                participant=f"{department}-{n}",
                department=department,
                role_level=role,
                text=f"{department} account {n} at level {level}.",
            ),
            f"{department} account {n} at level {level}.",
            level,
            False,
            0.5,
        )
        for n in range(people)
    ]


def test_departments_five_people_strong_and_two_levels_apart_are_shown_as_a_disagreement():
    split = aggregate.indicator_level(_votes("Parks", 5, 1) + _votes("Finance", 5, 4)).split
    assert split is not None and split.kind == "department"
    assert [(s.label, s.level, s.participants) for s in split.sides] == [("Parks", 1, 5), ("Finance", 4, 5)]
    assert "the level at least half of all 10 people's accounts reach" in split.why
    assert all(len(s.citations) == 2 for s in split.sides)


def test_a_department_under_five_people_is_never_broken_out():
    assert aggregate.indicator_level(_votes("Parks", 4, 1) + _votes("Finance", 5, 4)).split is None
