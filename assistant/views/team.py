"""Team page data: the engagement's members, whether the viewer may change them, the equity settings form."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from assistant.equity.config import equity_settings
from assistant.models import Engagement, User
from assistant.records.engagements import open_link_hourly
from assistant.records.teams import ROLE_NAMES, TEAM_ROLES, members, membership
from assistant.throttle import OPEN_LINK_HOURLY_BOUNDS


def team_context(session: Session, engagement: Engagement, user: User, **extra: Any) -> dict[str, Any]:
    """The team page: members (leads first), the viewer's role (only a lead sees the forms), the
    roles one can add, the equity settings and the open-link sign-up limit with the forms' values;
    ``extra`` overrides."""
    mine = membership(session, engagement.id, user.id)
    cfg = equity_settings(engagement)
    attribute = cfg.attributes[0] if cfg.attributes else None
    ctx: dict[str, Any] = {
        "engagement": engagement,
        "members": members(session, engagement.id),
        "is_lead": mine is not None and mine.role == "lead",
        "me": user,
        "roles": TEAM_ROLES,
        "role_names": ROLE_NAMES,
        "equity": cfg,
        "settings_form": {
            "min_cell": str(cfg.min_cell),
            "flag_ratio": str(cfg.flag_ratio),
            "question": attribute.question if attribute else "",
            "options": "\n".join(attribute.options) if attribute else "",
        },
        "open_link_form": {"hourly": str(open_link_hourly(engagement))},
        "open_link_bounds": OPEN_LINK_HOURLY_BOUNDS,
        "added": None,
        "problems": [],
        "message": None,
        "form": {},
    }
    ctx.update(extra)
    return ctx
