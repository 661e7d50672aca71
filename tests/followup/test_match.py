"""Theme matching by centres, with hand-computed expectations on small made-up centres."""

from __future__ import annotations

import numpy as np

from assistant.followup.match import Correction, ThemeSide, changed_share, match


def side(theme_id: int, angle_deg: float, people: int, heard: int = 100, z: float = 0.0) -> ThemeSide:
    """A theme whose centre lies at ``angle_deg`` in the x-y plane (cosine of two = cos of the angle between)."""
    a = np.radians(angle_deg)
    v = np.array([np.cos(a), np.sin(a), z], dtype=np.float32)
    return ThemeSide(theme_id, f"theme {theme_id}", v / np.linalg.norm(v), people, heard)


def test_one_to_one_pairs_sizes_and_what_is_left():
    # cos 10° = 0.98 (same theme), cos 90° = 0 (unrelated)
    a = [side(1, 0, 30), side(2, 90, 20), side(3, 180, 10)]
    b = [side(11, 10, 45), side(12, 95, 20), side(13, 270, 12)]
    rows = {(c.a, c.b): c.change for c in match(a, b, threshold=0.6, margin=0.10)}
    # theme 1: 30% -> 45%: grew (by 15 points > 10); theme 2: 20% -> 20%: same
    assert rows[((1,), (11,))] == "grew"
    assert rows[((2,), (12,))] == "same"
    # theme 3 at 180° and theme 13 at 270° are 90° apart: no match
    assert rows[((3,), ())] == "gone" and rows[((), (13,))] == "appeared"


def test_a_split_and_a_merge():
    # earlier 1 at 0° is closest for later 11 (at -20°) and 12 (at +20°): cos 20° = 0.94, so a split
    a = [side(1, 0, 40), side(2, 100, 10), side(3, 120, 10)]
    b = [side(11, -20, 20), side(12, 20, 20), side(13, 110, 25)]
    rows = {c.change: (c.a, c.b) for c in match(a, b, threshold=0.6)}
    assert rows["split"] == ((1,), (11, 12))
    # earlier 2 (100°) and 3 (120°) are both closest to later 13 (110°): merged
    assert rows["merged"] == ((2, 3), (13,))


def test_a_consultant_correction_wins():
    a = [side(1, 0, 30), side(2, 90, 30)]
    b = [side(11, 5, 30), side(12, 85, 30)]
    rows = match(a, b, corrections=[Correction(1, 12)])
    found = {(c.a, c.b): c for c in rows}
    assert found[((1,), (12,))].corrected
    # what the correction left: 2 and 11 are 85° apart, below the threshold
    assert found[((2,), ())].change == "gone" and found[((), (11,))].change == "appeared"


def test_the_same_themes_report_nothing_changed():
    a = [side(i, i * 60, 20) for i in range(1, 5)]
    b = [side(10 + i, i * 60 + 3, 21) for i in range(1, 5)]
    rows = match(a, b)
    assert {c.change for c in rows} == {"same"} and changed_share(rows) == 0.0
