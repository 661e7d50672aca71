"""The demo engagement: a consultant account, a city with departments and roster counts, invites."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from pathlib import Path

from sqlmodel import Session, select

from assistant.accounts import create_user
from assistant.config import Settings
from assistant.engagements import create_engagement, create_invite, enable_open_link
from assistant.models import Engagement, User

DEMO_EMAIL = "consultant@demo.dm3"
DEMO_ORG = "City of Riverton (demo)"
DEPARTMENTS = ["Public Works", "Finance", "Parks and Recreation", "Police", "Planning"]
ROSTER = {
    ("Public Works", "frontline"): 40, ("Public Works", "supervisor"): 8, ("Public Works", "manager"): 3, ("Public Works", "executive"): 1,
    ("Finance", "frontline"): 18, ("Finance", "supervisor"): 4, ("Finance", "manager"): 2, ("Finance", "executive"): 1,
    ("Parks and Recreation", "frontline"): 25, ("Parks and Recreation", "supervisor"): 5, ("Parks and Recreation", "manager"): 2, ("Parks and Recreation", "executive"): 1,
    ("Police", "frontline"): 60, ("Police", "supervisor"): 10, ("Police", "manager"): 4, ("Police", "executive"): 1,
    ("Planning", "frontline"): 12, ("Planning", "supervisor"): 3, ("Planning", "manager"): 2, ("Planning", "executive"): 1,
}


@dataclass
class DemoInfo:
    email: str
    password: str
    engagement_id: int
    open_token: str
    invites: list[tuple[str, str]] = field(default_factory=list)


def _demo_password(settings: Settings) -> str:
    """A random demo password, kept beside the database so repeated runs print the same one."""
    path = Path("var") / "demo-password.txt"
    if path.exists():
        return path.read_text().strip()
    password = secrets.token_urlsafe(9)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(password + "\n")
    return password


def seed_demo(session: Session, settings: Settings) -> DemoInfo:
    """Create the demo account and engagement once; every run adds fresh invite links to print."""
    password = _demo_password(settings)
    user = session.exec(select(User).where(User.email == DEMO_EMAIL)).first()
    if user is None:
        user = create_user(session, DEMO_EMAIL, password, name="Demo Consultant")
    engagement = session.exec(select(Engagement).where(Engagement.organisation == DEMO_ORG)).first()
    if engagement is None:
        engagement = create_engagement(session, DEMO_ORG, DEPARTMENTS, roster=ROSTER, user=user)
    token = enable_open_link(session, engagement, True, user)
    invites = []
    for dept, role in (("Public Works", "frontline"), ("Finance", "manager"), ("Planning", "executive")):
        invites.append((f"{dept}, {role}", create_invite(session, engagement, dept, role).token))
    session.flush()
    return DemoInfo(DEMO_EMAIL, password, engagement.id, token, invites)
