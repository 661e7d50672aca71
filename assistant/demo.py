"""The demo engagement: a consultant account, a city with departments and roster counts, invites,
and about forty staff interviews taken through the real interview engine.

The interviews are what makes the demo worth opening: each demo staff member (a *persona*) gives
consent, hears the questions planned for their role, answers from ``demo_data/answers.yaml``
(answers written in the voice of city staff, each tagged with the maturity level it suggests),
answers the probes the engine asks, and submits. Choices are seeded, so every fresh demo database
holds the same conversations, and seeding is idempotent: a persona whose interview already reached
its final state is left alone, and one cut off half-way is resumed.
"""

from __future__ import annotations

import json
import math
import os
import random
import secrets
from collections import Counter
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import yaml
from sqlmodel import Session, select

from assistant.accounts import create_user
from assistant.config import Settings
from assistant.engagements import DEFAULT_ROLE_LEVELS, create_engagement, create_invite, enable_open_link
from assistant.interview.actions import STAFF_KINDS, advance, load_turns, record_consent, respond, submit, withdraw
from assistant.interview.engine import next_step
from assistant.models import Engagement, Interview, Participant, Turn, User
from assistant.rubric import Rubric, get_rubric
from assistant.security import hash_password, token_hash, verify_password
from assistant.teams import add_member, membership

DEMO_EMAIL = "consultant@demo.dm3"
DEMO_ORG = "City of Riverton (demo)"
DEPARTMENTS = ["Public Works", "Finance", "Parks and Recreation", "Police", "Planning"]
ROSTER = {
    ("Public Works", "frontline"): 40,
    ("Public Works", "supervisor"): 8,
    ("Public Works", "manager"): 3,
    ("Public Works", "executive"): 1,
    ("Finance", "frontline"): 18,
    ("Finance", "supervisor"): 4,
    ("Finance", "manager"): 2,
    ("Finance", "executive"): 1,
    ("Parks and Recreation", "frontline"): 25,
    ("Parks and Recreation", "supervisor"): 5,
    ("Parks and Recreation", "manager"): 2,
    ("Parks and Recreation", "executive"): 1,
    ("Police", "frontline"): 60,
    ("Police", "supervisor"): 10,
    ("Police", "manager"): 4,
    ("Police", "executive"): 1,
    ("Planning", "frontline"): 12,
    ("Planning", "supervisor"): 3,
    ("Planning", "manager"): 2,
    ("Planning", "executive"): 1,
}


@dataclass
class DemoInfo:
    email: str
    password: str
    engagement_id: int
    open_token: str
    invites: list[tuple[str, str]] = field(default_factory=list)
    interviews: dict[str, int] = field(default_factory=dict)  # demo interviews by state


DEMO_REVIEWER_EMAIL = "equity@demo.dm3"
DEMO_INVITES = (("Public Works", "frontline"), ("Finance", "manager"), ("Planning", "executive"))


def _demo_file() -> Path:
    return Path("var") / "demo.json"


def _write_secret_file(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` readable by its owner only (0600): it holds a password and live links.

    The file is created with that mode (never world-readable, even for a moment) and an older file
    from before this rule is narrowed too."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(text)
    os.chmod(path, 0o600)


def _load_demo_file() -> dict:
    try:
        return json.loads(_demo_file().read_text())
    except (FileNotFoundError, ValueError):
        return {}


def _usable_invite(session: Session, token: str) -> bool:
    participant = session.exec(select(Participant).where(Participant.token_hash == token_hash(token))).first()
    if participant is None or participant.withdrawn_at is not None:
        return False
    interview = session.exec(select(Interview).where(Interview.participant_id == participant.id)).first()
    return interview is None or interview.state not in ("submitted", "withdrawn")


def seed_demo(session: Session, settings: Settings) -> DemoInfo:
    """Create the demo account, engagement and staff interviews once.

    The password and the printed invite links are kept in ``var/demo.json`` so repeated runs print
    the same ones; a link is replaced only once it was used up (submitted or withdrawn).
    """
    saved = _load_demo_file()
    password = saved.get("password") or secrets.token_urlsafe(9)
    user = session.exec(select(User).where(User.email == DEMO_EMAIL)).first()
    if user is None:
        user = create_user(session, DEMO_EMAIL, password, name="Demo Consultant")
    elif not verify_password(password, user.password_hash):
        user.password_hash = hash_password(password)  # the saved file was lost: print a password that works
        session.add(user)
    engagement = session.exec(select(Engagement).where(Engagement.organisation == DEMO_ORG)).first()
    if engagement is None:
        engagement = create_engagement(session, DEMO_ORG, DEPARTMENTS, roster=ROSTER, user=user)
    _demo_reviewer(session, engagement, user, password)
    interviews = seed_demo_interviews(session, settings, engagement)
    # the open link is stored hashed: reuse the saved one while it still opens this engagement
    token = saved.get("open_token") or ""
    if not token or engagement.open_token_hash != token_hash(token) or not engagement.open_link_enabled:
        token = enable_open_link(session, engagement, True, user, renew=True) or ""
    previous = dict(saved.get("invites", []))
    invites = []
    for dept, role in DEMO_INVITES:
        label = f"{dept}, {role}"
        invite_token = previous.get(label)
        if not invite_token or not _usable_invite(session, invite_token):
            invite_token = create_invite(session, engagement, dept, role).token
        invites.append((label, invite_token))
    session.flush()
    _write_secret_file(
        _demo_file(), json.dumps({"password": password, "invites": invites, "open_token": token}, indent=2) + "\n"
    )
    return DemoInfo(DEMO_EMAIL, password, engagement.id, token, invites, interviews)


def _demo_reviewer(session: Session, engagement: Engagement, lead: User, password: str) -> None:
    """The demo's equity reviewer (same password as the consultant), on the demo engagement's team."""
    reviewer = session.exec(select(User).where(User.email == DEMO_REVIEWER_EMAIL)).first()
    if reviewer is None:
        reviewer = create_user(session, DEMO_REVIEWER_EMAIL, password, role="equity_reviewer", name="Demo Reviewer")
    elif not verify_password(password, reviewer.password_hash):
        reviewer.password_hash = hash_password(password)
        session.add(reviewer)
    if membership(session, engagement.id, reviewer.id) is None:
        add_member(session, engagement, DEMO_REVIEWER_EMAIL, "equity_reviewer", lead)


# --- the answer bank -----------------------------------------------------------------------

ANSWER_KINDS = STAFF_KINDS  # answer | skip | dont_know


class DemoDataError(ValueError):
    """``demo_data/answers.yaml`` is malformed; the message names the entry to fix."""


@dataclass(frozen=True)
class DemoAnswer:
    """One thing a demo staff member may say: typed text, or a skip / "I don't know"."""

    text: str = ""
    level: int | None = None  # the maturity level the answer suggests; None: none (hostile, off topic)
    kind: str = "answer"
    department: str | None = None  # only staff of this department say it (it names their systems)
    roles: tuple[str, ...] = ()  # only these role levels say it; empty: anyone asked the question
    probe: int | None = None  # for an answer to a probe: which of the question's probes (None: any)

    def fits(self, department: str, role_level: str) -> bool:
        return (self.department is None or self.department == department) and (
            not self.roles or role_level in self.roles
        )


@dataclass(frozen=True)
class AnswerBank:
    """Answers by rubric question id, answers to probes (by question id and ``generic``), and the
    level each role level tends to describe per component (``profile[component][role]``)."""

    profile: dict[str, dict[str, float]]
    answers: dict[str, list[DemoAnswer]]
    follow_ups: dict[str, list[DemoAnswer]]


def _entry(raw: object, where: str) -> DemoAnswer:
    if isinstance(raw, str):
        raw = {"text": raw}
    if not isinstance(raw, dict):
        raise DemoDataError(f"{where}: expected a mapping with 'text' (and 'level', 'department', 'roles', 'kind').")
    kind = raw.get("kind", "answer")
    text = str(raw.get("text") or "").strip()
    level = raw.get("level")
    if kind not in ANSWER_KINDS:
        raise DemoDataError(f"{where}: kind must be one of {', '.join(ANSWER_KINDS)}, not {kind!r}.")
    if kind == "answer" and not text:
        raise DemoDataError(f"{where}: an answer needs its text (or use kind: skip / dont_know).")
    if level is not None and (not isinstance(level, int) or not 1 <= level <= 5):
        raise DemoDataError(f"{where}: level must be 1-5 or null, not {level!r}.")
    department = raw.get("department")
    if department is not None and department not in DEPARTMENTS:
        raise DemoDataError(f"{where}: unknown department {department!r} (known: {', '.join(DEPARTMENTS)}).")
    roles = tuple(raw.get("roles") or ())
    unknown = [r for r in roles if r not in DEFAULT_ROLE_LEVELS]
    if unknown:
        raise DemoDataError(
            f"{where}: unknown role level(s) {', '.join(unknown)} (known: {', '.join(DEFAULT_ROLE_LEVELS)})."
        )
    probe = raw.get("probe")
    if probe is not None and (not isinstance(probe, int) or probe < 1):
        raise DemoDataError(f"{where}: probe must be the probe's number (1, 2, ...), not {probe!r}.")
    return DemoAnswer(text, level, kind, department, roles, probe)


def load_answer_bank(text: str | None = None) -> AnswerBank:
    """The demo answer bank from ``text`` (default: the packaged ``demo_data/answers.yaml``), validated.

    Raises ``DemoDataError`` naming the entry at fault.
    """
    if text is None:
        text = resources.files("assistant").joinpath("demo_data/answers.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text) or {}
    answers = {
        qid: [_entry(raw, f"answers.{qid}[{i}]") for i, raw in enumerate(entries or [])]
        for qid, entries in (data.get("answers") or {}).items()
    }
    follow_ups = {
        qid: [_entry(raw, f"follow_ups.{qid}[{i}]") for i, raw in enumerate(entries or [])]
        for qid, entries in (data.get("follow_ups") or {}).items()
    }
    profile = {
        comp: {role: float(v) for role, v in roles.items()} for comp, roles in (data.get("profile") or {}).items()
    }
    return AnswerBank(profile, answers, follow_ups)


# --- the cast --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Persona:
    """A demo staff member. ``key`` is stored as the participant's ``external_id`` (how a re-run
    finds them); ``stop_after`` is how many questions they answer before leaving (None: all)."""

    key: str
    department: str
    role_level: str
    outcome: str  # submitted | in_progress | withdrawn
    stop_after: int | None = None


# Submitted interviews per group: more frontline voices than executive ones, never more than the
# roster holds (Planning's executive is left for the printed invite link to try by hand).
SUBMITTED = {
    ("Public Works", "frontline"): 6,
    ("Public Works", "supervisor"): 2,
    ("Public Works", "manager"): 1,
    ("Public Works", "executive"): 1,
    ("Finance", "frontline"): 4,
    ("Finance", "supervisor"): 1,
    ("Finance", "manager"): 1,
    ("Finance", "executive"): 1,
    ("Parks and Recreation", "frontline"): 4,
    ("Parks and Recreation", "supervisor"): 2,
    ("Parks and Recreation", "manager"): 1,
    ("Parks and Recreation", "executive"): 1,
    ("Police", "frontline"): 6,
    ("Police", "supervisor"): 2,
    ("Police", "manager"): 1,
    ("Police", "executive"): 1,
    ("Planning", "frontline"): 2,
    ("Planning", "supervisor"): 1,
    ("Planning", "manager"): 1,
}
# Those who did not finish: (department, role level, outcome, questions answered before leaving).
UNFINISHED = [
    ("Public Works", "frontline", "withdrawn", None),  # submitted, then withdrew
    ("Police", "supervisor", "withdrawn", 4),  # withdrew part-way
    ("Parks and Recreation", "frontline", "in_progress", 3),
    ("Finance", "frontline", "in_progress", 7),
    ("Planning", "manager", "in_progress", 2),
]
DEMO_SEED = "riverton-2026"


def demo_cast() -> list[Persona]:
    """The demo staff in the order they take part (a seeded shuffle, so departments interleave)."""
    groups = [(d, r, "submitted", None) for (d, r), n in SUBMITTED.items() for _ in range(n)] + list(UNFINISHED)
    random.Random(DEMO_SEED).shuffle(groups)
    return [Persona(f"demo-{i:02d}", d, r, outcome, stop) for i, (d, r, outcome, stop) in enumerate(groups, start=1)]


# --- choosing what each persona says -------------------------------------------------------


def _key(entry: DemoAnswer, question_id: str) -> str:
    """What marks an answer as said already: its text, or the kind for a skip / don't know."""
    return entry.text if entry.kind == "answer" else f"{entry.kind}:{question_id}"


class _Chooser:
    """Seeded choice of answers: fitting the persona's department and role, close to the level the
    profile expects of their role, and not yet said by anyone else while fresh answers remain
    (so forty people rarely say the same sentence)."""

    def __init__(self, bank: AnswerBank, used: Counter) -> None:
        self.bank = bank
        self.used = used

    def _weight(self, entry: DemoAnswer, target: float | None) -> float:
        if entry.kind != "answer":
            return 0.25
        if entry.level is None or target is None:
            return 0.35
        return math.exp(-1.5 * (entry.level - target) ** 2)

    def _pick(
        self, entries: list[DemoAnswer], question_id: str, target: float | None, rng: random.Random
    ) -> DemoAnswer:
        # Each earlier use makes an answer eight times less likely, so an answer that fits the
        # profile may come back once or twice before a far-off one is used; an answer that
        # suggests no level (hostile, off topic, an attempt to steer the rating) is said once.
        def weight(e: DemoAnswer) -> float:
            used = self.used[_key(e, question_id)]
            if used and e.kind == "answer" and e.level is None:
                return 0.0
            return self._weight(e, target) * 0.12**used

        weights = [weight(e) for e in entries]
        if not any(weights):
            weights = [1.0] * len(entries)
        choice = rng.choices(entries, weights=weights)[0]
        self.used[_key(choice, question_id)] += 1
        return choice

    def target(self, component: str, persona: Persona) -> float | None:
        """The level the profile expects this persona's role level to describe for ``component``."""
        return self.bank.profile.get(component, {}).get(persona.role_level)

    def answer(self, question_id: str, component: str, persona: Persona, rng: random.Random) -> DemoAnswer:
        """An answer to the question itself; an honest "I don't know" for a question the bank lacks."""
        fitting = [e for e in self.bank.answers.get(question_id, []) if e.fits(persona.department, persona.role_level)]
        if not fitting:  # e.g. a question added to an edited rubric
            return DemoAnswer(kind="dont_know")
        return self._pick(fitting, question_id, self.target(component, persona), rng)

    def follow_up(
        self,
        question_id: str,
        probe_index: int,
        anchor: float | None,
        persona: Persona,
        rng: random.Random,
        said: set[str],
    ) -> DemoAnswer:
        """An answer to probe ``probe_index``: written for that probe when one is left, in line with the
        answer it follows (within a level of ``anchor``), else a generic one; never repeated within
        one interview."""

        def fitting(bank_key: str) -> list[DemoAnswer]:
            return [
                e
                for e in self.bank.follow_ups.get(bank_key, [])
                if e.fits(persona.department, persona.role_level)
                and e.text not in said
                and e.probe in (None, probe_index)
                and (e.level is None or anchor is None or abs(e.level - anchor) <= 1)
            ]

        own, generic = fitting(question_id), fitting("generic")
        if own and generic:
            # the generic bank takes over only once the question's own answers are well worn
            least_own = min(self.used[_key(e, question_id)] for e in own)
            least_generic = min(self.used[_key(e, question_id)] for e in generic)
            if least_own > least_generic + 1:
                own = []
        pool = own or generic
        if not pool:
            return DemoAnswer("That's all I can say about it, sorry.")
        return self._pick(pool, question_id, None, rng)


# --- driving the real interview engine ------------------------------------------------------


def _take_interview(
    session: Session,
    rubric: Rubric,
    settings: Settings,
    chooser: _Chooser,
    participant: Participant,
    persona: Persona,
) -> Interview:
    """Consent, then answer question after question (and every probe) until the persona's stop."""
    interview = record_consent(session, participant, True, rubric)
    rng = random.Random(f"{DEMO_SEED}:{persona.key}")
    max_probes = settings.max_probes_per_question
    anchors: dict[str, float | None] = {}  # question id -> level of the persona's answer to it
    while interview.state == "in_progress":
        turns = load_turns(session, interview)
        step = next_step(interview.plan, turns, rubric, max_probes)
        if step.kind != "await":
            advance(session, interview, rubric, max_probes=max_probes)  # writes the ack and the next question or probe
            continue
        staff = [t for t in turns if t.role == "staff"]
        answered = sum(1 for t in staff if t.probe_index == 0)
        if step.probe_index == 0 and persona.stop_after is not None and answered >= persona.stop_after:
            break  # left the interview open at this question
        component = rubric.question(step.question_id)[0].id
        if step.probe_index == 0:
            entry = chooser.answer(step.question_id, component, persona, rng)
            anchors[step.question_id] = entry.level if entry.level is not None else chooser.target(component, persona)
        else:
            anchor = anchors.get(step.question_id, chooser.target(component, persona))
            entry = chooser.follow_up(step.question_id, step.probe_index, anchor, persona, rng, {t.text for t in staff})
        respond(
            session,
            interview,
            rubric,
            entry.kind,
            entry.text,
            f"{persona.key}-{len(staff) + 1}",
            settings.max_answer_chars,
        )
    return interview


def seed_demo_interviews(session: Session, settings: Settings, engagement: Engagement) -> dict[str, int]:
    """Bring every demo persona of ``engagement`` to its final state; returns interview counts by state.

    Idempotent: personas are found by ``external_id``; finished ones are skipped, one interrupted
    half-way is resumed, and answers already given count as said.
    """
    rubric = get_rubric(str(settings.rubric_path))
    cast = demo_cast()
    existing = {
        p.external_id: p
        for p in session.exec(
            select(Participant).where(
                Participant.engagement_id == engagement.id, Participant.external_id.in_([c.key for c in cast])
            )
        ).all()
    }
    states = {
        i.participant_id: i.state
        for i in session.exec(
            select(Interview).where(Interview.participant_id.in_([p.id for p in existing.values()]))
        ).all()
    }
    finished = {"submitted": {"submitted"}, "withdrawn": {"withdrawn"}}
    todo = [
        c
        for c in cast
        if c.key not in existing
        or (
            existing[c.key].withdrawn_at is None
            and states.get(existing[c.key].id) not in finished.get(c.outcome, set())
        )
    ]
    if todo:
        used: Counter = Counter()  # what earlier runs had the demo staff say already
        for turn in session.exec(
            select(Turn)
            .join(Interview, Interview.id == Turn.interview_id)
            .where(Interview.participant_id.in_(list(states)), Turn.role == "staff")
        ).all():
            used[turn.text if turn.kind == "answer" else f"{turn.kind}:{turn.question_id}"] += 1
        chooser = _Chooser(load_answer_bank(), used)
        for persona in todo:
            participant = existing.get(persona.key)
            if participant is None:
                participant = create_invite(session, engagement, persona.department, persona.role_level).participant
                participant.external_id = persona.key
                session.add(participant)
                session.flush()
            interview = _take_interview(session, rubric, settings, chooser, participant, persona)
            if persona.outcome == "in_progress":
                continue
            if persona.stop_after is None:
                submit(session, interview, participant)
            if persona.outcome == "withdrawn":
                withdraw(session, participant, interview)
    counts = Counter(
        session.exec(
            select(Interview.state)
            .join(Participant, Participant.id == Interview.participant_id)
            .where(Participant.engagement_id == engagement.id, Participant.external_id.in_([c.key for c in cast]))
        ).all()
    )
    return dict(counts)
