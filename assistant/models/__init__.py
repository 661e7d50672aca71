"""The schema: every SQLModel table, one module per area, all re-exported here.

Migrations in ``assistant/migrations`` create and upgrade these tables; never call
``create_all`` outside tests of the migrations themselves.

Conventions:
- times are timezone-aware UTC (``utcnow()``; SQLModel's UTCDateTime stores them), ids are integers;
  evidence segments are shown as ``E-<id>``;
- JSON columns hold small, typed-at-the-edge structures (lists of ids, settings);
- staff turns are immutable: an edit is a new turn whose ``supersedes_id`` names the old one.
"""

from sqlmodel import SQLModel

from assistant.models.accounts import AuthSession, PasswordSetup, RateHit, User
from assistant.models.base import PUBLIC_LABEL, as_utc, new_public_label, utcnow
from assistant.models.dataflow import (
    FLOW_METHODS,
    MANUAL_METHODS,
    CatalogueEdit,
    Flow,
    System,
    SystemAlias,
    SystemMention,
)
from assistant.models.engagement import Consent, Engagement, Membership, Participant, RosterCount
from assistant.models.equity import EquityFinding
from assistant.models.evidence import Embedding, Segment, SurveyImport, Theme, ThemeMember
from assistant.models.followup import (
    ItemProgress,
    Organisation,
    ParticipantLink,
    ProgressNote,
    StoredMatch,
    ThemeMatch,
)
from assistant.models.interview import Interview, Turn
from assistant.models.logs import AuditEvent, LLMCall
from assistant.models.rating import Decision, RatingProposal
from assistant.models.roadmap import ReadinessSignal, RoadmapItem
from assistant.models.runs import RUN_UNFINISHED_SQL, ExportFile, Run, Upload, UploadChunk

__all__ = [
    "FLOW_METHODS",
    "MANUAL_METHODS",
    "SystemMention",
    "SystemAlias",
    "System",
    "Flow",
    "CatalogueEdit",
    "ThemeMatch",
    "StoredMatch",
    "ProgressNote",
    "ParticipantLink",
    "Organisation",
    "ItemProgress",
    "AuditEvent",
    "AuthSession",
    "Consent",
    "Decision",
    "Embedding",
    "Engagement",
    "EquityFinding",
    "ExportFile",
    "Interview",
    "LLMCall",
    "Membership",
    "Participant",
    "PasswordSetup",
    "RUN_UNFINISHED_SQL",
    "RateHit",
    "RatingProposal",
    "ReadinessSignal",
    "RoadmapItem",
    "RosterCount",
    "Run",
    "SQLModel",
    "Segment",
    "SurveyImport",
    "Theme",
    "ThemeMember",
    "Turn",
    "Upload",
    "UploadChunk",
    "User",
    "as_utc",
    "new_public_label",
    "PUBLIC_LABEL",
    "utcnow",
]
