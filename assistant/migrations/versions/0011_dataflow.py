"""the data-flow map: systems catalogue, aliases, mentions, flows, catalogue edits

Revision ID: 0011_dataflow
Revises: 0010_audit_labels
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0011_dataflow"
down_revision = "0010_audit_labels"
branch_labels = None
depends_on = None

_S = sqlmodel.sql.sqltypes.AutoString
_T = sqlmodel.sql.sqltypes.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "system",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("engagement_id", sa.Integer(), nullable=False),
        sa.Column("key", _S(), nullable=False),
        sa.Column("name", _S(), nullable=False),
        sa.Column("vendor", _S(), nullable=False),
        sa.Column("owner_department", _S(), nullable=False),
        sa.Column("known", _S(), nullable=True),
        sa.Column("merged_into", _S(), nullable=True),
        sa.Column("name_locked", sa.Boolean(), nullable=False),
        sa.Column("created_at", _T(), nullable=False),
        sa.ForeignKeyConstraint(["engagement_id"], ["engagement.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("engagement_id", "key"),
    )
    op.create_index(op.f("ix_system_engagement_id"), "system", ["engagement_id"])
    op.create_table(
        "systemalias",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("system_id", sa.Integer(), nullable=False),
        sa.Column("text", _S(), nullable=False),
        sa.Column("normalised", _S(), nullable=False),
        sa.Column("source", _S(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["participant_id"], ["participant.id"]),
        sa.ForeignKeyConstraint(["system_id"], ["system.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_systemalias_system_id"), "systemalias", ["system_id"])
    op.create_index(op.f("ix_systemalias_normalised"), "systemalias", ["normalised"])
    op.create_index(op.f("ix_systemalias_participant_id"), "systemalias", ["participant_id"])
    op.create_table(
        "systemmention",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("engagement_id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("turn_id", sa.Integer(), nullable=True),
        sa.Column("text", _S(), nullable=False),
        sa.Column("system_id", sa.Integer(), nullable=True),
        sa.Column("confirmed", sa.Boolean(), nullable=False),
        sa.Column("created_at", _T(), nullable=False),
        sa.ForeignKeyConstraint(["engagement_id"], ["engagement.id"]),
        sa.ForeignKeyConstraint(["participant_id"], ["participant.id"]),
        sa.ForeignKeyConstraint(["system_id"], ["system.id"]),
        sa.ForeignKeyConstraint(["turn_id"], ["turn.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_systemmention_engagement_id"), "systemmention", ["engagement_id"])
    op.create_index(op.f("ix_systemmention_participant_id"), "systemmention", ["participant_id"])
    op.create_index(op.f("ix_systemmention_system_id"), "systemmention", ["system_id"])
    op.create_table(
        "flow",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("engagement_id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("mention_id", sa.Integer(), nullable=False),
        sa.Column("source_kind", _S(), nullable=False),
        sa.Column("source_ref", _S(), nullable=False),
        sa.Column("source_mention_id", sa.Integer(), nullable=True),
        sa.Column("target_kind", _S(), nullable=False),
        sa.Column("target_ref", _S(), nullable=False),
        sa.Column("target_mention_id", sa.Integer(), nullable=True),
        sa.Column("method", _S(), nullable=False),
        sa.Column("frequency", _S(), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=True),
        sa.Column("fixes", _S(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("confirmed", sa.Boolean(), nullable=False),
        sa.Column("turn_id", sa.Integer(), nullable=True),
        sa.Column("created_at", _T(), nullable=False),
        sa.ForeignKeyConstraint(["engagement_id"], ["engagement.id"]),
        sa.ForeignKeyConstraint(["participant_id"], ["participant.id"]),
        sa.ForeignKeyConstraint(["mention_id"], ["systemmention.id"]),
        sa.ForeignKeyConstraint(["source_mention_id"], ["systemmention.id"]),
        sa.ForeignKeyConstraint(["target_mention_id"], ["systemmention.id"]),
        sa.ForeignKeyConstraint(["turn_id"], ["turn.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_flow_engagement_id"), "flow", ["engagement_id"])
    op.create_index(op.f("ix_flow_participant_id"), "flow", ["participant_id"])
    op.create_index(op.f("ix_flow_mention_id"), "flow", ["mention_id"])
    op.create_table(
        "catalogueedit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("engagement_id", sa.Integer(), nullable=False),
        sa.Column("action", _S(), nullable=False),
        sa.Column("system_key", _S(), nullable=False),
        sa.Column("other_key", _S(), nullable=False),
        sa.Column("alias", _S(), nullable=False),
        sa.Column("name", _S(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("created_at", _T(), nullable=False),
        sa.ForeignKeyConstraint(["engagement_id"], ["engagement.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_catalogueedit_engagement_id"), "catalogueedit", ["engagement_id"])


def downgrade() -> None:
    for table in ("catalogueedit", "flow", "systemmention", "systemalias", "system"):
        op.drop_table(table)
