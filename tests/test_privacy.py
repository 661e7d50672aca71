"""Redaction before text leaves for an external LLM: what goes, and what must stay untouched."""

from __future__ import annotations

import pytest

from assistant.privacy import NAME, Scrubber, names_from_email, redact, scrubber


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
    # the roster's own rules, without the named-entity model and the gazetteer (which would take Anne too)
    names = ["Maria Lopez", "Dev Patel", "Ann"]
    text = "maria said Dev Patel and ANN disagree; Lopez agreed. Annex B, Anne and Devon stay."
    assert Scrubber(names, ner=False, placeholder=NAME).redact(text) == (
        "[name] said [name] and [name] disagree; [name] agreed. Annex B, Anne and Devon stay."
    )


def test_full_name_becomes_one_placeholder_and_possessive_is_caught() -> None:
    assert (
        Scrubber(["Maria Lopez"], ner=False, placeholder=NAME).redact("Ask Maria Lopez or Maria's team")
        == "Ask [name] or [name]'s team"
    )


def test_names_that_are_ordinary_words_only_when_capitalised() -> None:
    names = ["Will Turner", "May", "Grace Kim"]
    text = "Will thinks we will need it; May said we may wait. Grace asked for grace time."
    assert Scrubber(names, ner=False, placeholder=NAME).redact(text) == (
        "[name] thinks we will need it; [name] said we may wait. [name] asked for grace time."
    )


def test_names_with_accents_hyphens_and_apostrophes() -> None:
    names = ["José Núñez", "Anne-Marie O'Brien"]
    text = "José and anne-marie o'brien met JOSÉ NÚÑEZ; Brien is not Anne."
    out = Scrubber(names, ner=False, placeholder=NAME).redact(text)
    assert out == "[name] and [name] met [name]; Brien is not Anne."


def test_everything_together_and_empty_inputs() -> None:
    text = "Tom (tom@x.org, 555-123-4567) owns 3 systems since 2018."
    assert (
        Scrubber(["Tom"], ner=False, placeholder=NAME).redact(text)
        == "[name] ([email], [phone]) owns 3 systems since 2018."
    )
    assert redact("", ["Tom"]) == ""
    assert redact("no names here", []) == "no names here"
    assert redact("a", ["", "  ", "J."]) == "a"


@pytest.mark.parametrize(
    "text, expected",
    [
        ("I live at 1200 Main Street.", "I live at [address]."),
        ("Send it to 45 W. Elm Ave, Apt 3 please", "Send it to [address] please"),
        ("Our office is at 100 N 5th Ave. Come by.", "Our office is at [address] Come by."),
        ("Drop it at 12 Oak St #4 or PO Box 123.", "Drop it at [address] or [address]."),
        ("Meet at 1200 Main Street, Suite 200, Springfield", "Meet at [address], Springfield"),
        ("She moved to 7 Martin Luther King Jr Blvd last year", "She moved to [address] last year"),
    ],
)
def test_street_addresses_are_redacted(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "3 departments share one spreadsheet.",
        "We reached Level 4 in 2 departments and Level 3 elsewhere.",
        "3 people on the road crew and 4 new street lights.",
        "In 2019 Public Works moved the server.",
        "Main Street gets 200 requests a month.",
        "We have 5 Main Streets in the county.",
    ],
)
def test_counts_levels_and_street_names_alone_are_not_addresses(text: str) -> None:
    assert redact(text) == text


def test_a_redactor_binds_its_names_once_and_redacts_like_redact() -> None:
    redactor = Scrubber(["Maria Lopez", "Will"], placeholder=NAME)
    text = "Maria Lopez (maria@x.org) at 1200 Main Street said we will ask Will."
    assert redactor.redact(text) == redact(text, ["Maria Lopez", "Will"])
    assert redactor.redact(text) == "[name] ([email]) at [address] said we will ask [name]."
    # outside a staff-data block the named-entity model does not read (the prompt's own words) ...
    assert Scrubber(placeholder=NAME).redact("Maria at 555-123-4567") == "Maria at [phone]"
    # ... inside one it does: a name nobody listed does not leave for the LLM
    block = "Rate this.\n<answer>\nAsk Priya Shah about the permit log.\n</answer>"
    expected = "Rate this.\n<answer>\nAsk [name] about the permit log.\n</answer>"
    assert Scrubber(placeholder=NAME).redact(block) == expected


@pytest.mark.parametrize(
    "email, expected",
    [
        ("maria.lopez@city.gov", ["Maria", "Lopez"]),
        ("dev_patel+it@county.org", ["Dev", "Patel"]),
        ("anne-marie.obrien@x.org", ["Anne", "Marie", "Obrien"]),
        ("j.smith@x.org", ["Smith"]),
        ("jsmith@x.org", []),  # one word: a login or a mailbox, not plausibly a name
        ("info@x.org", []),
        ("public.works@x.org", []),
        ("data.team@x.org", []),
        ("finance.dept@x.org", []),
        ("bob.smith2@x.org", []),
        ("", []),
        (None, []),
    ],
)
def test_names_from_email_local_parts_where_plausible(email: str | None, expected: list[str]) -> None:
    assert names_from_email(email) == expected


def test_names_from_email_skip_the_engagements_own_words() -> None:
    assert names_from_email("fleet.ops@x.org") == []
    assert names_from_email("harbor.master@x.org", exclude=["Harbor Authority"]) == []
    assert names_from_email("harbor.master@x.org") == ["Harbor", "Master"]


def test_code_the_model_reads_as_a_person_is_left_as_written() -> None:
    # en_core_web_sm tags "alert('xss-9" as PERSON here; no name has digits, brackets or quotes in it
    text = "A committee for tree never met. <a href=\"javascript:alert('xss-9')\" data-xss>click me</a>"
    assert Scrubber().scrub(text) == text
    assert Scrubber().scrub("Only Dave knows.") == "Only [colleague] knows."


def test_text_for_an_llm_loses_a_colleague_nobody_listed():
    # the named-entity model and the first-name gazetteer run on LLM text too, not only the roster
    assert redact("only Dave can run the export") == "only [name] can run the export"
    assert redact("ask maria, she has it", ["Tom Lee"]) == "ask [name], she has it"
    assert redact("Will's report is late; Tom knows.", ["Tom Lee"]) == "[name]'s report is late; [name] knows."


def test_one_scrubber_per_list_of_names_built_once():
    names = ["Maria Lopez", "Dev Patel"]
    assert scrubber(names) is scrubber(list(reversed(names)))  # cached, whatever the order
    assert scrubber(names) is not scrubber(names, NAME)
    assert scrubber(names, NAME).scrub("Maria said so") == "[name] said so"
