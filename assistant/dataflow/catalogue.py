"""Which mentions name the same system: the canonical grouping behind an engagement's catalogue and
``dm3 catalogue``.

Staff write the same system many ways ("Tyler Munis", "munis", "the Munis export", "muni's", "MUNIS GL",
"our finance system"). A catalogue keyed on a lower-cased name would keep each as its own node (the
duplicate-node problem lineage tools met); here every mention is resolved to a canonical system with
aliases, in this order (the first rule that decides wins):

1. a consultant's decision (``pinned``: mention id -> system id) always wins;
2. a known product (``known_systems.yaml``): the longest alias found in the mention, as written or
   with its spaces closed up ("arc gis", "see click fix"), or one edit away for aliases of five
   letters or more ("accella", "Tablaeu", "laserfische"); a module or an export of a product is the
   product ("Munis GL", "the Tableau dashboards");
3. a plain description ("the permit system", "our HRIS", "the CMMS") names a kind of system: it joins
   the one known system of that kind named elsewhere in the same list, and stays its own system when
   none or several are;
4. a file or spreadsheet ("Permit_Tracker_2024.xlsx", "the permits tracker", "the budget workbook")
   is a system of its own, named by its subject: files about the same subject are one file, and a
   file is never the application it shadows;
5. anything else: the same words once the normalisation below is done (case, punctuation,
   possessives, articles and generic words like "system" or "software" dropped), or one edit apart
   for names of five letters or more.

The rules are deliberately strict where they merge: a wrong merge hides a hand-off on the map, a
missed one shows as a duplicate a consultant can merge (and the merge is kept).
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

import yaml

ARTICLES = {"the", "a", "an", "our", "my", "their", "his", "her", "its", "your", "this", "that", "these", "those"}
# words that say "a system" without naming one; dropped when building a name's key
GENERIC = {
    "system", "systems", "software", "app", "apps", "application", "applications", "platform", "program",
    "tool", "tools", "module", "modules", "database", "db", "site", "website", "service", "services",
    "portal", "export", "exports", "report", "reports", "reporting", "dashboard", "dashboards", "data",
    "repository", "account", "login", "screen", "screens", "version", "stuff", "thing",
    "things", "city", "county", "department", "dept", "in", "on", "of", "for", "to", "from", "with", "and",
    "all", "big", "main", "master", "list", "current", "online",
}  # fmt: skip
FILE_WORDS = {
    "spreadsheet", "spreadsheets", "excel", "xlsx", "xls", "csv", "workbook", "tracker", "trackers",
    "sheet", "sheets", "log", "logs", "file", "files", "list", "inbox", "mailbox", "mailboxes",
}  # fmt: skip
FILE_GENERIC = FILE_WORDS | {"master", "copy", "final", "new", "old", "big", "shared", "outlook", "email", "tracking"}
_YEAR = re.compile(r"^(?:19|20)\d\d$|^fy\d{2,4}$|^v\d+$|^\d+$")
_TOKEN = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True)
class Known:
    """A product in ``known_systems.yaml``."""

    id: str
    name: str
    vendor: str
    kinds: tuple[str, ...]
    aliases: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Knowledge:
    systems: tuple[Known, ...]
    descriptions: dict[str, tuple[tuple[str, ...], ...]]  # kind -> description phrases (token tuples)


@dataclass
class System:
    """One canonical system: a stable id, a display name, the aliases staff used, and its mentions."""

    id: str
    name: str
    mentions: list[str] = field(default_factory=list)
    aliases: list[str] = field(default_factory=list)
    known: str | None = None  # the known product's id, when it is one
    kind: str | None = None  # a description's kind, or "file"


def tokens(text: str, possessive: bool = True) -> list[str]:
    """Lower-case word tokens: accents folded, a possessive 's dropped (kept as a plain "s" with
    ``possessive=False``: "muni's" may be "munis"), dotted acronyms closed up ("N.I.B.R.S."),
    punctuation and "_" as spaces."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    text = re.sub(r"\b(?:[a-z]\.){2,}", lambda m: m.group(0).replace(".", "") + " ", text)
    text = text.replace("\u2019", "'")
    text = re.sub(r"(\w)'s\b", r"\1", text) if possessive else text.replace("'", "")
    text = re.sub(r"\b([a-z]):\\", r"\1 drive ", text)  # a path on a mapped drive, "S:\Finance\..."
    return [t for t in _TOKEN.findall(text.replace("_", " ")) if t]


def _phrase(text: str) -> tuple[str, ...]:
    return tuple(tokens(text))


# words an acronym skips ("enterprise permitting and licensing" -> EPL)
_ACRONYM_SKIPS = ARTICLES | {"and", "of", "for", "to", "in", "on"}


def initials(words: Iterable[str]) -> str:
    """The acronym of a phrase: the first letter of each word but the small ones ("records management
    system" -> "rms")."""
    return "".join(w[0] for w in words if w not in _ACRONYM_SKIPS)


def _with_acronyms(phrases: Iterable[tuple[str, ...]]) -> tuple[tuple[str, ...], ...]:
    """``phrases`` plus the acronym of each of three words or more ("see click fix" -> "scf", "computer
    aided dispatch" -> "cad"): staff write the short form of a long name as often as the name."""
    phrases = tuple(phrases)
    extra = [(initials(p),) for p in phrases if len([w for w in p if w not in _ACRONYM_SKIPS]) >= 3]
    return phrases + tuple(a for a in dict.fromkeys(extra) if a not in phrases)


@lru_cache(maxsize=1)
def knowledge() -> Knowledge:
    """The packaged ``known_systems.yaml``, parsed once (with the acronyms of long aliases and
    descriptions, ``_with_acronyms``)."""
    raw = yaml.safe_load(resources.files("assistant.dataflow").joinpath("known_systems.yaml").read_text("utf-8"))
    systems = tuple(
        Known(
            s["id"],
            s["name"],
            s.get("vendor", ""),
            tuple(s.get("kinds", [])),
            _with_acronyms(_phrase(a) for a in s["aliases"]),
        )
        for s in raw["systems"]
    )
    descriptions = {kind: _with_acronyms(_phrase(p) for p in phrases) for kind, phrases in raw["descriptions"].items()}
    return Knowledge(systems, descriptions)


def _one_edit(a: str, b: str) -> bool:
    """True when ``a`` and ``b`` differ by at most one insertion, deletion, substitution or swap of
    neighbours (Damerau-Levenshtein distance <= 1)."""
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        if len(diff) == 1:
            return True
        return len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return any(long_[:i] + long_[i + 1 :] == short for i in range(len(long_)))


@dataclass(frozen=True)
class _Spans:
    """What ``_find_phrase`` looks for in one mention's words, read once: every run of one to four words,
    as tokens and closed up, and the closed-up runs of five letters or more by first letter and length
    (a phrase one edit away is one letter longer or shorter at most)."""

    runs: frozenset[tuple[str, ...]]
    joined: frozenset[str]
    long: dict[tuple[str, int], tuple[str, ...]]

    def near(self, compact: str) -> bool:
        """True when some closed-up run is a misspelling of ``compact``: one edit away, both five letters
        or more, the same first letter."""
        n = len(compact)
        if n < 5:
            return False
        for size in (n - 1, n, n + 1):
            for joined in self.long.get((compact[0], size), ()):
                if _one_edit(joined, compact):
                    return True
        return False


@lru_cache(maxsize=4096)
def _spans(words: tuple[str, ...]) -> _Spans:
    runs = [words[i:j] for i in range(len(words)) for j in range(i + 1, min(len(words), i + 4) + 1)]
    joined = {"".join(run) for run in runs}
    long: dict[tuple[str, int], list[str]] = {}
    for text in sorted(joined):
        if len(text) >= 5:
            long.setdefault((text[0], len(text)), []).append(text)
    return _Spans(frozenset(runs), frozenset(joined), {key: tuple(v) for key, v in long.items()})


def _find_phrase(words: list[str], phrases: Iterable[tuple[str, ...]]) -> int:
    """The length (in letters) of the longest phrase found in ``words`` (as tokens, closed up, or one edit
    away when five letters or more); 0 when none is. The mention's runs of words are read once
    (``_spans``), not once per phrase: an engagement's catalogue is rebuilt whenever a flow is saved, and
    every mention is matched against every alias."""
    spans = _spans(tuple(words))
    best = 0
    for phrase in phrases:
        compact = "".join(phrase)
        if len(compact) <= best:
            continue
        if phrase in spans.runs or compact in spans.joined or spans.near(compact):
            best = len(compact)
    return best


def match_known(words: list[str], known: Knowledge) -> Known | None:
    """The known product whose alias is the longest found in ``words``; None when none, or when two
    products tie for the longest (then the mention is not decided by knowledge)."""
    scored = [(length, s) for s in known.systems if (length := _find_phrase(words, s.aliases))]
    if not scored:
        return None
    top = max(length for length, _ in scored)
    best = [s for length, s in scored if length == top]
    return best[0] if len(best) == 1 else None


def match_kind(words: list[str], known: Knowledge) -> str | None:
    """The kind of system a plain description names ("the permit system" -> permits); None when it
    names none or several."""
    found = {kind: n for kind, phrases in known.descriptions.items() if (n := _find_phrase(words, phrases))}
    if not found:
        return None
    top = max(found.values())
    kinds = [k for k, n in found.items() if n == top]
    return kinds[0] if len(kinds) == 1 else None


def _names_kind(words: list[str], kind: str) -> bool:
    """Whether ``words`` name ``kind`` itself ("hr" for hr, "utility billing" for utility_billing)."""
    parts = kind.split("_")
    return any(tuple(words[i : i + len(parts)]) == tuple(parts) for i in range(len(words) - len(parts) + 1))


def match_vendor(words: list[str], known: Knowledge) -> Known | None:
    """A vendor named with what its product does ("Oracle HR", "Tyler court software"): the one product
    of that vendor whose kinds the mention names (as a kind or a description of one); None otherwise.
    A vendor is matched by its first word (four letters or more, and no word of a description: "open
    source" is no vendor of "the open data portal"), as staff shorten it."""
    kind = match_kind(words, known)
    described = {w for phrases in known.descriptions.values() for p in phrases for w in p} | GENERIC
    for vendor in {v for s in known.systems if len(v := (tokens(s.vendor) or [""])[0]) >= 4}:
        if vendor not in words or vendor in described:
            continue
        fits = [
            s
            for s in known.systems
            if (tokens(s.vendor) or [""])[0] == vendor
            and (kind in s.kinds or any(_names_kind(words, k) for k in s.kinds))
        ]
        if len(fits) == 1:
            return fits[0]
    return None


def holder_of(kind: str, named: Iterable[Known]) -> Known | None:
    """The one system named in the list that does ``kind``: the only one of that kind, else the only one
    whose main kind (its first) it is ("the document imaging system" is Laserfiche's main kind, not
    SharePoint's); None when none or several are."""
    holders = [p for p in named if kind in p.kinds]
    if len(holders) > 1:
        holders = [p for p in holders if p.kinds[0] == kind]
    return holders[0] if len(holders) == 1 else None


def _stem(word: str) -> str:
    return word[:-1] if len(word) > 4 and word.endswith("s") and not word.endswith("ss") else word


def file_subject(words: list[str]) -> str | None:
    """For a file or spreadsheet mention, its subject ("permit" for "the Excel permit tracker"); None
    when the mention is not about a file, or names no subject."""
    if not any(w in FILE_WORDS for w in words):
        return None
    subject = [_stem(w) for w in words if w not in FILE_GENERIC and w not in ARTICLES and not _YEAR.match(w)]
    subject = [w for w in subject if w not in GENERIC]
    return " ".join(subject[:2]) if subject else None


def name_key(words: list[str]) -> str:
    """What is left of a name once articles and generic words are dropped, closed up ("city works" and
    "CityWorks" give the same key); the words themselves when nothing would be left."""
    kept = [w for w in words if w not in ARTICLES and w not in GENERIC]
    return "".join(kept or words)


class _Groups:
    """Union-find over mention ids."""

    def __init__(self, ids: Iterable[str]) -> None:
        self.parent = {i: i for i in ids}

    def find(self, i: str) -> str:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def join(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


@dataclass(frozen=True)
class Mention:
    """One way a staff member named a system, as they wrote it."""

    id: str
    text: str


def resolve(mentions: list[Mention], known: Knowledge | None = None) -> dict[str, str]:
    """mention id -> a grouping key (rules 2-5 of the module docstring)."""
    known = known or knowledge()
    words = {m.id: tokens(m.text) for m in mentions}
    products = {
        m.id: match_known(words[m.id], known)
        or match_known(tokens(m.text, False), known)
        or match_vendor(words[m.id], known)
        for m in mentions
    }
    named = {p.id: p for p in products.values() if p is not None}
    key: dict[str, str] = {}
    for m in mentions:
        w = words[m.id]
        if products[m.id] is not None:  # a product named, even as its file or export, is the product
            key[m.id] = f"known:{products[m.id].id}"
            continue
        kind = match_kind(w, known)
        holder = holder_of(kind, named.values()) if kind is not None else None
        if holder is not None:
            key[m.id] = f"known:{holder.id}"
            continue
        subject = file_subject(w) if kind is None else None
        # an unresolved description stays as written: two descriptions of one kind may be two systems
        key[m.id] = f"file:{subject}" if subject is not None else f"name:{name_key(w)}"
    return key


def group(
    mentions: list[Mention], pinned: Mapping[str, str] | None = None, known: Knowledge | None = None
) -> list[System]:
    """The mentions grouped into canonical systems (rules in the module docstring), in the order of each
    system's first mention; ``pinned`` maps mention ids to a consultant's system id and always wins.
    System ids are ``S-1``, ``S-2``... by that order, or the consultant's id where pinned."""
    known = known or knowledge()
    pinned = {i: s for i, s in (pinned or {}).items() if i in {m.id for m in mentions}}
    keys = resolve(mentions, known)
    groups = _Groups(m.id for m in mentions)
    by_key: dict[str, str] = {}
    for m in mentions:
        if m.id in pinned:  # a consultant's decision: no machine rule moves it
            continue
        k = keys[m.id]
        if k in by_key:
            groups.join(by_key[k], m.id)
        else:
            by_key[k] = m.id
    # names one edit apart (five letters or more) are one system: "chronos" / "kronos" when unknown
    names = [(k[5:], first) for k, first in by_key.items() if k.startswith("name:") and len(k) >= 10]
    for n, (a, first_a) in enumerate(names):
        for b, first_b in names[n + 1 :]:
            if _one_edit(a, b):
                groups.join(first_a, first_b)
    _join_acronyms(mentions, keys, by_key, groups)
    by_pin: dict[str, str] = {}
    for mention_id, system_id in pinned.items():
        if system_id in by_pin:
            groups.join(by_pin[system_id], mention_id)
        else:
            by_pin[system_id] = mention_id
    return _systems(mentions, groups, keys, known, {groups.find(first): s for s, first in by_pin.items()})


def _join_acronyms(mentions: list[Mention], keys: dict[str, str], by_key: dict[str, str], groups: _Groups) -> None:
    """An unresolved name written as an acronym ("the RMS") is one system with the unresolved name it
    abbreviates ("records management system"), when exactly one does."""
    expansions: dict[str, set[str]] = {}
    for m in mentions:
        words = [w for w in tokens(m.text) if w not in ARTICLES]
        if keys[m.id].startswith("name:") and len(words) >= 2 and all(w.isalpha() for w in words):
            expansions.setdefault(initials(words), set()).add(keys[m.id])
    for k, first in by_key.items():
        short = k[5:]
        found = expansions.get(short, set()) if k.startswith("name:") and 2 <= len(short) <= 5 else set()
        if short.isalpha() and len(found) == 1 and (other := next(iter(found))) in by_key and other != k:
            groups.join(first, by_key[other])


def _systems(
    mentions: list[Mention], groups: _Groups, keys: dict[str, str], known: Knowledge, pinned_roots: dict[str, str]
) -> list[System]:
    products = {s.id: s for s in known.systems}
    out: dict[str, System] = {}
    order: list[str] = []
    for m in mentions:
        root = groups.find(m.id)
        if root not in out:
            order.append(root)
            out[root] = System(id=pinned_roots.get(root, ""), name="")
        system = out[root]
        system.mentions.append(m.id)
        if m.text not in system.aliases:
            system.aliases.append(m.text)
        k = keys[m.id]
        if k.startswith("known:") and system.known is None:
            system.known = k[6:]
        elif k.startswith(("kind:", "file")) and system.kind is None:
            system.kind = "file" if k.startswith("file") else k[5:]
    for n, root in enumerate(order, start=1):
        system = out[root]
        system.id = system.id or f"S-{n}"
        system.name = products[system.known].name if system.known else _display_name(system.aliases)
    return [out[r] for r in order]


def _display_name(aliases: list[str]) -> str:
    """The shortest way staff wrote it once articles are gone, as they capitalised it."""
    cleaned = [" ".join(w for w in a.split() if w.lower() not in ARTICLES) or a for a in aliases]
    return min(cleaned, key=lambda a: (len(a), a.lower() == a, a))


def read_mentions(raw: bytes) -> list[Mention]:
    """The mentions in a JSON file's bytes; ``ValueError`` saying which entry is wrong. Ids must be
    unique and texts non-empty."""
    try:
        data = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"not JSON: {exc}") from exc
    if not isinstance(data, list):
        raise ValueError('expected a list of {"id": ..., "text": ...}')
    mentions: list[Mention] = []
    seen: set[str] = set()
    for n, item in enumerate(data, start=1):
        if not isinstance(item, dict) or not str(item.get("id", "")).strip() or not str(item.get("text", "")).strip():
            raise ValueError(f'entry {n}: needs a non-empty "id" and "text"')
        mention = Mention(str(item["id"]), str(item["text"]))
        if mention.id in seen:
            raise ValueError(f"entry {n}: id {mention.id!r} appears twice")
        seen.add(mention.id)
        mentions.append(mention)
    return mentions


def catalogue_json(systems: list[System]) -> dict:
    """The ``dm3 catalogue`` output: ``{"systems": [{"id", "name", "mentions", "aliases", "known"}]}``."""
    return {
        "systems": [
            {"id": s.id, "name": s.name, "mentions": s.mentions, "aliases": s.aliases, "known": s.known}
            for s in systems
        ]
    }
