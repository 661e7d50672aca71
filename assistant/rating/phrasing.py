"""How a sentence's wording changes what it says about practice, before any model: a denial
("we don't have a data catalog") and an aim ("we aspire to publish everything") are not evidence
that the practice exists. Word rules on normalised text, used by the offline rater (``offline``).
"""

from __future__ import annotations

import re

NEGATION = re.compile(
    r"\b(no|not|never|dont|do not|doesnt|does not|didnt|did not|havent|have not|hasnt|has not|"
    r"isnt|is not|arent|are not|wasnt|werent|without|lack|lacks|lacking|nobody|nothing|none|no one|"
    r"cant|cannot|can not|couldnt|could not|wont|wouldnt|would not|neither|nor|hardly|barely)\b"
)
# Negations that affirm: "not only", "no longer"; a negated loss or stop ("didn't lose a single report",
# "we don't stop at reporting", "it didn't disappear when she left": the loss words of ``_LACK``, "none
# has lapsed"); and a requirement ("nobody starts a survey until they have checked", "no contract is
# signed unless the clauses are in"), which describes a rule that is followed.
_NOT_A_NEGATION = re.compile(
    r"\bnot (only|just)\b|\bno longer\b|\bno doubt\b"
    r"|\b(didnt|did not|dont|do not|doesnt|does not|never|wont|will not|not|nothing|nobody|no one|none)\s+(\w+\s+)?"
    r"(lose|lost|miss|missed|stop|stopped|drop|dropped|fail|failed|break|broke|cost|depend|lapse|lapsed"
    r"|disappear|disappeared|vanish|vanished|stall|stalled|collapse|collapsed|die|died)\b"
    r"|\b(no|not|never|nobody|nothing|none|no one|dont|do not|doesnt|does not|wont|cant|cannot)\b"
    r"[^.;]*?\b(until|unless)\b"
)
NEGATION_WINDOW = 8  # words before a signal, within its clause, in which a negation reverses it
# An aim, hope or plan ("we aspire to be a city where residents build on our data", "our goal is
# continuous improvement", "one day we'd like other cities to copy us") says what is not yet done.
# It borrows the top level's words, so read as practice it is level 5; it is evidence that people speak
# in favour of the practice, which is level 2 in every indicator's terms.
_ASPIRATION = re.compile(
    r"\b(we|i|they|leaders|leadership|management|council|the city|the council|our \w+)\s+"
    r"(really\s+|would\s+|also\s+|all\s+)?"
    r"(aspire|aspires|hope|hopes|wish|wishes|would like|d like|aim|aims|intend|intends|are hoping|re hoping"
    r"|are aiming|re aiming|are working towards|re working towards"
    r"|(want|wants|plan|plans|are planning|re planning|are going|re going) to)\b"
    r"|\b(our|the|their)\s+(\w+\s+)?(goal|aim|ambition|vision|hope|intention|aspiration|dream)\s+(is|was|would be)\b"
    r"|\b(one day|someday|some day|eventually|in the future|down the line)\b"
)
ASPIRATION_CAP = 2  # the level an aim counts as: people speak in favour, the practice is not in place


def normalise(text: str) -> str:
    """Lowercase, straight apostrophes dropped, hyphens between letters removed, spaces squeezed."""
    text = text.lower().replace("\u2019", "'").replace("\u2018", "'")
    text = re.sub(r"(?<=[a-z])-(?=[a-z])", "", text)
    text = text.replace("'", "")
    return " ".join(text.split())


# A negation right after "and", "or", "but" or "nor" starts a denial of its own ("no budget and no
# title" denies twice); "nor" is itself "and not" ("a budget nor a title").
_NEW_DENIAL = re.compile(r"\b(?:and|or|but|nor)\s+(?=" + NEGATION.pattern.replace("(", "(?:", 1) + ")")


def denies(norm: str) -> bool:
    """True when normalised text denies something: some denial in it holds an odd number of negations
    once the affirming constructions are taken out.

    Rule: negations inside one denial cancel in pairs ("you don't get a budget without the data" and
    "nothing goes live without a review" are two each, affirmations), but coordinated denials do not
    cancel each other: a negation right after "and", "or", "but" or "nor" starts a new denial ("no
    budget and no title", "nobody checks and nothing is written" deny twice), and "nor" counts as "and
    not" ("neither a budget nor a title"). Counting every negation of the text by parity read two
    coordinated denials as an affirmation (issue 30).
    """
    text = re.sub(r"\bnor\b", "and no", _NOT_A_NEGATION.sub(" ", norm))
    return any(len(NEGATION.findall(part)) % 2 == 1 for part in _NEW_DENIAL.split(text))


def is_aspiration(sentence: str) -> bool:
    """True when the sentence states an aim, hope or plan rather than a practice in place (see
    ``_ASPIRATION``); normalised text, so "we'd like" is "wed like" and matches "d like"."""
    return bool(_ASPIRATION.search(normalise(sentence).replace("wed like", "we d like")))


def is_negative(sentence: str) -> bool:
    """True when a clause of the sentence denies something (see ``denies``): "there are no rules, we
    never check" is two denials, not an affirmation."""
    return any(denies(clause) for clause in re.split(r"[,;:]", normalise(sentence)))


def only_denies(sentence: str) -> bool:
    """True when every clause of the sentence that says something (three words or more) denies something:
    "we have never done a harm review", "nobody has told us what leadership wants, and I can't say why";
    False when some clause says what is there ("some teams keep a list, but nobody updates it")."""
    clauses = [c for c in re.split(r"[,;:]|\bbut\b", normalise(sentence)) if len(c.split()) >= 3]
    return bool(clauses) and all(denies(c) for c in clauses)


# Words that describe the bottom of the scale without a negation (the rubric's level 1: "data work
# happens ad hoc and depends on particular people, with nothing written down"): dependence on one
# person, work done on the side, work that stops when they are away, decisions by gut or by whoever
# argues, knowledge kept "in Gary's head", and "only" or "that's it" that say what is not there. Normalised
# text (apostrophes dropped).
_LACK = re.compile(
    r"\b(only|thats it|thats all|ad hoc|depends on|depending on|rests on|down to (one|whoever)|on the side|"
    r"in (his|her|their|my) spare time|unofficial|unofficially|whoever|gut feel|gut feeling|hunch|anecdote|"
    r"habit|in (his|her|their|my|our|\w+s) heads?|"
    r"(everything|it all|it|things|the work|work|that) (just )?(stopped|stops|stalled|stalls|vanishes|"
    r"vanished|disappears|disappeared))\b"
)


def describes_lack(sentence: str) -> bool:
    """True when the sentence may say a practice is missing: it has a negation outside the constructions
    that affirm (``_NOT_A_NEGATION``: "it didn't disappear when she left" says nothing is missing; "no
    budget and no title" counts two and is still a lack), or it uses the
    words of dependence on one person, of work that stops when they are away, or of decisions by gut or by
    whoever argues (``_LACK``). The offline engine reads only such a sentence at a level-1 text that
    describes a lack (``offline.absence_levels``)."""
    norm = _NOT_A_NEGATION.sub(" ", normalise(sentence))
    return bool(NEGATION.search(norm) or _LACK.search(norm))


# A stated cadence: every (other) week / month / quarter / year / meeting / budget cycle, every N weeks,
# twice a year, monthly, each quarter, on a schedule. Days are left out: work done every day is as often
# re-typing as review. Normalised text.
_CADENCE = re.compile(
    r"\bevery (other |single )?(week|month|quarter|year|meeting|budget cycle|cycle|season|term"
    r"|spring|summer|autumn|fall|winter)s?\b"
    r"|\bevery (two|three|four|five|six|eight|nine|ten|twelve|eighteen|\d+) (weeks|months|years)\b"
    r"|\b(once|twice|three times|four times|\d+ times) a (week|month|quarter|year)\b"
    r"|\b(weekly|fortnightly|monthly|quarterly|annually|yearly|biannually)\b"
    r"|\beach (week|month|quarter|year|meeting|budget cycle|cycle)\b"
    r"|\bon a (set |fixed |regular )?(schedule|cycle|rota)\b"
)
# What is done on it, for the cadence to show a routine of oversight: a review, check, audit, count, test or
# meeting ("reconciles its counts", "go through who has access", "report how complete"); not a transfer by
# hand ("email the spreadsheet"), which the rubric puts at level 2 even when scheduled.
_OVERSIGHT = re.compile(
    r"\b(review|reviews|reviewed|reviewing|check|checks|checked|checking|audit|audits|audited|auditing"
    r"|reconcile|reconciles|reconciled|measure|measures|measured|count|counts|counted|track|tracks|tracked"
    r"|test|tests|tested|rehearse|rehearses|rehearsed|drill|drills|assess|assesses|assessed|rate|rates|rated"
    r"|evaluate|evaluates|evaluated|inspect|inspects|inspected|meet|meets|met|meeting"
    r"|reported|reports? (on|to|back|how|what|whether)"
    r"|go through|goes through|went through|go down|goes down|walk through|walks through|look at|looks at"
    r"|looked at|sample|samples|sampled)\b"
)
ROUTINE_FLOOR = 3  # the level a routine of oversight is read at least at: "on a set schedule", "regularly"


def states_routine(sentence: str) -> bool:
    """True when the sentence says something is reviewed, checked, measured or met about on a stated
    cadence ("every quarter", "twice a year", "monthly", "each budget cycle") and neither states an aim nor
    may say something is missing (``describes_lack``: a denial, "only", "it's all in Gary's head"): a
    routine, which the rubric places at level 3 or above, never the ad hoc work of level 1.

    Rule: a cadence alone is no routine ("every week I email the spreadsheet to finance" is data copied
    by hand, level 2; "every time it breaks" is no cadence; "the monthly report is all in Gary's head" names
    a report, not the act of reporting, and a lack). (issue 30, round 9: on the held-out groups 8
    of 21 sentences written at level 4 read closest to a level-1 text, and one such reading set the
    component at level 1.)"""
    norm = normalise(sentence)
    found = bool(_CADENCE.search(norm) and _OVERSIGHT.search(norm))
    return found and not describes_lack(sentence) and not is_aspiration(sentence)
