"""People's names the named-entity model misses, and what it takes for a name that is not one.

The rule: a colleague nobody listed ("only Dave can run the export", "ask maria", "Olumide's macro") must
still be found, so the model's PERSON entities are joined by names found from two kinds of evidence:

- a **first-name gazetteer**: every given name in Faker's person providers (MIT licence, about 21,000
  names in Latin script from some 80 locales: English, Spanish, Hindi, Yoruba, Vietnamese, Polish, ...),
  read once per process. A capitalised given name counts unless it is part of a longer proper noun that
  is not a person ("Lincoln Park", "Tyler Munis", "Chase Bank") or follows "the"; a lower-case one
  ("kevin", "ask teresa or luis") counts when it is not an English word and the tagger reads it as a noun;
- **context**: a title before a capitalised word ("Councilmember Reyes", "Sgt. Morales"), a possessive
  ("Siobhan's spreadsheet"), initials that act ("DJ runs the export"), a word joined by "and"/"or" to a
  name already found ("Noor and Ilse"), and every other occurrence of a name found once in the text.

Given names that are also everyday words ("Will", "May", "Grace", "Rich", "Summer", "Mark": the verbs,
adjectives and adverbs of the model's own lemmatizer tables, spaCy's stop words, months and days) count
only where a person is meant: followed by a verb in the third person or past ("Will is", "Grace built"),
by "from", "in", "at", "and", a comma or a possessive, or written after "ask"/"told"/"with". So
"Will the new system...", "May I add", "Mark the dataset", "In May we" and "Rich data" stay.

Also, precision: the model's own PERSON entities are dropped when they are a product or system
(``SYSTEMS``), a department, a place or organisation (a run ending in "Street", "Park", "Office"...) or
follow "the" ("The Clerk's Office").

Recall and precision on labelled staff sentences: ``bench/name_recall.py``.
"""

from __future__ import annotations

import importlib
import re
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc, Token

Span = tuple[int, int]

# Products and systems local governments name in interviews, written like people's names.
SYSTEMS = frozenset(
    """
    accela arcgis esri cityworks laserfiche munis energov oracle peoplesoft workday kronos tableau
    salesforce servicenow socrata granicus legistar springbrook cornerstone quickbooks sharepoint excel
    outlook teams microsoft google sheets youtube amazon motorola seeclickfix tableau sap adobe zoom
    slack jira github docusign smartsheet airtable alteryx qlik looker snowflake databricks dropbox box bi
    """.split()
)
# Vendors named like people: "Tyler" is the vendor where the same text names one of the systems.
VENDORS = frozenset({"tyler", "chase", "wells", "dell", "harris", "edmunds", "ford"})
# How given names with a capital inside start ("LaToya", "McKenzie", "DeShawn", "VanBuren").
_NAME_PREFIXES = frozenset(
    {"Mc", "Mac", "La", "Le", "De", "Da", "Di", "Du", "Van", "Von", "Del", "Della", "St", "Ja", "Ke", "Sha"}
)
# Words that end (or start) a proper noun that is a place or an organisation, not a person.
PLACE_OR_ORG = frozenset(
    """
    street st avenue ave road rd boulevard blvd lane ln drive dr way court ct place pl terrace parkway
    highway hwy circle square trail plaza alley crescent row pike park parks garden gardens county city
    town township village district ward center centre library bank foundation program programme period
    office department dept division hall building school college university hospital clinic church
    station bridge lake river bay heights authority association council commission board committee
    services service group inc llc corp company co systems software online cloud portal project fund
    initiative plan policy act institute museum airport port market mall tower memorial cemetery
    academy youth employment shelter pool team unit agency bureau court courts jail prison fire police
    works utilities utility recreation enforcement management resources technology budget finance
    planning housing dispatch state federal national international north south east west central
    """.split()
)
# What follows a place's name in any case ("lincoln park", "jackson county", "washington avenue").
_PLACE_HEADS = frozenset(
    """
    street st avenue ave road rd boulevard blvd park county city center centre library bank foundation garden
    gardens hall school college university hospital church station bridge lake river heights parkway highway
    memorial cemetery museum airport plaza square trail township village district fargo
    """.split()
)
# Titles written before a person's name; the name after one counts even when the gazetteer lacks it.
TITLES = (
    r"Mr|Mrs|Ms|Mx|Miss|Dr|Prof|Sgt|Lt|Capt|Cpt|Det|Rev|Hon|Cpl|Insp|Supt|Fr|Sr|Doctor|Professor|"
    r"Sergeant|Captain|Lieutenant|Chief|Director|Councilmember|Councilman|Councilwoman|Councillor|"
    r"Councilor|Commissioner|Officer|Detective|Mayor|Judge|Aunt|Uncle|Sister|Brother|Father|Pastor|"
    r"Reverend|Rabbi|Imam|Engineer|Inspector|Deputy|Supervisor|Superintendent|Coach|Nurse|Ranger|Trooper|"
    r"Marshal|Alderman|Alderwoman|Madam|Auntie"
)
# Capitalised words that may follow a title without being a name ("Chief Information Officer").
_ROLE_WORDS = frozenset(
    """
    information financial executive operating operations data technology digital privacy security
    innovation analytics administrative medical legal human public general assistant deputy city county
    of the and for
    """.split()
)
_NICKNAME_PREFIXES = frozenset({"big", "little", "lil", "old", "young"})
# Two letters in capitals that are departments or things, not a person's initials.
_ACRONYMS = frozenset(
    """
    hr it pd fd pw db qa ui ux ai bi ml ok us uk eu id ip pc tv cd da gm pm am ca ny tx dc hq er pr
    ar ap gl hq os vm cc bc ad ed gp dm ms mr dr jr sr ii iv vp ceo
    """.split()
)
_MONTHS_DAYS = frozenset(
    """
    january february march april may june july august september october november december
    monday tuesday wednesday thursday friday saturday sunday
    """.split()
)
# Given names that are everyday English words, beyond the lemmatizer's verbs, adjectives and adverbs.
_WORD_NAMES_EXTRA = frozenset(
    """
    amber art autumn bill brook carol chance crystal dawn dean destiny eve faith gene grace harmony hope
    ivy jack jade jay jean joy justice king lane lily mason max melody miles misty norm patience penny
    pearl river robin rose ruby sage sky stone storm summer trinity victor violet ward winter wren
    """.split()
)
# Given names that are everyday words, in any list of names: matched only where a person is meant.
WORD_NAMES = _WORD_NAMES_EXTRA | _MONTHS_DAYS | VENDORS | _PLACE_HEADS
_DETERMINERS = frozenset({"the", "a", "an", "this", "that", "these", "those", "our", "their", "its", "every"})
_ASK = frozenset(
    """
    ask asked asking tell told telling text texted call called email emailed ping pinged cc thank thanks
    with and or message messaged from to
    """.split()
)
# What may follow a given name that is also a word, where a person is meant ("Will is", "May from").
_AFTER_PERSON = frozenset({"from", "in", "at", "and", "or", ",", "'s", "\u2019s", ")", "said", "says", "who"})
_BEFORE_DATE = frozenset(
    "in on since by until till last next every this each of during before after early late mid the".split()
)


def _faker_names(attrs: tuple[str, ...]) -> frozenset[str]:
    try:
        from faker.config import AVAILABLE_LOCALES
    except ImportError:
        return frozenset()
    found: set[str] = set()
    for locale in AVAILABLE_LOCALES:
        try:
            provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
        except (ImportError, AttributeError):
            continue
        for attr in attrs:
            value = provider.__dict__.get(attr)
            if isinstance(value, dict | list | tuple | set | frozenset):
                found.update(n.lower() for n in value if isinstance(n, str) and _LATIN_NAME.match(n))
    return frozenset(found)


_LATIN_NAME = re.compile(r"^[A-Za-z\u00c0-\u024f]{2,}(?:['\u2019-][A-Za-z\u00c0-\u024f]+)?$")


@lru_cache(maxsize=1)
def first_names() -> frozenset[str]:
    """Given names in Latin script from Faker's person providers, lower-cased (empty without Faker)."""
    attrs = ("first_names", "first_names_female", "first_names_male", "first_names_nonbinary")
    return _faker_names((*attrs, "first_romanized_names", "first_names_male_romanized", "first_names_female_romanized"))


@lru_cache(maxsize=1)
def last_names() -> frozenset[str]:
    """Family names in Latin script from Faker's person providers, lower-cased (empty without Faker)."""
    return _faker_names(("last_names", "last_romanized_names"))


def english_words(nlp: Language) -> frozenset[str]:
    """Everyday words a given name may also be: the verbs, adjectives and adverbs of the pipeline's
    lemmatizer tables (nouns are left out: that table lists "Teresa" and "Gary"), spaCy's stop words,
    months, days and ``_WORD_NAMES_EXTRA``."""
    return _english_words(id(nlp), nlp)


@lru_cache(maxsize=2)
def _english_words(_key: int, nlp: Language) -> frozenset[str]:
    from spacy.lang.en.stop_words import STOP_WORDS

    words: set[str] = set(STOP_WORDS) | _MONTHS_DAYS | _WORD_NAMES_EXTRA
    try:
        index = nlp.get_pipe("lemmatizer").lookups.get_table("lemma_index")  # type: ignore[attr-defined]
        for pos in ("verb", "adj", "adv"):
            words.update(w for w in index[pos] if "_" not in w)
    except (KeyError, AttributeError, ValueError):
        pass
    return frozenset(words)


def _nouns(nlp: Language) -> frozenset[str]:
    """The common nouns of the pipeline's lemmatizer tables (some given names among them)."""
    try:
        index = nlp.get_pipe("lemmatizer").lookups.get_table("lemma_index")  # type: ignore[attr-defined]
        return frozenset(w for w in index["noun"] if "_" not in w)
    except (KeyError, AttributeError, ValueError):
        return frozenset()


class _Lexicon:
    """What the rules look words up in: given names, family names, everyday words (built once)."""

    def __init__(self, nlp: Language) -> None:
        self.first = first_names()
        self.last = last_names()
        self.words = english_words(nlp)
        self.nouns = _nouns(nlp)

    def name_like(self, lower: str) -> bool:
        return lower in self.first or lower in self.last or lower in _NICKNAME_PREFIXES or lower in {"jr", "sr"}

    def not_a_name(self, lower: str) -> bool:
        """A word that is never taken for a name without a gazetteer: an everyday word, a system, a place."""
        return lower in self.words or lower in SYSTEMS or lower in PLACE_OR_ORG or lower in _ACRONYMS


@lru_cache(maxsize=2)
def _lexicon(_key: int, nlp: Language) -> _Lexicon:
    return _Lexicon(nlp)


def _capitalised(tok: Token) -> bool:
    """Written like a name: "Maria", "LaToya", "O'Neil" (not "MAIN", not "maria")."""
    text = tok.text
    return len(text) > 1 and text[0].isupper() and not text.isupper() and text[1:2].isalpha()


def _starts_clause(tok: Token) -> bool:
    doc = tok.doc
    return (
        tok.i == 0
        or tok.is_sent_start
        or doc[tok.i - 1].text in {";", ":", "(", '"', "\u201c", "-", "\u2014", "\u2013"}
    )


def _run(tok: Token, lex: _Lexicon) -> list[Token]:
    """The capitalised words around ``tok`` that make one proper noun ("Bob Jenkins", "Lincoln Park"),
    without a clause's first word that is an everyday word and no name ("Ask", "When", "In")."""
    doc, start, end = tok.doc, tok.i, tok.i + 1
    while start > 0 and _capitalised(doc[start - 1]):
        start -= 1
    while end < len(doc) and (_capitalised(doc[end]) or doc[end].text in {"Jr.", "Sr."}):
        end += 1
    first = doc[start]
    opener = first.is_stop or first.tag_ not in {"NNP", "NNPS", "JJ"}  # "Ask", "When", "In"; not "Smart"
    if start < tok.i and _starts_clause(first) and opener and first.lower_ not in lex.first:
        start += 1
    return list(doc[start:end])


def _person_follows(tok: Token) -> bool:
    """The next word says a person is meant: a verb in the third person or past, "from", "and", ","."""
    doc = tok.doc
    if tok.i + 1 >= len(doc):
        return False
    nxt = doc[tok.i + 1]
    return nxt.tag_ in {"VBZ", "VBD"} or nxt.lower_ in _AFTER_PERSON


def _asked(tok: Token) -> bool:
    return tok.i > 0 and tok.doc[tok.i - 1].lower_ in _ASK


def _after_determiner(tok: Token) -> bool:
    return tok.i > 0 and tok.doc[tok.i - 1].lower_ in _DETERMINERS


def _word_name_meant(tok: Token, lex: _Lexicon) -> bool:
    """A given name that is also a word ("Will", "May", "Grace") counts only where a person is meant."""
    if tok.lower_ in _MONTHS_DAYS:
        before = tok.doc[tok.i - 1].lower_ if tok.i > 0 else ""
        return (
            before not in _BEFORE_DATE and _person_follows(tok) and tok.doc[tok.i + 1].lower_ not in {"and", "or", ","}
        )
    if _asked(tok) or _person_follows(tok):
        return True
    return not _starts_clause(tok) and tok.tag_ in {"NNP", "NNPS"} and tok.doc[tok.i - 1].is_lower


def _capitalised_name(tok: Token, lex: _Lexicon) -> list[Token]:
    """The tokens of the name ``tok`` starts or belongs to, when it is a given name written with a capital
    and not part of a place's or an organisation's name; [] otherwise."""
    run = _run(tok, lex)
    lowers = [t.lower_ for t in run]
    if any(w in PLACE_OR_ORG or w in SYSTEMS for w in lowers) or not all(lex.name_like(w) for w in lowers):
        return []
    if _after_determiner(run[0]) or any(_vendor_meant(t) for t in run):
        return []
    if len(run) == 1 and tok.lower_ in lex.words and not _word_name_meant(tok, lex):
        return []
    return run


def _lower_case_name(tok: Token, lex: _Lexicon) -> bool:
    """A given name typed in lower case ("kevin made", "ask teresa or luis"), never an everyday word
    unless someone is asked ("ask mike")."""
    lower = tok.lower_
    if lower not in lex.first or not tok.is_alpha or tok.is_stop or _after_determiner(tok):
        return False  # "told us", "ask my manager": a stop word is never a name in lower case
    if tok.tag_ not in {"NNP", "NNPS", "NN"} or (
        tok.i + 1 < len(tok.doc) and tok.doc[tok.i + 1].lower_ in _PLACE_HEADS
    ):
        return False
    asked = tok.i > 0 and tok.doc[tok.i - 1].lower_ in {"ask", "asked", "tell", "told", "text", "texted", "ping", "cc"}
    if lex.not_a_name(lower) or len(lower) < 3:
        return asked
    return asked or tok.tag_ in {"NNP", "NNPS"}


def _initials(tok: Token) -> bool:
    """Two capitals that act like a person ("DJ runs the export", "if DJ forgets"), not "HR keeps"."""
    text = tok.text
    if not (len(text) == 2 and text.isupper() and text.isalpha()) or text.lower() in _ACRONYMS:
        return False
    doc = tok.doc
    before_ok = _starts_clause(tok) or doc[tok.i - 1].lower_ in {
        "if",
        "when",
        "and",
        "or",
        ",",
        "ask",
        "asked",
        "unless",
    }
    return (
        before_ok
        and tok.i + 1 < len(doc)
        and (doc[tok.i + 1].tag_ in {"VBZ", "VBD"} or doc[tok.i + 1].text in {"'s", "\u2019s"})
    )


def _token_spans(doc: Doc, lex: _Lexicon, english: bool = True) -> list[Span]:
    """Names found token by token: the gazetteer (capitalised, or in English text lower case too) and
    initials."""
    spans: list[Span] = []
    for tok in doc:
        if tok.ent_type_ in _NEVER_NAMES:
            continue
        if _capitalised(tok) and tok.lower_ in lex.first:
            run = _capitalised_name(tok, lex)
            if run:
                spans.append((run[0].idx, run[-1].idx + len(run[-1].text)))
        elif english and (tok.is_lower and _lower_case_name(tok, lex) or _initials(tok)):
            spans.append((tok.idx, tok.idx + len(tok.text)))
    return spans


_TITLED = re.compile(r"(?<![\w.])(?:" + TITLES + r")\.?[ \t]+([A-Z][\w'\u2019\-]*(?:[ \t]+[A-Z][\w'\u2019\-]*){0,2})")
_POSSESSIVE = re.compile(
    r"(?<![\w'\u2019.\-])([A-Z]['\u2019][A-Z][a-z]+|[A-Z][a-z]+(?:-[A-Z]?[a-z]+)?)['\u2019]s(?=\s+[a-z])"
)
_WORD_BEFORE = re.compile(r"([\w'\u2019\-]+)[ \t]*$")


def _titled_spans(text: str) -> list[Span]:
    """A title and the capitalised words after it ("Councilmember Reyes", "Sgt. Morales"), stopping at a
    role word ("Chief Information Officer" is no one) or a place's or organisation's word."""
    spans: list[Span] = []
    for m in _TITLED.finditer(text):
        words = m.group(1).split()
        kept = 0
        for i, word in enumerate(words):
            lower = word.lower().rstrip("'\u2019s") if word.endswith(("'s", "\u2019s")) else word.lower()
            if lower in _ROLE_WORDS or lower in SYSTEMS or (i > 0 and lower in PLACE_OR_ORG):
                break
            kept += 1
        before = _WORD_BEFORE.search(text[: m.start()])
        if kept and not (before and before.group(1).lower() in _DETERMINERS):
            end = m.start(1) + len(" ".join(words[:kept]))
            spans.append((m.start(), end - (2 if text[m.start() : end].endswith(("'s", "\u2019s")) else 0)))
    return spans


def _possessive_spans(text: str, lex: _Lexicon) -> list[Span]:
    """A capitalised word with a possessive before a lower-case word ("Olumide's macro"), when it is no
    everyday word, system, place or organisation and not the end of a longer proper noun."""
    spans: list[Span] = []
    for m in _POSSESSIVE.finditer(text):
        word = m.group(1)
        if lex.not_a_name(word.lower()):
            continue
        before = _WORD_BEFORE.search(text[: m.start()])
        prev = before.group(1) if before else ""
        if prev.lower() in _DETERMINERS or (prev[:1].isupper() and prev.lower() not in lex.words):
            continue
        spans.append((m.start(1), m.end(1)))
    return spans


def _inside(spans: list[Span], start: int, end: int) -> bool:
    return any(s <= start and end <= e for s, e in spans)


def _coordinated_spans(doc: Doc, spans: list[Span], lex: _Lexicon) -> list[Span]:
    """A single word joined by "and", "or" or a comma to a name already found ("Noor and Ilse",
    "Kat and DJ", "ask jen or becky"): a name too, unless it is an everyday word, system or place."""
    added: list[Span] = []
    joins = {"and", "or", ","}
    near = [
        t
        for t in doc
        if (t.i > 0 and doc[t.i - 1].lower_ in joins) or (t.i + 1 < len(doc) and doc[t.i + 1].lower_ in joins)
    ]
    for _ in range(2 if spans and near else 0):  # "Zainab, [name] and Ayesha": one more pass reaches the far end
        found = spans + added
        for tok in near:
            start, end = tok.idx, tok.idx + len(tok.text)
            if (
                not tok.is_alpha
                or _inside(found, start, end)
                or lex.not_a_name(tok.lower_)
                or tok.ent_type_ in _NEVER_NAMES
            ):
                continue
            if not (_capitalised(tok) or tok.tag_ in {"NNP", "NNPS"} or (len(tok.text) == 2 and tok.text.isupper())):
                continue
            if (_capitalised(tok) and len(_run(tok, lex)) > 1) or _after_determiner(tok):
                continue
            if _joined_to(doc, tok.i, +1, found) or _joined_to(doc, tok.i, -1, found):
                added.append((start, end))
    return added


def _joined_to(doc: Doc, i: int, step: int, found: list[Span]) -> bool:
    j = i + step
    if not (0 <= j + step < len(doc)) or doc[j].lower_ not in {"and", "or", ","}:
        return False
    other = doc[j + step]
    return _inside(found, other.idx, other.idx + len(other.text))


def _repeated_spans(text: str, spans: list[Span], lex: _Lexicon) -> list[Span]:
    """Every other occurrence of a one-word name found once in the text ("ask jo, only jo can")."""
    added: list[Span] = []
    for start, end in spans:
        name = text[start:end]
        if " " in name or "." in name:
            continue
        flags = 0 if name.lower() in lex.words else re.IGNORECASE
        for m in re.finditer(
            r"(?<![\w'\u2019\-@.])" + re.escape(name) + r"(?![\w\-@]|\.\w|['\u2019]\w{2,})", text, flags
        ):
            if not _inside(spans, m.start(), m.end()):
                added.append((m.start(), m.end()))
    return added


# Endings of English abstract nouns the model sometimes reads as a person when they start a sentence.
_NOUN_ENDING = re.compile(r"(?:tion|sion|ment|ness|ity|acy|ables?|ance|ence|ship|ism|ology)s?$")
# Entity types a name never has: "respond only in French", "in May", "the 3 Marias" are not people.
_NEVER_NAMES = frozenset({"NORP", "LANGUAGE", "MONEY", "CARDINAL", "ORDINAL", "PERCENT", "QUANTITY"})


# Function words of Spanish, French and Portuguese answers that English never writes.
_FOREIGN = frozenset({"de", "la", "que", "el", "los", "las", "del", "por", "para", "con", "una", "es", "les", "des"})


def _looks_english(doc: Doc) -> bool:
    """Whether the rules, written for English, apply: not when the text's function words are another
    language's ("de", "la", "que") more than English's; a list of key phrases with few stop words is English."""
    foreign = sum(t.lower_ in _FOREIGN for t in doc)
    return foreign < 2 or foreign * 2 <= sum(t.is_stop and t.lower_ not in _FOREIGN for t in doc)


def _product_like(text: str) -> bool:
    """Written like a product ("RecTrac", "EnerGov", "SharePoint"), not like "LaToya" or "McKenzie"."""
    m = re.match(r"^([A-Z][a-z]+)[A-Z][a-z]", text)
    return bool(m) and m.group(1) not in _NAME_PREFIXES


def _vendor_meant(tok: Token) -> bool:
    """ "Tyler" where the text also names a system ("a ticket with Tyler for Munis"): the vendor."""
    return tok.lower_ in VENDORS and any(t.lower_ in SYSTEMS for t in tok.doc)


def _given_and_family(words: list[str], lex: _Lexicon) -> bool:
    """A given name and a family name that is also a place word: "Maria Hall", "Jane Park", "Susan Ward"
    (a person; "Main St", "City Hall", "Martin Luther King Jr. Boulevard" are not)."""
    return len(words) == 2 and words[0] in lex.first and words[1] in lex.last


def model_person_kept(ent: object, lex: _Lexicon) -> bool:
    """Whether a PERSON entity of the model is a person: not a system or product ("Tableau", "Tyler
    EnerGov"), not a place's or organisation's name ("Martin Luther King Jr. Boulevard", "Main St"), not
    after "the" ("The Clerk's Office")."""
    doc = ent.doc  # type: ignore[attr-defined]
    words = [t.lower_ for t in ent if t.is_alpha]  # type: ignore[attr-defined]
    if any(w in SYSTEMS for w in words):
        return False
    if any(w in PLACE_OR_ORG for w in words) and not _given_and_family(words, lex):
        return False
    if len(words) == 1 and not lex.name_like(words[0]) and (words[0] in lex.words or _NOUN_ENDING.search(words[0])):
        return False  # "Email me at ...", "Accuracy is something we take seriously"
    if any(_product_like(t.text) or _vendor_meant(t) for t in ent):  # type: ignore[attr-defined]
        return False
    start, end = ent.start, ent.end  # type: ignore[attr-defined]
    if end < len(doc) and (
        doc[end].lower_ in _PLACE_HEADS or doc[end].lower_ in PLACE_OR_ORG and _capitalised(doc[end])
    ):
        return False
    return not (start > 0 and doc[start - 1].lower_ in {"the", "a", "an"})


def merge(spans: list[Span]) -> tuple[Span, ...]:
    """Overlapping or touching spans as one, in order."""
    out: list[list[int]] = []
    for start, end in sorted(spans):
        if out and start <= out[-1][1]:
            out[-1][1] = max(out[-1][1], end)
        else:
            out.append([start, end])
    return tuple((s, e) for s, e in out)


def _fragment_spans(doc: Doc, lex: _Lexicon) -> list[Span]:
    """In a few words without a verb (a keyword, or one of a summary's key phrases: "terrence",
        "data stuff dave"), a given name in lower case that is no everyday word, system or place, and no
        common noun unless tagged a proper noun ("server" stays), no vendor beside its system ("Tyler Munis",
    a catalogue name): no sentence is there to tell a person by."""
    spans: list[Span] = []
    chunk: list[Token] = []
    for tok in [*doc, None]:
        if tok is not None and not (tok.is_punct and tok.text not in {"'", "\u2019"}):
            chunk.append(tok)
            continue
        words = [t for t in chunk if t.is_alpha]
        if words and len(words) <= 6 and not any(t.pos_ in {"VERB", "AUX"} for t in chunk):
            spans += [
                (t.idx, t.idx + len(t.text))
                for t in words
                if (t.is_lower or len(words) == len(doc))
                and t.lower_ in lex.first
                and not lex.not_a_name(t.lower_)
                and (t.pos_ == "PROPN" or t.lower_ not in lex.nouns)
                and t.pos_ in {"PROPN", "NOUN"}  # a name is a noun ("meta" read as an adjective stays)
                and not _vendor_meant(t)
            ]
        chunk = []
    return spans


def extra_spans(doc: Doc, model_spans: list[Span], nlp: Language) -> list[Span]:
    """Names beyond the model's (``model_spans``, already kept): gazetteer, titles, possessives, initials,
    then names joined to one found and a found name's other occurrences."""
    lex = _lexicon(id(nlp), nlp)
    text = doc.text
    spans = model_spans + _titled_spans(text) + _possessive_spans(text, lex)
    if _looks_english(doc):
        spans += _token_spans(doc, lex)
        spans += _coordinated_spans(doc, spans, lex)
        spans += _fragment_spans(doc, lex)
    else:  # another language's words are not in the English word lists: capitalised names only
        spans += _token_spans(doc, lex, english=False)
    return spans + _repeated_spans(text, list(merge(spans)), lex)


def lexicon_for(nlp: Language) -> _Lexicon:
    """The word lists the rules read (cached per pipeline)."""
    return _lexicon(id(nlp), nlp)
