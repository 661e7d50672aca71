"""Flows a person's own answers mention, proposed for them to confirm (offline: rules plus the
catalogue; with an LLM configured, ``extract.LLMFlowExtractor`` per answer, checked against it, the
offline proposal kept for an answer whose reply fails). Nothing here is stored: a proposal is shown
on the person's flows page with a button that fills the form, and only a saved form makes it theirs.

A proposal is a system named in one of their answers: a known product (``known_systems.yaml``), a
name already in the engagement's catalogue, or a file or spreadsheet; with the method the same
sentence suggests ("re-type", "email", "paper", "shared drive", "export") when one does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlmodel import Session, col, select

from assistant.dataflow import catalogue as C
from assistant.dataflow.extract import FlowExtractor
from assistant.dataflow.store import normalised
from assistant.models import Engagement, Interview, Participant, System, SystemAlias, SystemMention, Turn
from assistant.sentences import split_sentences

METHOD_CUES: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "retyped",
        re.compile(
            r"\b(?:re-?typ\w*|re-?ent\w*|re-?key\w*|key(?:ed|ing)? (?:it |them )?in"
            r"|type (?:it|them) (?:in|again)|by hand)\b",
            re.I,
        ),
    ),
    ("paper", re.compile(r"\b(?:paper|print\w*|fax\w*|hand-?written|clipboard)\b", re.I)),
    ("email", re.compile(r"\b(?:e-?mail\w*|outlook|inbox)\b", re.I)),
    ("shared_drive", re.compile(r"\b(?:shared? drive|network drive|[a-z]:\\|sharepoint|dropbox|onedrive)\b", re.I)),
    ("export_import", re.compile(r"\b(?:export\w*|import\w*|csv|download\w*|upload\w*)\b", re.I)),
    ("automatic", re.compile(r"\b(?:automatic\w*|sync\w*|interface|integrat\w*|feeds? (?:into|to))\b", re.I)),
)


@dataclass(frozen=True)
class Proposal:
    """A system the person named in an answer, with the sentence and a method hint ("" when none); the
    LLM also gives the ends when the answer says them (``engine`` says which proposed it)."""

    system: str
    method: str
    sentence: str
    turn_id: int
    source: str = ""
    target: str = ""
    engine: str = "offline"


def method_hint(sentence: str) -> str:
    """The method a sentence suggests (the first cue that matches, manual ones first); "" when none."""
    return next((m for m, cue in METHOD_CUES if cue.search(sentence)), "")


def _candidates(sentence: str, aliases: set[str]) -> list[str]:
    """System names in one sentence: known products and catalogue aliases (as the sentence writes
    them), then a file or spreadsheet phrase."""
    words = C.tokens(sentence)
    found: list[str] = []
    product = C.match_known(words, C.knowledge())
    if product is not None:
        found.append(product.name)
    padded = f" {' '.join(words)} "
    found += sorted(a for a in aliases if len(a) >= 3 and f" {a} " in padded)
    match = re.search(
        r"\b((?:the |our |a )?[\w\-]+(?: [\w\-]+)? (?:spreadsheet|workbook|tracker|excel file|log))\b", sentence, re.I
    )
    if match and C.file_subject(C.tokens(match.group(1))):
        found.append(match.group(1).strip())
    return found


def _offline(text: str, turn_id: int, aliases: set[str]) -> list[Proposal]:
    """The offline proposals of one answer: rules plus the catalogue, sentence by sentence."""
    return [
        Proposal(name, method_hint(span.text), span.text.strip(), turn_id)
        for span in split_sentences(text)
        for name in _candidates(span.text, aliases)
    ]


def _extracted(
    extractor: FlowExtractor, text: str, turn_id: int, names: list[str], departments: list[str]
) -> list[Proposal] | None:
    """The LLM's proposals of one answer, or None when its reply failed the checks (offline kept)."""
    flows = extractor.extract(text, names, departments)
    if flows is None:
        return None
    return [Proposal(f.system, f.method, f.sentence.strip(), turn_id, f.source, f.target, "llm") for f in flows]


def catalogue_names(session: Session, engagement_id: int) -> list[str]:
    """Every name the engagement's catalogue knows: live system names and every alias as written."""
    names = session.exec(
        select(System.name).where(System.engagement_id == engagement_id, col(System.merged_into).is_(None))
    ).all()
    aliases = session.exec(
        select(SystemAlias.text)
        .join(System, System.id == SystemAlias.system_id)
        .where(System.engagement_id == engagement_id)
    ).all()
    return sorted({*names, *aliases})


def proposals(
    session: Session, participant: Participant, limit: int = 8, extractor: FlowExtractor | None = None
) -> list[Proposal]:
    """Systems the person's answers name that they have not added yet, in answer order (one per
    system as the catalogue groups them); by ``extractor`` (the LLM) when given, answer by answer, the
    offline rules for an answer whose LLM reply failed its checks."""
    answers = session.exec(
        select(Turn.id, Turn.text)
        .join(Interview, Interview.id == Turn.interview_id)
        .where(Interview.participant_id == participant.id, Turn.role == "staff", Turn.kind == "answer")
        .order_by(col(Turn.id))
    ).all()
    aliases = {
        a
        for a in session.exec(
            select(SystemAlias.normalised)
            .join(SystemMention, SystemMention.system_id == SystemAlias.system_id)
            .where(SystemMention.engagement_id == participant.engagement_id)
        ).all()
    }
    mine = session.exec(select(SystemMention.text).where(SystemMention.participant_id == participant.id)).all()
    said = {C.resolve([C.Mention("x", t)])["x"] for t in mine}
    names, departments = [], []
    if extractor is not None:
        names = catalogue_names(session, participant.engagement_id)
        engagement = session.get(Engagement, participant.engagement_id)
        departments = list(engagement.departments) if engagement else []
    out: list[Proposal] = []
    for turn_id, text in answers:
        found = _extracted(extractor, text, turn_id, names, departments) if extractor is not None else None
        for proposal in _offline(text, turn_id, aliases) if found is None else found:
            key = C.resolve([C.Mention("x", proposal.system)])["x"]
            if key in said or not normalised(proposal.system):
                continue
            said.add(key)
            out.append(proposal)
        if len(out) >= limit:  # enough to show: no further answer is read (nor sent to the LLM)
            break
    return out[:limit]
