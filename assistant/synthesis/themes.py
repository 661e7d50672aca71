"""Themes within one component, at two levels: cluster segment embeddings into fine groups,
gather the fine groups into the top themes a report can carry, name both, pick quotes.

Pipeline (each step a function over arrays, callable from tests, the CLI and the DB stage):

1. ``clustering.cluster``: fine groups from a Ward tree cut where the data is cohesive; outliers
   join a group or stay in "other voices" (never dropped, at most ``MAX_OTHER`` of the segments).
2. ``clustering.group``: fine groups gathered into the top themes a report can carry (how many
   is chosen by silhouette within ``TOP_RANGE``); the fine groups become each top theme's
   sub-themes (a top theme made of one group has none).
3. ``represent``: c-TF-IDF keywords, an offline label and quotes from distinct people;
   ``name_with_phrases`` (with the embedder) replaces keywords and label by key phrases.

People count once: a theme needs ``MIN_PEOPLE`` distinct people, an answer repeating the same
person's earlier answer follows it (``near_duplicates``), non-answers stay in "other voices".
Everything is deterministic for the same input (the tree is exact; ties break by index).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from assistant.screening import evidence_text, screen_text
from assistant.sentences import split_sentences
from assistant.synthesis.clustering import MAX_OTHER, OTHER, TOP_RANGE, cap_other, cluster, group, reassign
from assistant.synthesis.labels import best_phrase, choose_label, content_words, words_of
from assistant.synthesis.represent import ctfidf_keywords, is_low_content, offline_label, pick_quotes

if TYPE_CHECKING:
    from assistant.synthesis.phrases import Parsed

Encode = Callable[[list[str]], np.ndarray]  # the embedder's encode: texts -> unit vectors
Report = Callable[[float, str], None]  # told (fraction of the build done, what it does now, with counts)
MIN_PEOPLE = 3  # distinct people a theme needs (``Settings.theme_min_people``)
NEAR_DUPLICATE = 0.9  # cosine at which two answers by one person say the same thing (counted once)
SHORT_ANSWER = 5  # the most words of an answer or sentence naming a theme word for word (as of a noun phrase)


@dataclass
class ThemeDraft:
    """One machine theme: member indices (into the input), keywords, label, quotes, centroid."""

    members: list[int]
    keywords: list[str] = field(default_factory=list)
    label: str = ""
    central: int = -1
    quotes: list[int] = field(default_factory=list)
    centroid: np.ndarray | None = None
    scores: list[float] = field(default_factory=list)  # cosine of each member to the centroid
    summary: str = ""
    subthemes: list[ThemeDraft] = field(default_factory=list)  # a top theme's fine groups (none: one group)


@dataclass
class Themes:
    """The result of ``build``: top themes (largest first, each with its sub-themes) and the indices
    left in "other voices"."""

    themes: list[ThemeDraft]
    other: list[int]
    labels: np.ndarray  # per input index: top theme number in ``themes`` or OTHER
    sublabels: np.ndarray | None = None  # per input index: sub-theme number in ``subthemes()`` or OTHER
    min_size: int = 0
    threshold: float = 0.0

    def subthemes(self) -> list[ThemeDraft]:
        """Every sub-theme, in the order of their top themes (the numbering of ``sublabels``)."""
        return [sub for top in self.themes for sub in top.subthemes]


# --- people count once ---------------------------------------------------------------------


def near_duplicates(
    x: np.ndarray, people: Sequence[object] | None, threshold: float = NEAR_DUPLICATE
) -> dict[int, int]:
    """``{index: earlier index}`` for answers that repeat an earlier answer by the same person (cosine at
    least ``threshold``): they follow that answer's theme and never count twice towards one."""
    if people is None:
        return {}
    by_person: dict[object, list[int]] = {}
    for i, p in enumerate(people):
        by_person.setdefault(p, []).append(i)
    out: dict[int, int] = {}
    for rows in by_person.values():
        if len(rows) < 2:
            continue
        sims = x[rows] @ x[rows].T
        for b in range(1, len(rows)):
            for a in range(b):
                if rows[a] not in out and sims[a, b] >= threshold:
                    out[rows[b]] = rows[a]
                    break
    return out


def enforce_people(labels: np.ndarray, people: Sequence[object] | None, min_people: int = MIN_PEOPLE) -> np.ndarray:
    """Labels where every group with fewer than ``min_people`` distinct people became OTHER."""
    labels = labels.copy()
    for lab in sorted(set(labels.tolist()) - {OTHER}):
        rows = np.flatnonzero(labels == lab)
        who = {people[i] for i in rows} if people is not None else set(rows.tolist())
        if len(who) < min_people:
            labels[rows] = OTHER
    return labels


# --- the whole stage --------------------------------------------------------------------------


def _draft(
    x: np.ndarray,
    members: list[int],
    people: Sequence[object] | None,
    groups: Sequence[object] | None,
    n_quotes: int,
    quotable: Sequence[bool] | None = None,
) -> ThemeDraft:
    """A theme over ``members``: centroid, scores, the most central member and quotes, both taken from
    the ``quotable`` members only (an answer with an instruction cut out of it is a voice in the theme,
    never its face)."""
    cent = x[members].mean(axis=0)
    cent = cent / (np.linalg.norm(cent) or 1.0)
    scores = (x[members] @ cent).astype(float).tolist()
    ok = [j for j, m in enumerate(members) if quotable is None or quotable[m]] or list(range(len(members)))
    return ThemeDraft(
        members=members,
        centroid=cent,
        scores=scores,
        central=members[max(ok, key=lambda j: (scores[j], -j))],
        quotes=pick_quotes([members[j] for j in ok], [scores[j] for j in ok], people, groups, n_quotes),
    )


def _instructions(texts: Sequence[str]) -> tuple[list[str], list[bool], list[bool]]:
    """Each text with its instruction sentences cut out (``assistant.screening``), whether it may be
    quoted (no instruction in it), and whether it is left out whole (an instruction, or one at its edge)."""
    found = [screen_text(t) for t in texts]
    cut = [t if f.clean else evidence_text(t) for t, f in zip(texts, found, strict=True)]
    return cut, [f.clean for f in found], [f.whole for f in found]


def _by_size(groups: dict[int, list[int]]) -> list[int]:
    """Keys of ``groups`` largest first, ties by first member (deterministic)."""
    return sorted(groups, key=lambda k: (-len(groups[k]), groups[k][0]))


def build(
    texts: Sequence[str],
    embeddings: np.ndarray,
    people: Sequence[object] | None = None,
    groups: Sequence[object] | None = None,
    min_size: int | None = None,
    n_quotes: int = 5,
    top_range: tuple[int, int] = TOP_RANGE,
    max_other: float = MAX_OTHER,
    encode: Encode | None = None,
    min_people: int = MIN_PEOPLE,
    report: Report | None = None,
) -> Themes:
    """Two-level themes for one component's segments.

    Returns top themes sorted by size (ties by first member), each with its sub-themes (sorted the
    same way; none when the top theme is one fine group), keywords, an offline label, the most
    central segment, quotes from distinct people, and its centroid; indices that fit no theme are
    in ``other`` (never dropped, at most ``max_other`` of the clustered input). People count once:
    a theme or sub-theme needs ``min_people`` distinct people, an answer that repeats the same person's
    earlier answer follows it, and non-answers (``is_low_content``) stay in "other voices". Instructions
    aimed at the assistant or the rater (``assistant.screening``) are never a theme's voice, quote or
    representative: an answer that is one (or opens or ends with one) stays in "other voices", where
    every answer stays visible; an answer with one cut out of its middle joins a theme for its genuine
    words (its keywords and phrases come from them) but is never quoted or central. With
    ``encode`` (the embedder's), labels, keywords and summaries are key phrases (``phrases``);
    without, c-TF-IDF keywords. ``report`` hears each step and its counts as it goes (clustering,
    grouping, naming theme by theme).
    Deterministic for the same input.
    """
    say = report or _silent
    x = np.asarray(embeddings, dtype=np.float32)
    say(0.0, f"clustering {len(x):,} segments")
    texts, quotable, whole = _instructions(texts)
    fine, used_min, threshold = _fine_groups(x, texts, people, min_size, max_other, min_people, whole)
    gathering = f"gathering {len(set(fine.tolist()) - {OTHER}):,} groups into top themes"
    say(0.4, gathering)

    def cuts(done: int, total: int) -> None:
        say(0.4 + 0.1 * done / total, f"{gathering}: {done:,} of {total:,} ways tried")

    drafts, subs, labels, sublabels = _two_levels(x, fine, top_range, people, groups, n_quotes, quotable, cuts)
    say(0.5, f"naming {len(drafts) + len(subs):,} themes")
    _name_offline(texts, drafts)
    _name_offline(texts, subs)
    if encode is not None:
        name_with_phrases(texts, drafts, encode, people, lambda f, m: say(0.5 + 0.5 * f, m))
    return Themes(
        themes=drafts,
        other=np.flatnonzero(labels == OTHER).tolist(),
        labels=labels,
        sublabels=sublabels,
        min_size=used_min,
        threshold=threshold,
    )


def _silent(_fraction: float, _message: str) -> None:
    """A ``Report`` that tells nobody."""


def _fine_groups(
    x: np.ndarray,
    texts: Sequence[str],
    people: Sequence[object] | None,
    min_size: int | None,
    max_other: float,
    min_people: int,
    whole: Sequence[bool],
) -> tuple[np.ndarray, int, float]:
    """The fine cluster of every segment (``OTHER`` for none), clustering only the voiced answers
    (no non-answers, no repeats) under the people rule; a repeated answer follows the one it repeats.
    Returns the labels, the minimum cluster size used and the clustering threshold."""
    copies = {c: o for c, o in near_duplicates(x, people).items() if not whole[c]}
    voiced = [i for i in range(len(x)) if i not in copies and not is_low_content(texts[i]) and not whole[i]]
    sub_people = [people[i] for i in voiced] if people is not None else voiced
    xv = x[voiced]
    part, used_min, threshold = cluster(xv, min_size)
    part = reassign(xv, enforce_people(reassign(xv, part), sub_people, min_people))
    part = cap_other(xv, enforce_people(part, sub_people, min_people), max_other)
    fine = np.full(len(x), OTHER, dtype=int)
    fine[voiced] = part
    for copy, original in sorted(copies.items()):
        fine[copy] = fine[original]  # a repeated answer follows the one it repeats
    return fine, used_min, threshold


def _two_levels(
    x: np.ndarray,
    fine: np.ndarray,
    top_range: tuple[int, int],
    people: Sequence[object] | None,
    groups: Sequence[object] | None,
    n_quotes: int,
    quotable: Sequence[bool] | None = None,
    counted: Callable[[int, int], None] | None = None,
) -> tuple[list[ThemeDraft], list[ThemeDraft], np.ndarray, np.ndarray]:
    """Top themes grouping the fine clusters, each with its fine clusters as sub-themes when it holds
    more than one. Returns the top drafts, every sub-theme draft, and each segment's top and sub label.
    ``counted`` hears the grouping's cuts scored (``clustering.group``)."""
    top_of = group(x, fine, top_range, counted=counted)
    tops: dict[int, list[int]] = {}
    for i, v in enumerate(fine.tolist()):
        if v != OTHER:
            tops.setdefault(top_of[v], []).append(i)
    labels = np.full(len(x), OTHER, dtype=int)
    sublabels = np.full(len(x), OTHER, dtype=int)
    drafts: list[ThemeDraft] = []
    subs: list[ThemeDraft] = []
    for number, key in enumerate(_by_size(tops)):
        members = tops[key]
        labels[members] = number
        draft = _draft(x, members, people, groups, n_quotes, quotable)
        parts: dict[int, list[int]] = {}
        for i in members:
            parts.setdefault(int(fine[i]), []).append(i)
        if len(parts) > 1:
            for part in _by_size(parts):
                sublabels[parts[part]] = len(subs)
                sub = _draft(x, parts[part], people, groups, n_quotes, quotable)
                draft.subthemes.append(sub)
                subs.append(sub)
        drafts.append(draft)
    return drafts, subs, labels, sublabels


def _name_offline(texts: Sequence[str], drafts: list[ThemeDraft]) -> None:
    """c-TF-IDF keywords across ``drafts`` and an offline label for each."""
    for draft, words in zip(drafts, ctfidf_keywords(texts, [d.members for d in drafts]), strict=False):
        draft.keywords = words
        draft.label = offline_label(words, texts[draft.central], [texts[i] for i in draft.members])


def name_with_phrases(
    texts: Sequence[str],
    tops: list[ThemeDraft],
    encode: Encode,
    people: Sequence[object] | None = None,
    report: Report | None = None,
) -> None:
    """Give each theme and sub-theme key phrases as keywords, a phrase label and a one-sentence summary.

    Rules: candidates come from each theme's ``phrases.MAX_TEXTS`` most typical segments (parsed
    once); the label is the first key phrase a consultant could keep (``labels.choose_label``), else
    the candidate closest to the theme's centre that qualifies, else a longer phrase members say
    (``_longer_phrase``), else a short answer two typical members gave word for word or a phrase one
    of them says, holding a word of the theme's (``_unshared_label``), else its best phrase (it needs a name);
    labels are unique among top themes and among a top theme's sub-themes (and differ from the top
    theme's); a theme with no phrase two members say keeps its c-TF-IDF keywords, and its offline label
    unless ``_unshared_label`` finds one. ``report`` hears the
    parse, the phrases' encoding and each theme named, with counts.
    """
    from assistant.synthesis import phrases as P

    say = report or _silent
    every = [d for top in tops for d in (top, *top.subthemes)]
    parsed, row, pools, vectors = _phrase_pools(texts, every, encode, say)
    named = 0

    def name(d: ThemeDraft, taken: set[str]) -> None:
        assert d.centroid is not None
        found = P.key_phrases(pools[id(d)], d.centroid, vectors)
        who = len({people[i] for i in d.members}) if people is not None else len(d.members)
        rows = [row[i] for i in _typical(d)]
        members = [texts[i] for i in d.members]
        if found:
            closest = _by_relevance(pools[id(d)], d.centroid, vectors)
            d.label = (
                choose_label(found, taken)
                or choose_label(closest, taken)
                or _longer_phrase(parsed, rows, members, found, taken)
                or _without_shared_phrase(d, parsed, rows, members, found, taken)
                or P.label_of(found, taken)
                or _offline_phrase(d, {p for r in rows for p in parsed.phrases[r]})
            )
            d.keywords = found
            rest = [p for p in found if p.lower() != d.label.lower()]
            d.summary = P.one_sentence([d.label.lower(), *rest][:3], who, len(d.members))
        else:  # no phrase two members say: one of a typical member's, else the offline label if a phrase
            d.label = _without_shared_phrase(d, parsed, rows, members, found, taken) or _offline_phrase(
                d, {p for r in rows for p in parsed.phrases[r]}
            )
        taken.add(d.label.lower())
        nonlocal named
        named += 1
        say(0.75 + 0.25 * named / len(every), f"named {named:,} of {len(every):,} themes")

    top_taken: set[str] = set()
    for top in tops:
        name(top, top_taken)
        sub_taken = {top.label.lower()}
        for sub in top.subthemes:
            name(sub, sub_taken)


def _typical(d: ThemeDraft) -> list[int]:
    """The members a theme's candidate phrases are read from: its ``phrases.MAX_TEXTS`` most typical."""
    from assistant.synthesis.phrases import MAX_TEXTS

    return [m for _, m in sorted(zip((-s for s in d.scores), d.members, strict=False))][:MAX_TEXTS]


def _phrase_pools(
    texts: Sequence[str], every: list[ThemeDraft], encode: Encode, say: Report
) -> tuple[Parsed, dict[int, int], dict[int, list[str]], dict[str, np.ndarray]]:
    """The typical texts of ``every`` theme parsed once, the parse's row of each text index, each theme's
    candidate pool (by ``id``) and the candidates' vectors; ``say`` hears the parse and the encoding."""
    from assistant.synthesis import phrases as P

    wanted = sorted({i for d in every for i in _typical(d)})
    parsed = P.Parsed(
        [texts[i] for i in wanted],
        lambda done, total: say(0.5 * (done / total), f"reading {done:,} of {total:,} texts"),
    )
    row = {i: r for r, i in enumerate(wanted)}
    found = parsed.pools([([row[i] for i in _typical(d)], [texts[i] for i in d.members]) for d in every])
    pools = {id(d): pool for d, pool in zip(every, found, strict=True)}
    candidates = {p for pool in pools.values() for p in pool}
    say(0.5, f"embedding {len(candidates):,} key phrases")
    return parsed, row, pools, P.encode_phrases(encode, candidates)


def _longer_phrase(
    parsed: Parsed, rows: Sequence[int], member_texts: Sequence[str], found: Sequence[str], taken: set[str]
) -> str | None:
    """A label for a theme whose candidate pool holds no phrase a consultant could keep (its most said
    phrases are single words: the pool keeps only the most said): the phrase of its typical texts that
    qualifies, at least two members say, names nobody and holds a word of its best key phrase, the
    most said first (ties alphabetical); else two of its key phrases joined by "and" as a member wrote
    them (key phrases name nobody); None when there is none."""
    from assistant.synthesis.phrases import ranked_candidates

    words = set(found[0].lower().split()) if found else set()
    for phrase in ranked_candidates([parsed.phrases[r] for r in rows], member_texts):
        if words & set(phrase.split()) and choose_label([phrase], taken) and parsed.unnamed(phrase, rows):
            return choose_label([phrase], taken)
    # two of its key phrases joined as a member wrote them ("immigrants and refugees")
    said = " ".join(" ".join(t.lower().split()) for t in member_texts)
    pairs = [f"{a} and {b}" for a in found[:3] for b in found[:3] if a != b]
    return next((choose_label([p], taken) for p in pairs if f" {p} " in f" {said} " and choose_label([p], taken)), None)


def _without_shared_phrase(
    d: ThemeDraft, parsed: Parsed, rows: Sequence[int], members: Sequence[str], found: Sequence[str], taken: set[str]
) -> str | None:
    """``_unshared_label`` for a theme whose shared phrases make no label, with the words its members share
    and its own words (its key phrases ``found`` and its c-TF-IDF keywords)."""
    return _unshared_label(parsed, rows, _shared_words(members, [*found, *d.keywords]), taken)


def _offline_phrase(d: ThemeDraft, said: set[str]) -> str:
    """The offline label of a theme with no key phrase when it is one of the (noun) phrases its typical
    texts say (``said``), else its best single keyword (it needs a name): the offline label is a c-TF-IDF
    word pair members wrote, and most often a verb's ("Gets fixed", "Email entered"), no noun phrase."""
    if d.label.lower() in said or not d.keywords:
        return d.label
    return best_phrase(list(dict.fromkeys(w for k in d.keywords for w in k.split()))) or d.label


def _shared_words(member_texts: Sequence[str], keywords: Sequence[str]) -> tuple[set[str], set[str]]:
    """The words at least two of ``member_texts`` use, and the content words among them that are the
    theme's own (in its ``keywords``: its key phrases and c-TF-IDF keywords)."""
    counts = Counter(w for t in member_texts for w in set(words_of(t)))
    shared = {w for w, n in counts.items() if n >= 2}
    return shared, shared.intersection(w for k in keywords for w in content_words(k))


def _unshared_label(
    parsed: Parsed, rows: Sequence[int], words: tuple[set[str], set[str]], taken: set[str]
) -> str | None:
    """A label for a theme whose members share no phrase a consultant could keep (small themes, or ones
    whose shared phrases are single words), from its most typical texts (``rows``, most typical first),
    made of words two members use and holding one of the theme's own (``words``: ``_shared_words``),
    free and naming nobody (one person's words are an anecdote, not a theme's name): a short answer or
    sentence two of them wrote word for word ("Ask IT", "Did not answer", "Over a month"), else a noun
    phrase of theirs; the one most of them say first, then the one said by the most typical (nothing
    more is encoded: a re-run stays as fast); None when there is none: the theme needs a name."""
    shared, own = words

    def fits(phrase: str) -> bool:
        return (
            bool(own.intersection(content_words(phrase)))
            and set(words_of(phrase)) <= shared
            and bool(choose_label([phrase], taken))
        )

    answers: dict[str, list[int]] = {}
    for r in rows:
        for sentence in dict.fromkeys(" ".join(s.text.split()).strip(" .!?") for s in split_sentences(parsed.texts[r])):
            answers.setdefault(sentence, []).append(r)
    for text in sorted(answers, key=lambda t: -len(answers[t])):  # stable: the most typical first on ties
        short = len(text.split()) <= SHORT_ANSWER  # a longer sentence is a statement, not a name
        if short and len(answers[text]) >= 2 and fits(text) and parsed.names_nobody(answers[text][0]):
            return choose_label([text])
    said = Counter(p for r in rows for p in dict.fromkeys(parsed.phrases[r]))
    ranked = sorted((p for p in said if fits(p)), key=lambda p: -said[p])  # stable: the most typical first
    return next((choose_label([p]) for p in ranked if parsed.unnamed(p, rows)), None)


def _by_relevance(pool: Sequence[str], centroid: np.ndarray, vectors: dict[str, np.ndarray]) -> list[str]:
    """A theme's candidate phrases, closest to its centre first (ties alphabetical)."""
    scored = [(-float(vectors[p] @ centroid), p) for p in pool if p in vectors]
    return [p for _, p in sorted(scored)]


def label_counts(labels: np.ndarray) -> Counter:
    """Size of each label (OTHER included), for summaries."""
    return Counter(labels.tolist())
