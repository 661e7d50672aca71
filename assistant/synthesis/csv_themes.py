"""Themes for any CSV column, without an engagement or a database (the public ``dm3 themes``)."""

from __future__ import annotations

from typing import Any

from assistant.csvfile import CSVImportError, check_columns, read_csv
from assistant.embeddings import Embedder
from assistant.privacy import Scrubber
from assistant.sentences import is_non_answer
from assistant.synthesis import themes as T

EMBED_SHARE = 0.6  # the share of the progress given to embedding (the rest: clustering and naming)


def _theme_row(theme_id: int, draft: T.ThemeDraft, parent: int | None) -> dict[str, Any]:
    return {
        "id": theme_id,
        "label": draft.label,
        "keywords": draft.keywords,
        "size": len(draft.members),
        "summary": draft.summary,
        "parent": parent,
    }


def _scrub_names(themes: list[dict[str, Any]]) -> None:
    """No person's name leaves in the export: names found by the model become "[colleague]" in labels
    and summaries, and a key phrase that held one is dropped."""
    texts = [t for theme in themes for t in (theme["label"], theme["summary"], *theme["keywords"])]
    clean = dict(zip(texts, Scrubber().scrub_all(texts), strict=False))
    for theme in themes:
        theme["label"], theme["summary"] = clean[theme["label"]], clean[theme["summary"]]
        theme["keywords"] = [k for k in theme["keywords"] if clean[k] == k]


def themes_for_csv(
    data: bytes,
    text_column: str,
    embedder: Embedder,
    report: T.Report | None = None,
) -> dict[str, Any]:
    """``{"themes": [{id, label, keywords, size, parent}], "assignments": [{row, theme, subtheme}], "summary": {...}}``.

    Themes come at two levels: each top theme (``parent`` null) is followed by its sub-themes
    (``parent`` its id). ``row`` is the 0-based data row; ``theme`` is its top theme, null for rows in
    "other voices", empty rows and non-answers (which are counted in the summary, never dropped from
    ``assignments``); ``subtheme`` is its sub-theme, or null where the top theme has none.
    """
    parsed = read_csv(data)
    check_columns(parsed.header, {"text": text_column})
    if not parsed.rows:
        raise CSVImportError("The file has a header but no rows.")
    texts = [r.get(text_column, "").strip() for r in parsed.rows]
    usable = [i for i, t in enumerate(texts) if t and not is_non_answer(t)]
    say = report or (lambda _f, _m: None)
    say(0.0, f"Embedding {len(usable):,} rows")

    def counted(done: int, total: int) -> None:
        say(EMBED_SHARE * (done / total), f"Embedding {done:,} of {total:,} rows")

    x = embedder.encode([texts[i] for i in usable], counted=counted)

    def building(fraction: float, message: str) -> None:
        say(EMBED_SHARE + (1 - EMBED_SHARE) * fraction, message[:1].upper() + message[1:])

    result = T.build([texts[i] for i in usable], x, encode=embedder.encode, report=building)
    theme_of: dict[int, int] = {}
    sub_of: dict[int, int] = {}
    themes: list[dict[str, Any]] = []
    for draft in result.themes:
        top_id = len(themes) + 1
        themes.append(_theme_row(top_id, draft, None))
        theme_of.update({usable[m]: top_id for m in draft.members})
        for sub in draft.subthemes:
            themes.append(_theme_row(len(themes) + 1, sub, top_id))
            sub_of.update({usable[m]: len(themes) for m in sub.members})
    assignments = [{"row": i, "theme": theme_of.get(i), "subtheme": sub_of.get(i)} for i in range(len(texts))]
    _scrub_names(themes)
    empty = sum(1 for t in texts if not t)
    tops = sum(t["parent"] is None for t in themes)
    return {
        "themes": themes,
        "assignments": assignments,
        "summary": {
            "rows": len(texts),
            "themes": tops,
            "subthemes": len(themes) - tops,
            "assigned": len(theme_of),
            "other_voices": len(result.other),
            "non_answers": len(texts) - len(usable) - empty,
            "empty": empty,
        },
    }
