"""What a withdrawal erases, at once, before the person is told it is done.

A person who withdraws takes their words with them: not at the next synthesis run, not when five
newer exports push an old one out, but in the same transaction that records the withdrawal. What is
kept is what the audit must prove: that a withdrawal happened (the ``participant.withdraw`` event,
the participant row with its department, role level and ``withdrawn_at``, and empty shells of their
turns and segments, so counts and ids elsewhere stay consistent).

The rule, for every place their words were stored:
- their turns (every answer, edit, skip note, and the follow-ups and acknowledgements the interviewer
  wrote to them, which may echo their words) and their segments are emptied; the rubric's own
  questions stay;
- cached sentence vectors of their texts are deleted unless another segment still has that text;
- a theme's machine-made words built partly from their answers (summary) are emptied, and its label
  and key phrases are withheld where their text contains them and no one else's remaining answers do:
  the label becomes the first key phrase left, or "Unnamed theme" (live and archived themes alike;
  the next synthesis names it again); their segments leave every theme's quotes;
- rating proposals keep their structure, with quotes from their segments and any of their sentences
  in the rationale replaced by ``WITHDRAWN``;
- every export file of the engagement is deleted, the progress report's too (each may hold their
  words; the consultant exports again), and so are the progress-report files of the assessments that
  follow it (they count this one's answers: levels then, answers to the questions asked in both);
- LLM call log replies of the engagement since their interview began are emptied (the model's reply
  may repeat or paraphrase their words; the cache never serves an emptied reply);
- audit values (a label before a rename, say) that their text contains are replaced by ``WITHDRAWN``;
- their data-flow map entries are deleted (flows with their notes, system mentions, the aliases they
  wrote); a system's name that only they wrote becomes another remaining spelling, or ``WITHDRAWN``
  when no one else named it, and a catalogue split naming only their spelling keeps ``WITHDRAWN``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete
from sqlmodel import Session, col, select

from assistant.embeddings import text_hash
from assistant.models import (
    AuditEvent,
    CatalogueEdit,
    Embedding,
    Engagement,
    ExportFile,
    Flow,
    Interview,
    LLMCall,
    Participant,
    RatingProposal,
    Run,
    Segment,
    System,
    SystemAlias,
    SystemMention,
    Theme,
    Turn,
)
from assistant.records.links import unlink

WITHDRAWN = "[withdrawn]"
UNNAMED = "Unnamed theme"
REPLY_REMOVED = "reply removed: a participant withdrew"
# interviewer turns that are fixed rubric text, not written to this person
_KEPT_KINDS = {"question"}
_SPACE = re.compile(r"\s+")


@dataclass
class Erased:
    """What one withdrawal erased, counted (for the audit event and the tests)."""

    turns: int = 0
    segments: int = 0
    vectors: int = 0
    themes: int = 0
    proposals: int = 0
    exports: int = 0
    llm_replies: int = 0
    audit_values: int = 0
    flows: int = 0

    def as_dict(self) -> dict[str, int]:
        return dict(vars(self))


def _norm(text: str) -> str:
    return _SPACE.sub(" ", text).strip().lower()


class _Words:
    """The withdrawn person's texts, and everyone else's remaining ones, for 'whose words is this?'."""

    def __init__(self, theirs: Iterable[str], others: Iterable[str]) -> None:
        self.theirs = [t for t in (_norm(x) for x in theirs) if t]
        self._their_blob = "\n".join(self.theirs)
        self._other_blob = "\n".join(t for t in (_norm(x) for x in others) if t)

    def only_theirs(self, phrase: str) -> bool:
        """True when ``phrase`` appears in their text and in nobody else's remaining answers."""
        p = _norm(phrase)
        return bool(p) and p in self._their_blob and p not in self._other_blob

    def in_theirs(self, value: str) -> bool:
        p = _norm(value)
        return len(p) >= 3 and p in self._their_blob

    def scrub(self, text: str) -> str:
        """``text`` with every one of their sentences (and whole answers) replaced by ``WITHDRAWN``."""
        out = text
        for sentence in sorted(_sentences(self.theirs), key=len, reverse=True):
            out = re.sub(re.escape(sentence), WITHDRAWN, out, flags=re.IGNORECASE)
        return out


def _sentences(texts: list[str]) -> set[str]:
    found: set[str] = set()
    for t in texts:
        found.add(t)
        found.update(s.strip() for s in re.split(r"(?<=[.!?;])\s+", t) if len(s.strip()) >= 12)
    return found


def erase_participant(session: Session, participant: Participant) -> Erased:
    """Erase ``participant``'s words from every table (see the module docstring); adds the changes to the
    session for the caller to commit with the withdrawal itself. Returns the counts."""
    erased = Erased()
    unlink(session, participant)  # no link to their answers in another assessment survives them
    interview = session.exec(select(Interview).where(Interview.participant_id == participant.id)).first()
    turns = list(session.exec(select(Turn).where(Turn.interview_id == interview.id)).all()) if interview else []
    segments = list(session.exec(select(Segment).where(Segment.participant_id == participant.id)).all())
    others = session.exec(
        select(Segment.text).where(
            Segment.engagement_id == participant.engagement_id,
            Segment.participant_id != participant.id,
            col(Segment.active).is_(True),
        )
    ).all()
    words = _Words([t.text for t in turns if t.role == "staff"] + [s.text for s in segments], others)
    _erase_turns(session, turns, erased)
    hashes = _erase_segments(session, segments, erased)
    _erase_vectors(session, hashes, erased)
    seg_ids = {s.id for s in segments}
    _erase_themes(session, participant.engagement_id, seg_ids, words, erased)
    _erase_proposals(session, participant.engagement_id, {str(i) for i in seg_ids}, words, erased)
    erased.exports = _delete_exports(session, participant.engagement_id)
    if interview is not None:
        _erase_llm_replies(session, participant.engagement_id, interview, erased)
    _erase_audit_values(session, participant.engagement_id, words, erased)
    _erase_flows(session, participant, erased)
    return erased


def _erase_flows(session: Session, participant: Participant, erased: Erased) -> None:
    """Their flows, mentions and aliases go; names and split aliases only they wrote are withheld."""
    mentions = list(session.exec(select(SystemMention).where(SystemMention.participant_id == participant.id)).all())
    theirs = {_norm(m.text) for m in mentions}
    erased.flows = len(list(session.exec(select(Flow.id).where(Flow.participant_id == participant.id)).all()))
    session.execute(delete(Flow).where(col(Flow.participant_id) == participant.id))
    session.execute(delete(SystemAlias).where(col(SystemAlias.participant_id) == participant.id))
    session.execute(delete(SystemMention).where(col(SystemMention.participant_id) == participant.id))
    session.flush()
    remaining = session.exec(
        select(SystemMention.system_id, SystemMention.text).where(
            SystemMention.engagement_id == participant.engagement_id
        )
    ).all()
    spelled: dict[int | None, list[str]] = {}
    for system_id, text in remaining:
        spelled.setdefault(system_id, []).append(text)
    others = {_norm(t) for _sid, t in remaining}
    for system in session.exec(select(System).where(System.engagement_id == participant.engagement_id)).all():
        if system.known is None and _norm(system.name) in theirs and _norm(system.name) not in others:
            system.name = min(spelled.get(system.id, [WITHDRAWN]), key=len)
            session.add(system)
    for edit in session.exec(
        select(CatalogueEdit).where(CatalogueEdit.engagement_id == participant.engagement_id)
    ).all():
        if edit.alias and _norm(edit.alias) in theirs and _norm(edit.alias) not in others:
            edit.alias = WITHDRAWN
            session.add(edit)


def _erase_turns(session: Session, turns: list[Turn], erased: Erased) -> None:
    for turn in turns:
        if turn.kind in _KEPT_KINDS and turn.role == "assistant":
            continue
        if turn.text:
            turn.text = ""
            session.add(turn)
            erased.turns += 1


def _erase_segments(session: Session, segments: list[Segment], erased: Erased) -> set[str]:
    hashes: set[str] = set()
    empty = text_hash("")
    for seg in segments:
        hashes.add(seg.text_hash)
        seg.text, seg.text_hash, seg.active = "", empty, False
        session.add(seg)
        erased.segments += 1
    session.flush()
    return hashes


def _erase_vectors(session: Session, hashes: set[str], erased: Erased) -> None:
    if not hashes:
        return
    still_used = set(session.exec(select(Segment.text_hash).where(col(Segment.text_hash).in_(hashes))).all())
    gone = hashes - still_used
    if gone:
        result = session.execute(delete(Embedding).where(col(Embedding.text_hash).in_(gone)))
        erased.vectors += result.rowcount or 0


def _erase_themes(session: Session, engagement_id: int, seg_ids: set[int], words: _Words, erased: Erased) -> None:
    for theme in session.exec(select(Theme).where(Theme.engagement_id == engagement_id)).all():
        changes = theme.changes if isinstance(theme.changes, dict) else {}
        built_from_them = bool(seg_ids & set(changes.get("members", [])))
        quotes = [q for q in theme.quote_ids if q not in seg_ids]
        keywords = [k for k in theme.keywords if not words.only_theirs(str(k))]
        label = theme.label
        if words.only_theirs(label):
            label = str(keywords[0]).capitalize() if keywords else UNNAMED
        summary = "" if built_from_them and theme.created_by == "machine" else theme.summary
        if (quotes, keywords, label, summary) != (theme.quote_ids, theme.keywords, theme.label, theme.summary):
            theme.quote_ids, theme.keywords, theme.label, theme.summary = quotes, keywords, label, summary
            session.add(theme)
            erased.themes += 1


def _scrub_json(value: Any, their_ids: set[str], words: _Words) -> Any:
    """A JSON value with quotes of their segments and their sentences replaced by ``WITHDRAWN``."""
    if isinstance(value, dict):
        out = {k: _scrub_json(v, their_ids, words) for k, v in value.items()}
        if str(out.get("segment_id", "")) in their_ids and "quote" in out:
            out["quote"] = WITHDRAWN
        return out
    if isinstance(value, list):
        return [_scrub_json(v, their_ids, words) for v in value]
    if isinstance(value, str):
        return words.scrub(value)
    return value


def _erase_proposals(session: Session, engagement_id: int, their_ids: set[str], words: _Words, erased: Erased) -> None:
    for proposal in session.exec(select(RatingProposal).where(RatingProposal.engagement_id == engagement_id)).all():
        indicators = _scrub_json(proposal.indicators, their_ids, words)
        citations = _scrub_json(proposal.citations, their_ids, words)
        rationale = words.scrub(proposal.rationale)
        if (indicators, citations, rationale) != (proposal.indicators, proposal.citations, proposal.rationale):
            proposal.indicators, proposal.citations, proposal.rationale = indicators, citations, rationale
            session.add(proposal)
            erased.proposals += 1


def _delete_exports(session: Session, engagement_id: int) -> int:
    """Every export file of the engagement (the engagement report's and the progress report's), and the
    progress-report files of the assessments that follow it (their "then" side counts this one's answers)."""
    later = session.exec(select(Engagement.id).where(Engagement.previous_id == engagement_id)).all()
    rows = session.exec(
        select(ExportFile.id, Run.params)
        .join(Run, col(Run.id) == ExportFile.run_id)
        .where(col(ExportFile.engagement_id).in_(list(later)))
    ).all()
    theirs = [file_id for file_id, params in rows if (params or {}).get("report") == "progress"]
    result = session.execute(
        delete(ExportFile).where((col(ExportFile.engagement_id) == engagement_id) | col(ExportFile.id).in_(theirs))
    )
    return result.rowcount or 0


def _erase_llm_replies(session: Session, engagement_id: int, interview: Interview, erased: Erased) -> None:
    calls = session.exec(
        select(LLMCall).where(LLMCall.engagement_id == engagement_id, col(LLMCall.created_at) >= interview.started_at)
    ).all()
    for call in calls:
        if call.response:
            call.response, call.error = "", REPLY_REMOVED
            session.add(call)
            erased.llm_replies += 1


def _erase_audit_values(session: Session, engagement_id: int, words: _Words, erased: Erased) -> None:
    for event in session.exec(select(AuditEvent).where(AuditEvent.engagement_id == engagement_id)).all():
        before = _scrub_audit(event.before, words)
        after = _scrub_audit(event.after, words)
        if (before, after) != (event.before, event.after):
            event.before, event.after = before, after
            session.add(event)
            erased.audit_values += 1


def _scrub_audit(value: Any, words: _Words) -> Any:
    if isinstance(value, dict):
        return {k: _scrub_audit(v, words) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub_audit(v, words) for v in value]
    if isinstance(value, str) and (words.only_theirs(value) or words.in_theirs(value) and len(_norm(value)) >= 12):
        return WITHDRAWN
    return value
