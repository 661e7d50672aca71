"""Redaction of personal details before staff text leaves for an external LLM.

``redact`` replaces email addresses with ``[email]``, telephone numbers with ``[phone]`` and
the names of people on an engagement's roster with ``[name]``. It is deliberately narrow:
years, counts ("3 departments"), percentages, money, times, dates, version numbers and IP
addresses stay as they are, because ratings and themes depend on them.

Known limits (say so to users rather than pretend): a bare seven-digit local number
("555-1234") is not treated as a phone number, because "100-1000 records" looks the same;
a name not on the roster is not recognised.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

EMAIL = "[email]"
PHONE = "[phone]"
NAME = "[name]"

_EMAIL_RE = re.compile(
    r"(?<![\w.+-])[A-Za-z0-9][A-Za-z0-9._%+-]*@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\.[A-Za-z]{2,}\b"
)

# Phone shapes. Each is anchored so it cannot start or end inside a longer number, a word,
# a decimal or a money amount; digit counts are checked after matching.
_SEP = r"[ .\-\u00a0]"
_PHONE_RES = [
    # International: +44 20 7946 0958, +1 (555) 123-4567, +33 1 23 45 67 89, +4930123456
    re.compile(
        r"(?<![\w+])\+\d{1,3}(?:" + _SEP + r"?\(\d{1,4}\))?(?:" + _SEP + r"?\d{1,5}){1,6}(?![\w%])"
    ),
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


def _name_patterns(names: Iterable[str]) -> list[tuple[re.Pattern[str], bool]]:
    """(pattern, case_sensitive_capitalised) for each roster name and each part of it."""
    wanted: set[str] = set()
    for raw in names:
        name = " ".join(str(raw or "").split())
        if len(name) < 2:
            continue
        wanted.add(name)
        for part in re.split(r"[\s]+", name):
            part = part.strip(".,;:")
            if len(part) >= 2 and not part.endswith("."):  # "J." or "Dr." say nothing alone
                wanted.add(part)
    # Longest first, so "Mary Ann Lee" is one [name], not "[name] [name] [name]".
    patterns = []
    for name in sorted(wanted, key=lambda n: (-len(n), n)):
        body = r"\s+".join(re.escape(p) for p in name.split(" "))
        edge_l, edge_r = r"(?<![\w'\-])", r"(?![\w\-]|'\w{2,})"
        if name.lower() in _WORD_NAMES:
            # Capitalised (or all-caps) only: "Will" / "WILL", not "will".
            first, rest = name[0], name[1:]
            body = (
                rf"(?:{re.escape(first.upper())}(?i:{re.escape(rest)}))"
                if rest else re.escape(first.upper())
            )
            patterns.append((re.compile(edge_l + body + edge_r), True))
        else:
            patterns.append((re.compile(edge_l + body + edge_r, re.IGNORECASE), False))
    return patterns


def redact(text: str, names: Iterable[str] = ()) -> str:
    """``text`` with emails as ``[email]``, phone numbers as ``[phone]`` and roster names as ``[name]``.

    Rules enforced: names match whole words, case-insensitively (possessives like "Maria's"
    included), a multi-word roster entry also redacts each of its parts, and given names that
    are everyday words ("Will", "May", "Grace") match only when capitalised. Ordinary numbers
    (years, counts, percentages, money, times, dates, IP addresses) are left alone.
    """
    if not text:
        return text
    out = _EMAIL_RE.sub(EMAIL, text)
    out = _redact_phones(out)
    for pattern, _capitalised in _name_patterns(names):
        out = pattern.sub(NAME, out)
    return out
