"""Staff pages' data: the chat as its author sees it, progress by component, the edit form and the
review list.

Everything here is built from one ``Conversation`` (the participant's own interview, resolved from
their link), so a staff page can show nothing but that person's answers.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from assistant.interview.actions import Conversation, review_items
from assistant.interview.engine import current_prompt, latest_by_original, original_of
from assistant.models import Turn
from assistant.rubric import Rubric
from assistant.views import Page


@dataclass(frozen=True)
class Message:
    """One message of the chat: its turn, the wording shown (an answer's latest edit) and whether it was edited."""

    turn: Turn
    shown: Turn
    edited: bool


def messages(conv: Conversation, after: int = 0) -> list[Message]:
    """The transcript as shown to its author: assistant turns, and staff turns with edits applied;
    with ``after``, only the messages of turns written after that turn id (edits still read from all).

    Each staff answer stays in its original place and shows its latest wording (``edited`` when an
    edit replaced it); the edits themselves are not listed separately.
    """
    current = latest_by_original(conv.turns)
    out = []
    for turn in conv.turns:
        if turn.id <= after:
            continue
        if turn.role == "staff":
            if turn.supersedes_id is not None:
                continue
            shown = current.get(turn.id, turn)
            out.append(Message(turn, shown, shown.id != turn.id))
        else:
            out.append(Message(turn, turn, False))
    return out


@dataclass(frozen=True)
class TopicProgress:
    """One topic's questions closed out of planned, under its name in staff words."""

    name: str
    closed: int
    total: int


@dataclass(frozen=True)
class Progress:
    """Questions closed out of planned, per topic (``components``: name, closed, total) and in total,
    and ``line``: the topic of the current question in staff words, or None."""

    components: list[TopicProgress]
    done: int
    total: int
    line: str | None


def progress(conv: Conversation, rubric: Rubric) -> Progress:
    """Questions closed out of planned, per topic and in total (from the interview's coverage), and the
    topic of the current question in staff words: ``line`` reads "Topic 3 of 6: working with leaders"."""
    cov = conv.interview.coverage if conv.interview else {}
    parts = []
    done = total = 0
    for comp in rubric.components:
        c = cov.get(comp.id, {"closed": 0, "total": 0})
        parts.append(TopicProgress(comp.staff_label, c.get("closed", 0), c.get("total", 0)))
        done += c.get("closed", 0)
        total += c.get("total", 0)
    prompt = current_prompt(conv.turns)
    line = None
    if prompt is not None and prompt.question_id and conv.interview and conv.interview.state == "in_progress":
        comp, _ = rubric.question(prompt.question_id)
        number = [c.id for c in rubric.components].index(comp.id) + 1
        line = f"Topic {number} of {len(rubric.components)}: {comp.staff_label}"
    return Progress(parts, done, total, line)


def current_anchor(conv: Conversation) -> str:
    """Where the chat page should open: the current question or follow-up (``turn-N``), else the composer."""
    prompt = current_prompt(conv.turns)
    if prompt is not None and conv.interview is not None and conv.interview.state == "in_progress":
        return f"turn-{prompt.id}"
    return "composer"


@dataclass(frozen=True, kw_only=True)
class Composer(Page):
    """The answer box and progress: a fresh client turn id (a double submit stores one turn), the id
    of the prompt it answers (an answer to an earlier one is refused as stale), the interview's state,
    and a refused answer's reason and text (``error``, ``draft``)."""

    conv: Conversation
    token: str
    progress: Progress
    client_turn_id: str
    prompt_id: int | None
    state: str | None
    error: str | None = None
    draft: str = ""


@dataclass(frozen=True, kw_only=True)
class ChatView(Composer):
    """The chat page: every message, and ``new_messages``, those the page had not shown yet (an
    answer refused as stale shows the other window's answers and the current question)."""

    messages: list[Message]
    new_messages: list[Message] = field(default_factory=list)


@dataclass(frozen=True, kw_only=True)
class ComposerUpdate(Composer):
    """The htmx reply to an answer: the messages written after the answered turn, and a fresh composer."""

    new_messages: list[Message]


def chat_context(
    conv: Conversation, rubric: Rubric, token: str, *, error: str | None = None, draft: str = ""
) -> ChatView:
    """The chat page (and its htmx composer update): messages, progress and a fresh composer (see
    ``Composer``), with a refused answer's reason and text."""
    return ChatView(**_composer(conv, rubric, token), messages=messages(conv), error=error, draft=draft)


def composer_update_context(conv: Conversation, rubric: Rubric, token: str, after: int | None) -> ComposerUpdate:
    """The htmx reply to an answer: ``new_messages``, the messages written after turn ``after`` (none when
    ``after`` is None: a repeated submit adds nothing to the page), with the progress and a fresh composer.

    The transcript already on the page is not rebuilt: only the new messages are built."""
    new = messages(conv, after) if after is not None else []
    return ComposerUpdate(**_composer(conv, rubric, token), new_messages=new)


def _composer(conv: Conversation, rubric: Rubric, token: str) -> dict[str, Any]:
    """The fields of a fresh ``Composer``."""
    prompt = current_prompt(conv.turns)
    return {
        "conv": conv,
        "token": token,
        "progress": progress(conv, rubric),
        "client_turn_id": uuid.uuid4().hex,
        "prompt_id": prompt.id if prompt is not None else None,
        "state": conv.interview.state if conv.interview else None,
    }


@dataclass(frozen=True, kw_only=True)
class EditView(Page):
    """The edit form of one staff answer: the message, its question, the page to go back to, the
    client turn id, a refused edit's reason and the text shown in the box."""

    token: str
    item: Message
    question: Any
    back: str
    client_turn_id: str
    error: str | None
    draft: str


def edit_context(
    conv: Conversation,
    rubric: Rubric,
    token: str,
    turn_id: int,
    back: str,
    client_turn_id: str | None = None,
    error: str | None = None,
    draft: str | None = None,
) -> EditView | None:
    """The edit form of the staff answer ``turn_id``, or None when it is not one of this person's answers.

    ``draft`` defaults to the answer's current wording; a fresh client turn id unless one is given
    (a re-shown form keeps the id it was posted with, so a retry still stores one edit).
    """
    if conv.interview is None:
        return None
    # the chat links the answer as first given, the review page the wording that stands now: either opens it
    original = original_of(conv.turns, turn_id)
    item = next((m for m in messages(conv) if m.turn.id == original and m.turn.role == "staff"), None)
    if item is None:
        return None
    _, question = rubric.question(item.turn.question_id)
    return EditView(
        token=token,
        item=item,
        question=question,
        back=back,
        client_turn_id=client_turn_id or uuid.uuid4().hex,
        error=error,
        draft=item.shown.text if draft is None else draft,
    )


@dataclass(frozen=True, kw_only=True)
class ReviewView(Page):
    """The review-before-submit page: every planned question with the answers that stand now, the
    progress, and whether the quote choice was just saved."""

    conv: Conversation
    token: str
    items: list[Any]
    progress: Progress
    quotes_saved: bool = False


def review_context(conv: Conversation, rubric: Rubric, token: str, quotes_saved: bool = False) -> ReviewView:
    """The review-before-submit page (see ``ReviewView``)."""
    items = review_items(conv.interview, conv.turns, rubric) if conv.interview else []
    return ReviewView(conv=conv, token=token, items=items, progress=progress(conv, rubric), quotes_saved=quotes_saved)
