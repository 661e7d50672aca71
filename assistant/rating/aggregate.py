"""From sentence votes to an indicator's evidence level, its disagreements and its quotes (offline engine).

Counting people, not mentions: every participant gets one level per indicator (from their sentences'
levels, phrases that name a practice outweighing sentences that only sound close to a description),
and the indicator takes a level across participants. Both steps apply the rubric's own rule to
accounts: the level is the highest one that at least half of the accounts reach or exceed (``reached``),
so evidence at 5 supports "at least 4", as the component rule counts indicators. With an odd count
that is the middle account; with an even count split between two levels, the higher one (the
consultant sees every person's level and every quote).

Disagreement is kept, not averaged away: when frontline/supervisor and manager/executive accounts of
an indicator are ``CONFLICT_GAP`` levels apart or more, the indicator leans to the lower side (below
the midpoint) and a ``Split`` records both sides with their people, quotes and the reason; when two
departments of at least ``k`` people each (the engagement's small-group threshold, handed in by the
rating run) are that far apart, the split is recorded (the level stays the one everyone's accounts
give). Groups smaller than ``k`` are never broken out by department.

Quotes: an indicator cites only segments its level rests on, up to ``PER_INDICATOR`` (one per person,
nearest its level first, across themes), and a quote appears once per proposal unless it is the
strongest evidence of two indicators.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from assistant.rating.counts import FRONTLINE_SIDE, LEADERSHIP_SIDE
from assistant.rating.schema import Citation, EvidenceItem, Side, Split

CONFLICT_GAP = 2  # levels between two sides' accounts that count as a disagreement
PER_INDICATOR = 4  # quotes shown per indicator
PER_SIDE = 2  # quotes shown per side of a disagreement
FRONTLINE_LABEL = "frontline staff and supervisors"
LEADERSHIP_LABEL = "managers and executives"


@dataclass
class Vote:
    """One sentence's reading of one indicator."""

    item: EvidenceItem
    sentence: str
    level: int
    by_signal: bool
    similarity: float

    @property
    def key(self) -> tuple[str, str]:
        return (self.item.id, self.sentence)


@dataclass
class IndicatorLevel:
    """An indicator's evidence level, the votes it rests on, each person's level, and any split."""

    level: int
    counted: list[Vote]
    person_level: dict[str, int]
    split: Split | None = None


def reached(levels: Sequence[int]) -> int:
    """The highest level that at least half of ``levels`` (one per account) reach or exceed.

    Rule: the same as the rubric's level rule with ``level_share`` 0.5, applied to accounts instead of
    indicators, so an account at 5 counts as support for every level up to 5 (cumulative support). An
    odd count gives the middle account; an even count split between two levels gives the higher.

    Why (issue 17, round 4): the lower of the two middle values, or the better evidenced of them, made
    every even count between two levels lean to the lower one unless the higher was phrased in the
    rubric's own words, and staff rarely speak in them: plain-word level 4-5 accounts read as 3-4. The
    component rule already gives an even split between two levels to the higher one; the levels it
    takes as input now follow the same rule.
    """
    ordered = sorted(levels)
    return ordered[len(ordered) // 2]


def _build_side(label: str, people: set[str], indicator: IndicatorLevel) -> Side:
    level = reached([indicator.person_level[p] for p in people])
    votes = [v for v in indicator.counted if v.item.participant in people]
    ids = list(dict.fromkeys(v.item.id for v in votes))
    ranked = sorted(votes, key=lambda v: (abs(v.level - level), not v.by_signal, -v.similarity))
    quotes: list[Citation] = []
    seen: set[str] = set()
    for vote in ranked:
        if vote.item.participant not in seen and len(quotes) < PER_SIDE:
            seen.add(vote.item.participant)
            quotes.append(Citation(segment_id=vote.item.id, quote=vote.sentence))
    return Side(label=label, level=level, participants=len(people), segment_ids=ids, citations=quotes)


def indicator_level(votes: list[Vote], conflict_gap: int | None = None, *, k: int) -> IndicatorLevel:
    """The evidence level of one indicator from its votes (see the module docstring for the rules);
    ``k`` is the engagement's small-group threshold: no department under it is broken out."""
    conflict_gap = CONFLICT_GAP if conflict_gap is None else conflict_gap
    per_person: dict[str, list[int]] = defaultdict(list)
    # A person's phrases that name a practice outweigh sentences that merely sound close to a
    # description: when someone has both, only the former set their level (and are counted).
    signalled = {v.item.participant for v in votes if v.by_signal}
    counted = [v for v in votes if v.by_signal or v.item.participant not in signalled]
    people: dict[str, EvidenceItem] = {}
    for vote in counted:
        per_person[vote.item.participant].append(vote.level)
        people.setdefault(vote.item.participant, vote.item)
    person_level = {p: reached(levels) for p, levels in per_person.items()}
    result = IndicatorLevel(reached(list(person_level.values())), counted, person_level)

    if _role_split(result, people, conflict_gap):
        return result
    _department_split(result, people, conflict_gap, k=k)
    return result


def _role_split(result: IndicatorLevel, people: dict[str, EvidenceItem], conflict_gap: int) -> bool:
    """Whether the frontline and leadership accounts are ``conflict_gap`` levels apart or more; if so,
    ``result`` leans to the lower side (below the midpoint) and records the split."""
    front = {p for p, item in people.items() if item.role_level in FRONTLINE_SIDE}
    lead = {p for p, item in people.items() if item.role_level in LEADERSHIP_SIDE}
    if front and lead:
        sides = [_build_side(FRONTLINE_LABEL, front, result), _build_side(LEADERSHIP_LABEL, lead, result)]
        low, high = sorted(side.level for side in sides)
        if high - low >= conflict_gap:
            everyone = result.level
            result.level = min(everyone, low + (high - low - 1) // 2)  # below the midpoint: lean lower
            lower = min(sides, key=lambda side: side.level)
            result.split = Split(
                kind="role",
                sides=sides,
                followed=result.level,
                why=(
                    f"The two sides are {high - low} levels apart. The rule leans to the lower account ({lower.label}, "
                    f"level {lower.level}) and took level {result.level}"
                    + (
                        f" rather than {everyone}, the level at least half of everyone's accounts reach"
                        if everyone != result.level
                        else ""
                    )
                    + ": a practice that one side of the organisation does not see is not yet in place across it."
                ),
            )
            return True
    return False


def _department_split(result: IndicatorLevel, people: dict[str, EvidenceItem], conflict_gap: int, *, k: int) -> None:
    """Records a split (without moving the level) when two departments of at least ``k`` people each are
    ``conflict_gap`` levels apart or more."""
    departments: dict[str, set[str]] = defaultdict(set)
    for p, item in people.items():
        if item.department:
            departments[item.department].add(p)
    large = [_build_side(dept, members, result) for dept, members in sorted(departments.items()) if len(members) >= k]
    if len(large) >= 2:
        lowest = min(large, key=lambda side: side.level)
        highest = max(large, key=lambda side: side.level)
        if highest.level - lowest.level >= conflict_gap:
            result.split = Split(
                kind="department",
                sides=[lowest, highest],
                followed=result.level,
                why=(
                    f"{lowest.label} and {highest.label} are {highest.level - lowest.level} levels apart. "
                    f"The rule took level {result.level}, the level at least half of all {len(result.person_level)} "
                    "people's accounts reach: practice that differs by department is not yet organisation-wide, "
                    "and the difference is for you to weigh."
                ),
            )


def pick_citations(
    indicators: dict[str, IndicatorLevel], per_indicator: int = PER_INDICATOR
) -> dict[str, list[Citation]]:
    """Quotes per indicator from the votes its level rests on: one per participant, nearest the level
    first, then signal matches, then a theme not yet cited for it, then the closest to its descriptions.

    Rule: a quote appears once per proposal; the one exception is a quote that is the strongest
    evidence (first in that order) of more than one indicator, which is cited under each.
    """
    ranked = {
        iid: sorted(ind.counted, key=lambda v: (abs(v.level - ind.level), not v.by_signal, -v.similarity))
        for iid, ind in indicators.items()
    }
    chosen: dict[str, list[Vote]] = {iid: votes[:1] for iid, votes in ranked.items()}
    used = {vote.key for votes in chosen.values() for vote in votes}
    for iid, votes in ranked.items():
        level = indicators[iid].level
        people = {v.item.participant for v in chosen[iid]}
        themes = {v.item.theme for v in chosen[iid]}
        while len(chosen[iid]) < per_indicator:
            left = [v for v in votes if v.item.participant not in people and v.key not in used]
            if not left:
                break
            # min() keeps the first of equals, so the ranking above settles every tie
            vote = min(left, key=lambda v: (abs(v.level - level), not v.by_signal, v.item.theme in themes))
            chosen[iid].append(vote)
            used.add(vote.key)
            people.add(vote.item.participant)
            themes.add(vote.item.theme)
    return {iid: [Citation(segment_id=v.item.id, quote=v.sentence) for v in votes] for iid, votes in chosen.items()}
