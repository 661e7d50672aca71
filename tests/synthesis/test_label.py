"""LLM theme labels: the check that keeps a summary tied to the theme's own segments."""

from __future__ import annotations

from assistant.synthesis.label import ThemeLabel, validator


def test_cited_ids_must_be_members_of_the_theme():
    check = validator({3, 5, 8})
    assert check(ThemeLabel(label="Spreadsheets by email", summary="Staff email spreadsheets.", cited_ids=[3, 5])) == []
    errors = check(ThemeLabel(label="Spreadsheets by email", summary="Staff email spreadsheets.", cited_ids=[3, 99]))
    assert errors and "99" in errors[0]
    assert check(ThemeLabel(label="Spreadsheets", summary="Staff email spreadsheets.", cited_ids=[]))
    assert check(
        ThemeLabel(label="a very long label that goes on and on for many words", summary="Staff email.", cited_ids=[3])
    )
    # a keyword list, a placeholder or a number fragment is sent back like a long label
    for label in ("Fix, know, automatically", "[colleague]", "About 40 people"):
        assert check(ThemeLabel(label=label, summary="Staff email spreadsheets.", cited_ids=[3]))
