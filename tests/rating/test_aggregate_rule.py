"""The rating's small-group rule: a department is broken out only with at least the engagement's k
people (k handed in, never a constant of the stage)."""

from assistant.rating import aggregate


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
    split = aggregate.indicator_level(_votes("Parks", 5, 1) + _votes("Finance", 5, 4), k=5).split
    assert split is not None and split.kind == "department"
    assert [(s.label, s.level, s.participants) for s in split.sides] == [("Parks", 1, 5), ("Finance", 4, 5)]
    assert "the level at least half of all 10 people's accounts reach" in split.why
    assert all(len(s.citations) == 2 for s in split.sides)


def test_a_department_under_five_people_is_never_broken_out():
    assert aggregate.indicator_level(_votes("Parks", 4, 1) + _votes("Finance", 5, 4), k=5).split is None


def test_departments_of_six_are_split_at_k_5_and_never_broken_out_at_k_7():
    votes = _votes("Parks", 6, 1) + _votes("Finance", 6, 4)
    split = aggregate.indicator_level(votes, k=5).split
    assert split is not None and [(s.label, s.participants) for s in split.sides] == [("Parks", 6), ("Finance", 6)]
    assert aggregate.indicator_level(votes, k=7).split is None  # a lead set the threshold to 7
    bigger = _votes("Parks", 7, 1) + _votes("Finance", 7, 4)
    assert aggregate.indicator_level(bigger, k=7).split is not None
