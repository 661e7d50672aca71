"""A consultant's edits to themes: rename, summary, merge, move a segment, split.

Every function marks the themes it touches ``curated`` (so a re-run keeps them), writes an
audit event in the same transaction, and leaves committing to the caller.
"""

from __future__ import annotations

import numpy as np
from sqlmodel import Session, select

from assistant.embeddings import Embedder, embed_cached
from assistant.models import Segment, Theme, ThemeMember, User
from assistant.security import audit
from assistant.synthesis.represent import ctfidf_keywords, offline_label, pick_quotes


class CurationError(ValueError):
    """A curation request that cannot be applied; the message says why and what to do."""


def _actor(user: User | None) -> tuple[str, int | None]:
    return (f"consultant {user.email}" if user else "system", user.id if user else None)


def _theme(session: Session, theme_id: int) -> Theme:
    theme = session.get(Theme, theme_id)
    if theme is None or theme.archived:
        raise CurationError(f"Theme {theme_id} does not exist (or was merged away). Reload the page.")
    return theme


def member_ids(session: Session, theme_id: int) -> list[int]:
    """Segment ids of a theme, in id order."""
    return sorted(session.exec(select(ThemeMember.segment_id).where(ThemeMember.theme_id == theme_id)).all())


def _top(theme: Theme, action: str) -> Theme:
    """``theme`` when it is a top theme; a sub-theme is refused for ``action`` (it has no members of its own)."""
    if theme.parent_id is not None:
        raise CurationError(f"“{theme.label}” is a sub-theme: {action} its top theme instead, or rename it.")
    return theme


def _touch(session: Session, theme: Theme) -> None:
    if theme.parent_id is not None:
        # a sub-theme lives inside its top theme: keeping the sub-theme means keeping the top theme
        parent = session.get(Theme, theme.parent_id)
        if parent is not None and not parent.curated:
            _touch(session, parent)
    theme.curated = True
    if theme.is_other:
        theme.is_other = False  # a consultant-shaped group is a theme, not leftovers
    changes = dict(theme.changes or {})
    changes["members"] = member_ids(session, theme.id)
    theme.changes = changes
    session.add(theme)


def _log(session: Session, action: str, theme: Theme, user: User | None, before: dict, after: dict) -> None:
    actor, uid = _actor(user)
    audit(
        session,
        action,
        actor=actor,
        actor_user_id=uid,
        engagement_id=theme.engagement_id,
        entity=f"theme:{theme.id}",
        before=before,
        after=after,
    )


def rename(session: Session, theme_id: int, label: str, user: User | None = None) -> Theme:
    """Set a theme's label (1-120 characters); the theme becomes curated."""
    label = " ".join(label.split())
    if not label or len(label) > 120:
        raise CurationError("A theme label needs 1 to 120 characters.")
    theme = _theme(session, theme_id)
    before = {"label": theme.label}
    theme.label = label
    theme.label_engine = "consultant"
    _touch(session, theme)
    _log(session, "theme.rename", theme, user, before, {"label": label})
    return theme


def edit_summary(session: Session, theme_id: int, summary: str, user: User | None = None) -> Theme:
    """Set a theme's summary (at most 2,000 characters); the theme becomes curated."""
    summary = summary.strip()
    if len(summary) > 2000:
        raise CurationError("A summary is one paragraph: at most 2,000 characters.")
    theme = _theme(session, theme_id)
    before = {"summary": theme.summary}
    theme.summary = summary
    _touch(session, theme)
    theme.changes = {**theme.changes, "summary_by": "consultant"}  # a re-run never rewrites it
    _log(session, "theme.summary", theme, user, before, {"summary": summary})
    return theme


def merge(session: Session, keep_id: int, other_id: int, user: User | None = None) -> Theme:
    """Move every member of ``other_id`` into ``keep_id`` and archive ``other_id``. Same component only."""
    if keep_id == other_id:
        raise CurationError("Pick two different themes to merge.")
    keep, other = _top(_theme(session, keep_id), "merge"), _top(_theme(session, other_id), "merge")
    if keep.component != other.component:
        raise CurationError("Only themes of the same component can be merged; move single segments instead.")
    moved = 0
    for member in session.exec(select(ThemeMember).where(ThemeMember.theme_id == other.id)).all():
        member.theme_id = keep.id
        member.assigned_by = "consultant"
        session.add(member)
        moved += 1
    for sub in session.exec(select(Theme).where(Theme.parent_id == other.id)).all():
        sub.parent_id = keep.id  # the merged theme's sub-themes come along
        session.add(sub)
    session.flush()
    keep.quote_ids = list(dict.fromkeys(list(keep.quote_ids) + list(other.quote_ids)))[:5]
    other.archived = True
    other.changes = {**(other.changes or {}), "merged_into": keep.id}
    session.add(other)
    _touch(session, keep)
    _log(
        session,
        "theme.merge",
        keep,
        user,
        {"themes": [keep.id, other.id], "labels": [keep.label, other.label]},
        {"theme": keep.id, "moved": moved},
    )
    return keep


def move_segment(session: Session, segment_id: int, theme_id: int, user: User | None = None) -> Theme:
    """Put a segment into another theme of its component; both themes become curated.

    Moving a segment to the component's "other voices" takes it out of its theme; other voices
    stay what they are (not a curated theme).
    """
    target = _top(_theme(session, theme_id), "move segments to")
    seg = session.get(Segment, segment_id)
    if seg is None or not seg.active or seg.engagement_id != target.engagement_id:
        raise CurationError(f"Segment E-{segment_id} is not active evidence of this engagement.")
    if seg.component != target.component:
        raise CurationError(f"E-{segment_id} belongs to {seg.component}; pick a theme of that component.")
    member = session.exec(select(ThemeMember).where(ThemeMember.segment_id == segment_id)).first()
    source: Theme | None = None
    if member is None:
        member = ThemeMember(theme_id=target.id, segment_id=segment_id)
    else:
        source = session.get(Theme, member.theme_id)
        member.theme_id = target.id
    member.assigned_by = "consultant"
    if source is None or source.id != target.id:
        member.subtheme_id = None  # its sub-theme belongs to the theme it left
    session.add(member)
    session.flush()
    if source is not None and source.id != target.id:
        source.quote_ids = [q for q in source.quote_ids if q != segment_id]
        if not source.is_other:
            _touch(session, source)
    if not target.is_other:  # moved out to "other voices": those stay leftovers, not a theme
        _touch(session, target)
    _log(
        session,
        "theme.move_segment",
        target,
        user,
        {"theme": source.id if source else None},
        {"theme": target.id, "segment": segment_id},
    )
    return target


def split(session: Session, theme_id: int, embedder: Embedder, user: User | None = None) -> tuple[Theme, Theme]:
    """Split a theme in two by re-clustering its members (Ward, deterministic).

    The larger part keeps the theme (label, summary); the smaller becomes a new consultant
    theme with offline keywords and label. Both are curated. Needs at least 2 members.
    """
    theme = _top(_theme(session, theme_id), "split")
    ids = member_ids(session, theme.id)
    if len(ids) < 2:
        raise CurationError("A theme needs at least two segments to be split.")
    segs = [session.get(Segment, i) for i in ids]
    x, _ = embed_cached(session, embedder, [s.text for s in segs])
    from sklearn.cluster import AgglomerativeClustering

    parts = AgglomerativeClustering(n_clusters=2, linkage="ward").fit_predict(x)
    big = 0 if (parts == 0).sum() >= (parts == 1).sum() else 1
    small_idx = [i for i, p in enumerate(parts) if p != big]
    texts = [s.text for s in segs]
    words = ctfidf_keywords(texts, [[i for i in range(len(ids)) if parts[i] == big], small_idx])
    cent = x[small_idx].mean(axis=0)
    cent /= np.linalg.norm(cent) or 1.0
    scores = (x[small_idx] @ cent).tolist()
    central = small_idx[int(np.argmax(scores))]
    new = Theme(
        engagement_id=theme.engagement_id,
        component=theme.component,
        created_by="consultant",
        curated=True,
        label=offline_label(words[1], texts[central], [texts[i] for i in small_idx]),
        keywords=words[1],
        summary="",
        quote_ids=[ids[i] for i in pick_quotes(small_idx, scores, [s.participant_id for s in segs])],
        centroid=cent.astype(np.float32).tobytes(),
        run_id=theme.run_id,
    )
    session.add(new)
    session.flush()
    for i in small_idx:
        member = session.exec(select(ThemeMember).where(ThemeMember.segment_id == ids[i])).one()
        member.theme_id = new.id
        member.assigned_by = "consultant"
        member.subtheme_id = None
        session.add(member)
    session.flush()
    theme.keywords = words[0] or theme.keywords
    theme.quote_ids = [q for q in theme.quote_ids if q not in {ids[i] for i in small_idx}]
    _touch(session, theme)
    _touch(session, new)
    _log(
        session,
        "theme.split",
        theme,
        user,
        {"theme": theme.id, "size": len(ids)},
        {"themes": [theme.id, new.id], "sizes": [len(ids) - len(small_idx), len(small_idx)]},
    )
    return theme, new
