"""How a theme is represented in words: c-TF-IDF keywords (BERTopic's representation), an offline
label, representative quotes from distinct people, and the test for a non-answer that must never
become a theme."""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from assistant.phrases import stop_words

# Words that carry no finding on their own: an answer made only of these (and stop words) is a
# non-answer ("Fine, usually, depends on the day"), set aside in "other voices", never a theme.
_FILLER = frozenset(
    """
    fine ok okay alright good great bad well usually depends depend depending sometimes generally normally mostly
    often rarely pretty quite really very much day days time times thing things stuff yes yeah no nope maybe
    probably guess know think sure unsure idea same above ditto idk etc answer question comment comments
    nothing everything something anything applicable nah meh sort kind just
""".split()
)

_TOKEN = re.compile(r"[a-z][a-z'\-]+")


def filler_words() -> frozenset[str]:
    """Words that carry no finding on their own ("fine", "usually", "depends")."""
    return _FILLER


def ctfidf_keywords(texts: Sequence[str], groups: Sequence[list[int]], top: int = 6) -> list[list[str]]:
    """c-TF-IDF keywords for each group of text indices (unigrams and bigrams, English stop words removed)."""
    from sklearn.feature_extraction.text import CountVectorizer

    docs = [" ".join(texts[i] for i in g) for g in groups]
    if not docs or not any(d.strip() for d in docs):
        return [[] for _ in groups]
    vec = CountVectorizer(
        ngram_range=(1, 2), stop_words=sorted(stop_words()), token_pattern=r"(?u)\b[a-zA-Z][a-zA-Z'\-]+\b"
    )
    try:
        counts = vec.fit_transform(docs).astype(np.float64).toarray()
    except ValueError:  # only stop words
        return [[] for _ in groups]
    vocab = vec.get_feature_names_out()
    tf = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
    avg_words = counts.sum() / len(docs)
    idf = np.log(1 + avg_words / np.maximum(counts.sum(axis=0), 1))
    scores = tf * idf
    out = []
    for row in scores:
        order = np.argsort(-row, kind="stable")
        words: list[str] = []
        for j in order:
            if row[j] <= 0 or len(words) >= top:
                break
            w = vocab[j]
            # skip a unigram already inside a chosen bigram and vice versa
            if any(w in chosen.split() or chosen in w.split() for chosen in words):
                continue
            words.append(w)
        out.append(words)
    return out


def offline_label(keywords: Sequence[str], central_text: str, member_texts: Sequence[str] = ()) -> str:
    """A label without key phrases: the best keyword that is a phrase the members wrote word for word
    (``labels.is_phrase_label``), else the best single keyword (the theme then needs a name); never a
    list of keywords. The central segment's first words stand in only when there is no keyword at all."""
    from assistant.synthesis.labels import best_phrase, choose_label

    said = " ".join(t.lower() for t in (*member_texts, central_text))
    phrase = choose_label([k for k in keywords if k.lower() in said])
    if phrase or keywords:
        return phrase or best_phrase(keywords) or keywords[0][:1].upper() + keywords[0][1:]
    snippet = re.sub(r"\s+", " ", central_text).strip()
    words = snippet.split()
    return " ".join(words[:7]) + ("\u2026" if len(words) > 7 else "") if snippet else "Theme"


def pick_quotes(
    members: Sequence[int],
    scores: Sequence[float],
    people: Sequence[object] | None = None,
    groups: Sequence[object] | None = None,
    n: int = 5,
) -> list[int]:
    """Up to ``n`` representative member indices: typical first, then spread over people and groups.

    Rule: walk members from most to least central; take one only if its person is not yet
    quoted, preferring a group (department/role) not yet quoted. A quote never repeats a person
    while another person is available (count people, not mentions).
    """
    order = [m for _, m in sorted(zip((-s for s in scores), members, strict=False), key=lambda t: (t[0], t[1]))]
    # only the typical half of the theme competes, so quotes stay on-topic
    pool = order[: max(n, (len(order) + 1) // 2)]
    person = (lambda i: people[i]) if people is not None else (lambda i: i)
    group = (lambda i: groups[i]) if groups is not None else (lambda i: None)
    chosen: list[int] = []
    seen_people: set = set()
    seen_groups: set = set()
    for prefer_new_group in (True, False):
        for i in pool:
            if len(chosen) >= n:
                break
            if i in chosen or person(i) in seen_people:
                continue
            if prefer_new_group and group(i) in seen_groups:
                continue
            chosen.append(i)
            seen_people.add(person(i))
            seen_groups.add(group(i))
    return chosen


def is_low_content(text: str) -> bool:
    """True when ``text`` has no word beyond stop words and fillers ("fine", "usually", "depends"):
    a non-answer that must not become a theme (it goes to "other voices")."""
    words = _TOKEN.findall(text.lower().replace("\u2019", "'"))
    stop = stop_words()
    return not any(w not in stop and w not in _FILLER for w in words)
