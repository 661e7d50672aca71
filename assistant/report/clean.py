"""Staff-derived text (rationales, theme labels and summaries) as a client may read it: a quoted
passage not from someone who agreed to be quoted is replaced by "[quote withheld]", and names pass
the engagement's scrubber."""

from __future__ import annotations

import re

from assistant.report.sources import Sources

WITHHELD = "[quote withheld]"
_QUOTED = re.compile(r"[\"“]([^\"”]{12,})[\"”]")


def withhold_quotes(text: str, allowed: list[str]) -> str:
    """``text`` with every quoted passage (12+ characters in double quotes) replaced by
    "[quote withheld]" unless it appears in one of the ``allowed`` (consented) texts."""

    def repl(m: re.Match[str]) -> str:
        passage = m.group(1).strip()
        return m.group(0) if any(passage in a for a in allowed) else WITHHELD

    return _QUOTED.sub(repl, text or "")


def clean(src: Sources, text: str) -> str:
    """``text`` with unconsented quoted passages withheld and names replaced."""
    if not _QUOTED.search(text or ""):
        return src.names.scrub(text or "")
    allowed = [e.segment.text for e in src.evidence.values() if e.consented]
    return src.names.scrub(withhold_quotes(text, allowed))
