"""Near-duplicate answers across open-link participants: flagged for the consultant, left out of
ratings until a consultant accepts them.

The open link lets anyone sign up, so one person (or a script) can sign up several times and
answer each time with the same rubric phrases: in the tester's report five such sign-ups moved four
components from level 2 to level 5. Honest people describe their own work in their own words;
two people whose longer answers are nearly word-for-word the same are worth a consultant's look.

Words alone were not enough: 20 fake sign-ups whose answers reworded the same text with filler
words passed (word 3-grams no longer matched, and answers under 8 words were never compared). So
meaning counts too, through the project's embedder.

Rule: an answer counts when it has at least ``MIN_WORDS_MEANING`` words; two answers of different
people are near-duplicates when the Jaccard similarity of their word 3-grams is at least ``SIMILAR``
(answers of ``MIN_WORDS`` words or more) or, when an embedder is given, the cosine similarity of
their embeddings is at least ``SIMILAR_MEANING``; an open-link participant is flagged when at least
``MIN_SHARED`` of their counted answers, and at least ``SHARE`` of them, have a near-duplicate among
another open-link participant's answers. Only the current text of each answer counts (an answer
replaced by an edit does not). A participant a consultant accepted stays accepted.

``SIMILAR_MEANING`` was measured with ``bench/flood_eval.py --measure`` on the demo answer bank
(all-MiniLM-L6-v2): reworded copies of an answer (filler words, swapped words, sentences reordered)
have a median cosine of 0.87 with it; the 1,644 pairs of different answers to one question (honest
colleagues on one topic) reach at most 0.84 (p99 0.70). At 0.85 no honest pair is joined and 62% of
reworded copies are caught one by one; a participant needs two caught answers and half their answers.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence

import numpy as np
from sqlmodel import Session, col, select

from assistant.embeddings import Embedder, embed_cached
from assistant.models import Engagement, Interview, Participant, Turn, User, utcnow
from assistant.security import about_participant, audit, audit_by

MIN_WORDS = 8  # word 3-grams need a longer answer to mean anything
SIMILAR = 0.6
MIN_WORDS_MEANING = 4  # "We use Excel daily" is compared by meaning; "I don't know" is not
SIMILAR_MEANING = 0.85
MIN_SHARED = 2
SHARE = 0.5
FLAG = "near_duplicate"
_WORD = re.compile(r"[a-z0-9']+")


class FlagError(ValueError):
    """A flag could not be accepted; the message says why."""


def shingles(text: str) -> frozenset[tuple[str, ...]]:
    """The word 3-grams of ``text`` (lower case, punctuation ignored); empty below ``MIN_WORDS`` words."""
    words = _WORD.findall(text.lower())
    if len(words) < MIN_WORDS:
        return frozenset()
    return frozenset(tuple(words[i : i + 3]) for i in range(len(words) - 2))


def _current_answers(session: Session, engagement_id: int) -> dict[int, list[str]]:
    """{participant id: current answer texts} of the engagement's open-link participants still taking part."""
    rows = session.exec(
        select(Turn, Interview.participant_id)
        .join(Interview, Interview.id == Turn.interview_id)
        .join(Participant, Participant.id == Interview.participant_id)
        .where(
            Participant.engagement_id == engagement_id,
            Participant.source == "open_link",
            col(Participant.withdrawn_at).is_(None),
            Turn.role == "staff",
            Turn.kind == "answer",
        )
        .order_by(Turn.id)
    ).all()
    replaced = {turn.supersedes_id for turn, _ in rows if turn.supersedes_id}
    out: dict[int, list[str]] = defaultdict(list)
    for turn, participant_id in rows:
        if turn.id not in replaced:
            out[participant_id].append(turn.text)
    return out


def word_count(text: str) -> int:
    """How many words ``text`` has (as ``shingles`` counts them)."""
    return len(_WORD.findall(text.lower()))


Encode = Callable[[Sequence[str]], np.ndarray]  # texts -> unit vectors, one row each


def _same_words(items: list[tuple[int, str]], matched: dict[int, dict[int, set[int]]]) -> None:
    grams_of = [shingles(text) for _, text in items]
    index: dict[tuple[str, ...], list[int]] = defaultdict(list)
    for n, grams in enumerate(grams_of):
        for gram in grams:
            index[gram].append(n)
    for n, grams in enumerate(grams_of):
        if not grams:
            continue
        pid = items[n][0]
        overlap = Counter(m for gram in grams for m in index[gram] if items[m][0] != pid)
        for m, shared in overlap.items():
            if shared / (len(grams) + len(grams_of[m]) - shared) >= SIMILAR:
                matched[pid][items[m][0]].add(n)


def _same_meaning(items: list[tuple[int, str]], encode: Encode, matched: dict[int, dict[int, set[int]]]) -> None:
    vectors = encode([text for _, text in items])
    owners = np.array([pid for pid, _ in items])
    sims = vectors @ vectors.T
    sims[owners[:, None] == owners[None, :]] = -1.0  # a person never duplicates themself
    for n, m in zip(*np.nonzero(sims >= SIMILAR_MEANING), strict=True):
        matched[items[n][0]][items[m][0]].add(int(n))


def near_duplicates(answers: dict[int, list[str]], encode: Encode | None = None) -> dict[int, set[int]]:
    """{participant: the other participants they nearly repeat} under the module's rule: by word
    3-grams, and by meaning when ``encode`` (texts to unit embedding vectors) is given."""
    floor = MIN_WORDS_MEANING if encode is not None else MIN_WORDS
    items = [(pid, text) for pid, texts in answers.items() for text in texts if word_count(text) >= floor]
    counted = Counter(pid for pid, _ in items)
    matched: dict[int, dict[int, set[int]]] = defaultdict(lambda: defaultdict(set))  # pid -> other -> answer nos
    _same_words(items, matched)
    if encode is not None and items:
        _same_meaning(items, encode, matched)
    out: dict[int, set[int]] = {}
    for pid, others in matched.items():
        repeated = set().union(*others.values())
        if len(repeated) >= MIN_SHARED and len(repeated) >= SHARE * counted[pid]:
            out[pid] = set(others)
    return out


def flag_near_duplicates(session: Session, engagement_id: int, embedder: Embedder | None = None) -> list[int]:
    """Flag the engagement's open-link participants whose answers nearly repeat another's, by words
    and (with ``embedder``, vectors read from and kept in the embedding cache) by meaning (audited;
    the caller commits). Returns the ids newly flagged; accepted participants are left as they are."""
    encode = (lambda texts: embed_cached(session, embedder, texts)[0]) if embedder is not None else None
    found = near_duplicates(_current_answers(session, engagement_id), encode)
    if not found:
        return []
    people = session.exec(select(Participant).where(col(Participant.id).in_(list(found)))).all()
    labels = dict(
        session.exec(
            select(Participant.id, Participant.public_label).where(
                col(Participant.id).in_(set().union(*found.values()))
            )
        ).all()
    )
    flagged = []
    for person in people:
        if person.flag_accepted_at is not None:
            continue
        note = "answers nearly repeat " + ", ".join(sorted(labels[o] for o in found[person.id]))
        if person.flag == FLAG and person.flag_note == note:
            continue
        if person.flag != FLAG:
            flagged.append(person.id)
        person.flag, person.flag_note = FLAG, note
        session.add(person)
        after = {"flag": FLAG, "note": note}
        audit(session, "participant.flag", actor="system", **about_participant(person, after=after))
    return sorted(flagged)


def flagged_participants(session: Session, engagement_id: int) -> list[Participant]:
    """The engagement's participants flagged and not yet accepted, by public label (what the page lists)."""
    return list(
        session.exec(
            select(Participant)
            .where(
                Participant.engagement_id == engagement_id,
                Participant.flag != "",
                col(Participant.flag_accepted_at).is_(None),
                col(Participant.withdrawn_at).is_(None),
            )
            .order_by(Participant.public_label, Participant.id)
        ).all()
    )


def accept(session: Session, engagement: Engagement, label: str, user: User | None) -> Participant:
    """Accept the flagged participant with public label ``label`` (``P-7KQ2MX``): their answers count in
    the next rating (audited)."""
    person = session.exec(
        select(Participant).where(Participant.engagement_id == engagement.id, Participant.public_label == label)
    ).first()
    if person is None or not person.flag:
        raise FlagError("That participant is not flagged in this engagement. Reload the page.")
    if person.flag_accepted_at is None:
        person.flag_accepted_at = utcnow()
        session.add(person)
        before = {"flag": person.flag, "note": person.flag_note}
        audit_by(session, "participant.flag_accept", user, **about_participant(person, before))
    return person
