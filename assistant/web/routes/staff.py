"""Staff pages: invite landing, consent, the chat interview, edits, review, submit, withdraw.

A staff member is identified only by the personal link token in the URL (the ``StaffLink``
dependency; a link that cannot be used is the app's one ``LinkError`` page); they see nothing but
their own interview. Every form works without JavaScript (post, then redirect); with htmx the
chat appends new messages and swaps the composer and progress bar in place.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Annotated

from anyio import to_thread
from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, ConfigDict
from pydantic.json_schema import SkipJsonSchema
from sqlalchemy.engine import Engine
from sqlmodel import Session

from assistant.engines import engines_for
from assistant.equity.attributes import FIELD_PREFIX, record_attributes
from assistant.interview import actions
from assistant.interview.actions import AnswerError, Conversation, StaleAnswer
from assistant.interview.engine import relatedness_pair
from assistant.interview.probes import OfflineProber, Prober
from assistant.models import Interview, Participant, Turn
from assistant.records.engagements import EngagementError, join_open_link
from assistant.records.links import earlier_self, link_with_earlier
from assistant.rubric import Rubric, get_rubric
from assistant.security import MAX_ID, whole_number_type
from assistant.throttle import Throttled
from assistant.views.lookup import open_link_engagement
from assistant.views.staff import (
    chat_context,
    composer_update_context,
    current_anchor,
    edit_context,
    review_context,
)
from assistant.web.forms import GroupForm, NamedByData, gathered
from assistant.web.routes.deps import PathId, StaffLink, StaffParticipant
from assistant.web.shell import CSRFDep, EngineDep, RubricDep, SessionDep, SettingsDep, is_htmx, render, render_too_many

router = APIRouter()

Relatedness = Callable[[str, str], float]  # (answer, question) -> similarity


def _prober(request: Request, engine: Engine, rubric: Rubric, engagement_id: int) -> Prober:
    """The engagement's prober, from the engine seam (it honours the engagement's "LLM off")."""
    return engines_for(request.app.state.settings, engine, rubric, engagement_id).prober


def _relatedness(request: Request) -> Relatedness | None:
    """The app's answer-to-question relatedness scorer (the off-topic probe rule), None when switched off."""
    return getattr(request.app.state, "relatedness", None)


@router.get("/i/{token}")
def interview_page(
    request: Request,
    token: str,
    conv: StaffLink,
    session: SessionDep,
    rubric: RubricDep,
    engine: EngineDep,
    new: int = 0,
    missing: int = 0,
) -> Response:
    """The link's landing page: welcome and consent, the chat, or where the interview ended."""
    interview = conv.interview
    if interview is None or conv.consent is None:
        can_link = earlier_self(session, conv.participant) is not None
        context = {"conv": conv, "token": token, "new": new, "rubric": rubric, "can_link": can_link}
        return render(request, "staff/welcome.html", context)
    if interview.state == "declined":
        return render(request, "staff/declined.html", {"conv": conv, "token": token})
    if interview.state == "submitted":
        return render(request, "staff/submitted.html", {"conv": conv, "token": token})
    if interview.state == "in_progress":
        # resume: if the last thing stored is an answer (a crash before the reply), reply now
        if actions.advance(
            session,
            interview,
            rubric,
            _prober(request, engine, rubric, conv.engagement.id),
            _relatedness(request),
            request.app.state.settings.max_probes_per_question,
            turns=conv.turns,
        ):
            conv = actions.load(session, conv.participant)
    error = actions.EMPTY_ANSWER if missing else None
    return render(request, "staff/chat.html", chat_context(conv, rubric, token, error=error))


class ConsentForm(NamedByData):
    """The consent page's answer (``choice`` yes or no), the quote consent, and any optional
    self-described answers (``attr-<attribute key>``, one radio group each)."""

    model_config = ConfigDict(
        json_schema_extra=NamedByData.pattern_schema(**{FIELD_PREFIX.rstrip("-"): {"type": "string"}})
    )
    PREFIXES = (FIELD_PREFIX.rstrip("-"),)

    choice: str
    quotes: str = ""
    link: str = ""  # "yes": link these answers with the same person's in the earlier assessment
    attributes: SkipJsonSchema[dict[str, str]] = gathered(FIELD_PREFIX.rstrip("-"))


@router.post("/i/{token}/consent", dependencies=[CSRFDep])
async def consent(
    token: str,
    participant: StaffParticipant,
    session: SessionDep,
    rubric: RubricDep,
    posted: Annotated[ConsentForm, Form()],
) -> Response:
    """Record consent (and, with it, any optional self-described answers), then start the interview."""
    return await to_thread.run_sync(_consent, token, participant, session, rubric, posted)


def _consent(token: str, participant: Participant, session: Session, rubric: Rubric, posted: ConsentForm) -> Response:
    interview = actions.record_consent(session, participant, posted.choice == "yes", rubric)
    if posted.choice == "yes":
        actions.set_quote_consent(session, participant, posted.quotes == "yes")
        if posted.link == "yes" and interview is not None:
            link_with_earlier(session, participant)
            session.commit()
    record_attributes(session, participant, posted.attributes, interview is not None)
    if interview is not None:
        actions.advance(session, interview, rubric, OfflineProber(rubric))
    return RedirectResponse(f"/i/{token}", status_code=303)


# No lock in the process: two requests for one interview, in this process or another, are kept in
# order by the interview's lock in the database (``actions._hold``), taken only to write turns.


PromptId = whole_number_type(0, MAX_ID, blank=True)  # the turn the page showed; blank: not said


class AnswerForm(BaseModel):
    """What the composer posts: the answer (or a skip, an "I don't know"), with the id the page gave this post so
    a repeated submit is stored once."""

    client_turn_id: str
    action: str = "answer"
    text: str = ""


class TurnForm(AnswerForm):
    """A new answer in the chat: with the question or follow-up it answers (``prompt_id``)."""

    prompt_id: PromptId = None


class EditForm(AnswerForm):
    """An edited answer, and the page to go back to ("chat" or "review")."""

    back: str = "chat"


@router.post("/i/{token}/respond", dependencies=[CSRFDep])
async def respond(request: Request, token: str, posted: Annotated[TurnForm, Form()]) -> Response:
    """Store one staff answer (committed before the reply), write the interviewer's reply, send it.

    ``prompt_id`` names the question or follow-up the page showed: an answer to one that is no longer
    current is not stored (the person is told the conversation moved on, and keeps their text).

    The busiest route: all of its blocking work runs in one worker thread. As a sync route with the
    session, settings, rubric and engine dependencies it took one thread hop per dependency, and
    every hop waits for the GIL behind the other requests in flight.
    """
    return await to_thread.run_sync(
        _respond_turn, request, token, posted.client_turn_id, posted.action, posted.text, posted.prompt_id
    )


def _respond_turn(
    request: Request, token: str, client_turn_id: str, action: str, text: str, prompt_id: int | None = None
) -> Response:
    state = request.app.state
    settings = state.settings
    rubric = get_rubric(str(settings.rubric_path))
    with Session(state.engine, expire_on_commit=False) as session:
        try:
            participant, interview, turns = actions.open_for_turn(session, token)
            if interview is None:
                return RedirectResponse(f"/i/{token}", status_code=303)
            last_seen = turns[-1].id if turns else 0
            turn, created = actions.respond(
                session,
                interview,
                rubric,
                action,
                text,
                client_turn_id,
                settings.max_answer_chars,
                turns=turns,
                prompt_id=prompt_id,
            )
        except AnswerError as exc:
            return _refused_turn(request, session, participant, rubric, token, text, exc, prompt_id)
        turns = _after_turn(request, session, participant, interview, rubric, turns, turn if created else None)
    if not is_htmx(request):
        # land on the newest message: "#composer" (sticky) would leave it out of sight
        anchor = f"turn-{turns[-1].id}" if turns else "composer"
        return RedirectResponse(f"/i/{token}#{anchor}", status_code=303)
    conv = Conversation(participant, None, interview, turns, None)  # the partial shows no engagement or consent
    ctx = composer_update_context(conv, rubric, token, last_seen if created else None)
    return render(request, "staff/_composer_update.html", ctx)


def _refused_turn(
    request: Request,
    session: Session,
    participant: Participant,
    rubric: Rubric,
    token: str,
    text: str,
    exc: AnswerError,
    prompt_id: int | None,
) -> Response:
    """A refused answer: the chat again with the message and what was typed (a stale tab also gets
    what it had not shown yet); nothing was stored."""
    conv = actions.load(session, participant)
    draft = text if exc.draft is None else exc.draft
    if not draft.strip() and not is_htmx(request):
        # nothing typed to keep: redirect, so a reload does not post the empty form again
        return RedirectResponse(f"/i/{token}?missing=1#composer", status_code=303)
    ctx = chat_context(conv, rubric, token, error=str(exc), draft=draft)
    if isinstance(exc, StaleAnswer):
        # what this page had not shown yet: the other window's answers and the current question
        shown = prompt_id or 0
        ctx = replace(ctx, new_messages=[m for m in ctx.messages if m.turn.id > shown])
    if is_htmx(request):
        return render(request, "staff/_composer_update.html", ctx)
    return render(request, "staff/chat.html", ctx, status_code=409 if isinstance(exc, StaleAnswer) else 422)


def _after_turn(
    request: Request,
    session: Session,
    participant: Participant,
    interview: Interview,
    rubric: Rubric,
    turns: list[Turn],
    new_turn: Turn | None,
) -> list[Turn]:
    """The interviewer's reply to a stored answer (``new_turn``), or to a repeated submit (None); returns
    the conversation's turns as they now stand."""
    state = request.app.state
    settings = state.settings
    prober = _prober(request, state.engine, rubric, participant.engagement_id)
    if new_turn is None:
        # a repeated submit: show the conversation as it stands. The first request wrote the
        # reply, unless its process died first: then the reply is written now (advance writes
        # nothing when the interviewer is already waiting for the next answer).
        actions.advance(session, interview, rubric, prober, _relatedness(request), settings.max_probes_per_question)
        return actions.load_turns(session, interview)
    turns = turns + [new_turn]
    relatedness = _relatedness(request)
    if relatedness is not None:
        # the model runs here, before the lock: other turns go on meanwhile. The scorer keeps the
        # answer's vector, so the decision in ``advance`` costs three matrix products, no encode
        pair = relatedness_pair(interview.plan, turns, rubric, settings.max_probes_per_question)
        if pair is not None:
            relatedness(*pair)
    new = actions.advance(
        session, interview, rubric, prober, relatedness, settings.max_probes_per_question, turns=turns
    )
    return turns + new


_NO_ANSWER = {"title": "Answer not found", "message": "That answer is not part of your interview.", "status": 404}


@router.get("/i/{token}/edit/{turn_id}")
def edit_form(
    request: Request, token: str, turn_id: PathId, conv: StaffLink, rubric: RubricDep, back: str = "chat"
) -> Response:
    ctx = edit_context(conv, rubric, token, turn_id, back)
    if ctx is None:
        return render(request, "error.html", _NO_ANSWER, status_code=404)
    return render(request, "staff/edit.html", ctx)


@router.post("/i/{token}/edit/{turn_id}", dependencies=[CSRFDep])
def edit_save(
    request: Request,
    token: str,
    turn_id: PathId,
    conv: StaffLink,
    session: SessionDep,
    settings: SettingsDep,
    rubric: RubricDep,
    posted: Annotated[EditForm, Form()],
) -> Response:
    if conv.interview is None:
        return RedirectResponse(f"/i/{token}", status_code=303)
    try:
        actions.edit(
            session,
            conv.interview,
            rubric,
            turn_id,
            posted.action,
            posted.text,
            posted.client_turn_id,
            settings.max_answer_chars,
        )
    except AnswerError as exc:
        draft = posted.text if exc.draft is None else exc.draft
        ctx = edit_context(
            conv, rubric, token, turn_id, posted.back, client_turn_id=posted.client_turn_id, error=str(exc), draft=draft
        )
        if ctx is None:
            return render(request, "error.html", {**_NO_ANSWER, "message": str(exc)}, status_code=404)
        return render(request, "staff/edit.html", ctx, status_code=422)
    # back to the current question (not the edited answer, far above it on a phone)
    dest = f"/i/{token}/review" if posted.back == "review" else f"/i/{token}#{current_anchor(conv)}"
    return RedirectResponse(dest, status_code=303)


@router.get("/i/{token}/review")
def review(request: Request, token: str, conv: StaffLink, rubric: RubricDep, quotes: str = "") -> Response:
    if conv.interview is None or conv.interview.state == "declined":
        return RedirectResponse(f"/i/{token}", status_code=303)
    return render(request, "staff/review.html", review_context(conv, rubric, token, quotes_saved=quotes == "saved"))


@router.post("/i/{token}/quotes", dependencies=[CSRFDep])
def quote_consent(
    token: str, participant: StaffParticipant, session: SessionDep, quotes: Annotated[str, Form()] = ""
) -> Response:
    """Change whether the report may quote this person's words (from the review page)."""
    actions.set_quote_consent(session, participant, quotes == "yes")
    return RedirectResponse(f"/i/{token}/review?quotes=saved#quotes", status_code=303)


class SubmitForm(BaseModel):
    """The review page's one form: the quote choice as ticked there (``quote_choice`` says the checkbox was
    on the page, so an unticked box means "no" and a post without it changes nothing) and the submit."""

    quote_choice: bool = False
    quotes: str = ""


@router.post("/i/{token}/submit", dependencies=[CSRFDep])
def submit(
    request: Request, token: str, conv: StaffLink, session: SessionDep, posted: Annotated[SubmitForm, Form()]
) -> Response:
    if conv.interview is None:
        return RedirectResponse(f"/i/{token}", status_code=303)
    if posted.quote_choice:  # saved first: the choice stands even if the submit is refused
        actions.set_quote_consent(session, conv.participant, posted.quotes == "yes")
    try:
        actions.submit(session, conv.interview, conv.participant)
    except AnswerError as exc:
        return render(
            request, "error.html", {"title": "Not submitted", "message": str(exc), "status": 409}, status_code=409
        )
    return RedirectResponse(f"/i/{token}", status_code=303)


@router.get("/i/{token}/pause")
def pause(request: Request, token: str, conv: StaffLink) -> Response:
    return render(request, "staff/pause.html", {"conv": conv, "token": token})


@router.get("/i/{token}/withdraw")
def withdraw_confirm(request: Request, token: str, conv: StaffLink) -> Response:
    return render(request, "staff/withdraw.html", {"conv": conv, "token": token})


@router.post("/i/{token}/withdraw", dependencies=[CSRFDep])
def withdraw(request: Request, conv: StaffLink, session: SessionDep) -> Response:
    actions.withdraw(session, conv.participant, conv.interview)
    return render(request, "staff/withdrawn.html", {})


_LINK_CLOSED = {
    "title": "This link is no longer active",
    "message": "This sign-up link is closed. Ask the person who shared it for a current link.",
    "status": 410,
}


@router.get("/join/{open_token}")
def join_form(request: Request, open_token: str, session: SessionDep) -> Response:
    engagement = open_link_engagement(session, open_token)
    if engagement is None:
        return render(request, "error.html", _LINK_CLOSED, status_code=410)
    return render(request, "staff/join.html", {"engagement": engagement, "open_token": open_token, "error": None})


@router.post("/join/{open_token}", dependencies=[CSRFDep])
def join(request: Request, open_token: str, session: SessionDep, posted: Annotated[GroupForm, Form()]) -> Response:
    """Sign up through the open link: a personal link for the chosen group (limited per address)."""
    engagement = open_link_engagement(session, open_token)
    if engagement is None:
        return render(request, "error.html", _LINK_CLOSED, status_code=410)
    page = {"engagement": engagement, "open_token": open_token}
    address = request.client.host if request.client else "unknown"
    try:
        invite = join_open_link(session, engagement, posted.department, posted.role_level, address)
    except Throttled as exc:
        return render_too_many(request, "staff/join.html", {**page, "error": str(exc)}, exc.retry_after_s)
    except EngagementError:
        return render(
            request,
            "staff/join.html",
            {**page, "error": "Please choose your department and role level."},
            status_code=422,
        )
    session.commit()
    return RedirectResponse(f"/i/{invite.token}?new=1", status_code=303)
