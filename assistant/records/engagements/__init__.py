"""Engagement set-up and its people: organisation, departments, roster counts, invite links, the
names kept for redaction, and progress. One module per job; the names below are the public ones.

Invite tokens are returned once, at creation, and stored only as hashes. People's names (an
invitee's optional name, the roster of staff names) are kept for redaction before text leaves for
an LLM, and for the consultant's set-up page; they are never shown to equity reviewers.
"""

from assistant.records.engagements.disclosure import COLUMNS, group_tables, population, units_for
from assistant.records.engagements.invites import (
    MAX_INVITE_CSV_BYTES,
    Invitee,
    NewInvite,
    create_invite,
    enable_open_link,
    import_invites_csv,
    join_open_link,
    open_link_hourly,
    parse_open_link_hourly,
    set_open_link_hourly,
)
from assistant.records.engagements.names import (
    MAX_NAME_CHARS,
    MAX_ROSTER_NAMES,
    parse_names,
    people_names,
    roster_names,
    scrubber_for,
    set_roster_names,
)
from assistant.records.engagements.settings import EngagementSettings, change_settings, min_cell_of, settings_of
from assistant.records.engagements.setup import (
    DEFAULT_ROLE_LEVELS,
    EngagementError,
    create_engagement,
    llm_switched_off,
    parse_list,
    roster_rows,
    set_llm_enabled,
    set_roster,
)
from assistant.records.engagements.status import STATUSES, engagement_counts, participant_status, progress

__all__ = [
    "COLUMNS",
    "group_tables",
    "population",
    "units_for",
    "DEFAULT_ROLE_LEVELS",
    "MAX_INVITE_CSV_BYTES",
    "MAX_NAME_CHARS",
    "MAX_ROSTER_NAMES",
    "STATUSES",
    "EngagementError",
    "NewInvite",
    "change_settings",
    "EngagementSettings",
    "min_cell_of",
    "settings_of",
    "create_engagement",
    "Invitee",
    "create_invite",
    "enable_open_link",
    "engagement_counts",
    "import_invites_csv",
    "join_open_link",
    "open_link_hourly",
    "parse_open_link_hourly",
    "set_open_link_hourly",
    "llm_switched_off",
    "parse_list",
    "parse_names",
    "participant_status",
    "people_names",
    "scrubber_for",
    "progress",
    "roster_names",
    "roster_rows",
    "set_llm_enabled",
    "set_roster",
    "set_roster_names",
]
