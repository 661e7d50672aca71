"""Redaction before text leaves for an external LLM: what goes, and what must stay untouched."""

from __future__ import annotations

import pytest

from assistant.privacy import redact


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Email me at maria.lopez@county.gov please", "Email me at [email] please"),
        ("j_smith+data@sub.example.co.uk.", "[email]."),
        ("Contacts: a@b.io, first.last@city-hall.org", "Contacts: [email], [email]"),
        ("<ops@town.us>", "<[email]>"),
    ],
)
def test_emails_are_redacted(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize(
    "phone",
    [
        "(555) 123-4567",
        "555-123-4567",
        "555.123.4567",
        "555 123 4567",
        "1-800-555-1234",
        "+1 555 123 4567",
        "+1 (555) 123-4567",
        "5551234567",
        "020 7946 0958",
        "(020) 7946 0958",
        "+44 20 7946 0958",
        "+44 (0) 20 7946 0958",
        "07700 900123",
        "07700900123",
        "0161-496-0000",
        "01632 960001",
        "+33 1 23 45 67 89",
        "+49 30 1234567",
        "+91 98765 43210",
        "0044 20 7946 0958",
    ],
)
def test_phone_formats_are_redacted(phone: str) -> None:
    assert redact(f"Call {phone} after lunch.") == "Call [phone] after lunch."


@pytest.mark.parametrize(
    "text",
    [
        "We moved to the new system in 2019.",
        "Between 2019 and 2021 nothing changed; 2019-2021 was slow.",
        "3 departments share one spreadsheet.",
        "About 45% of records are duplicates, maybe 12.5%.",
        "The batch runs at 10:30 and again at 23:45.",
        "Meeting on 2021-03-15 and 12/05/2021.",
        "Budget was $1,250,000 last year and £300,000 before.",
        "We keep 100-1000 records per day, sometimes 1500-2500.",
        "Version 3.2.1 of the tool, server 192.168.100.200.",
        "Ticket #48213 and case 2023-00417 are open.",
        "We have 12 staff, 4 analysts and 1 GIS specialist.",
        "Population 1234567 in the census table.",
        "Values like 0.5 or 1e6 and ratios 3:1.",
        "The 311 line got 12000 calls in Q3 2022.",
    ],
)
def test_ordinary_numbers_are_left_alone(text: str) -> None:
    assert redact(text) == text


def test_roster_names_whole_word_case_insensitive() -> None:
    names = ["Maria Lopez", "Dev Patel", "Ann"]
    text = "maria said Dev Patel and ANN disagree; Lopez agreed. Annex B, Anne and Devon stay."
    assert redact(text, names) == (
        "[name] said [name] and [name] disagree; [name] agreed. Annex B, Anne and Devon stay."
    )


def test_full_name_becomes_one_placeholder_and_possessive_is_caught() -> None:
    assert redact("Ask Maria Lopez or Maria's team", ["Maria Lopez"]) == "Ask [name] or [name]'s team"


def test_names_that_are_ordinary_words_only_when_capitalised() -> None:
    names = ["Will Turner", "May", "Grace Kim"]
    text = "Will thinks we will need it; May said we may wait. Grace asked for grace time."
    assert redact(text, names) == (
        "[name] thinks we will need it; [name] said we may wait. [name] asked for grace time."
    )


def test_names_with_accents_hyphens_and_apostrophes() -> None:
    names = ["José Núñez", "Anne-Marie O'Brien"]
    text = "José and anne-marie o'brien met JOSÉ NÚÑEZ; Brien is not Anne."
    out = redact(text, names)
    assert out == "[name] and [name] met [name]; Brien is not Anne."


def test_everything_together_and_empty_inputs() -> None:
    text = "Tom (tom@x.org, 555-123-4567) owns 3 systems since 2018."
    assert redact(text, ["Tom"]) == "[name] ([email], [phone]) owns 3 systems since 2018."
    assert redact("", ["Tom"]) == ""
    assert redact("no names here", []) == "no names here"
    assert redact("a", ["", "  ", "J."]) == "a"
