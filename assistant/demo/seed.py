"""The demo engagement: a consultant account, a city with departments and roster counts, invites,
and about forty staff interviews taken through the real interview engine (``interviews``).

The demo consultant and equity reviewer share one generated password, kept with the printed links
in ``var/demo.json`` (owner-only) so repeated runs print the same ones.
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from sqlmodel import Session, select

from assistant.config import Settings
from assistant.demo.city import DEPARTMENTS, ROSTER
from assistant.demo.interviews import seed_demo_interviews
from assistant.models import Engagement, Interview, Participant, User
from assistant.records.accounts import create_user
from assistant.records.engagements import Invitee, create_engagement, create_invite, enable_open_link
from assistant.records.teams import add_member, membership
from assistant.security import hash_password, token_hash, verify_password

DEMO_EMAIL = "consultant@demo.dm3"
DEMO_ORG = "City of Riverton (demo)"


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
            invite_token = create_invite(session, engagement, Invitee(dept, role)).token
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
