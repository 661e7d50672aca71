"""Team page data: the engagement's members, whether the viewer may change them, the equity settings form."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from assistant.equity.config import EquitySettings, equity_settings
from assistant.models import Engagement, Membership, User
from assistant.records.engagements import open_link_hourly
from assistant.records.teams import ROLE_NAMES, TEAM_ROLES, AddedMember, members, membership
from assistant.throttle import OPEN_LINK_HOURLY_BOUNDS
from assistant.views import Page


@dataclass(frozen=True, kw_only=True)
class TeamView(Page):
    """The team page: members (leads first), whether the viewer is a lead (only a lead sees the
    forms), the roles one can add, the equity settings and their form's values (as stored, or as a
    refused post typed them), and the account just added (its one-time link)."""

    engagement: Engagement
    members: list[tuple[Membership, User]]
    is_lead: bool
    me: User
    roles: tuple[str, ...]
    role_names: dict[str, str]
    equity: EquitySettings
    settings_form: dict[str, str]
    open_link_form: dict[str, str]  # the open-link sign-up limit as stored, or as a refused post typed it
    open_link_bounds: tuple[int, int]
    added: AddedMember | None = None


def team_context(
    session: Session,
    engagement: Engagement,
    user: User,
    *,
    message: str | None = None,
    problems: list[str] | None = None,
    form: dict[str, Any] | None = None,
    settings_form: dict[str, str] | None = None,
    open_link_form: dict[str, str] | None = None,
    added: AddedMember | None = None,
) -> TeamView:
    """The team page for ``user`` (see ``TeamView``)."""
    mine = membership(session, engagement.id, user.id)
    cfg = equity_settings(engagement)
    attribute = cfg.attributes[0] if cfg.attributes else None
    stored = {
        "min_cell": str(cfg.min_cell),
        "flag_ratio": str(cfg.flag_ratio),
        "question": attribute.question if attribute else "",
        "options": "\n".join(attribute.options) if attribute else "",
    }
    return TeamView(
        engagement=engagement,
        members=members(session, engagement.id),
        is_lead=mine is not None and mine.role == "lead",
        me=user,
        roles=TEAM_ROLES,
        role_names=ROLE_NAMES,
        equity=cfg,
        settings_form=settings_form if settings_form is not None else stored,
        open_link_form=open_link_form or {"hourly": str(open_link_hourly(engagement))},
        open_link_bounds=OPEN_LINK_HOURLY_BOUNDS,
        added=added,
        message=message,
        problems=problems or [],
        form=form or {},
    )
