"""roadmap: readiness signals, roadmap items, participants' quote consent

Revision ID: 0002_roadmap
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = "0002_roadmap"
down_revision = "0002_participant_name"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("participant", schema=None) as batch_op:
        batch_op.add_column(sa.Column("quote_consent", sa.Boolean(), server_default="0", nullable=False))

    op.create_table(
        "readinesssignal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("engagement_id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("derived", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("value", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("derived_when_confirmed", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("confirmed_by", sa.Integer(), nullable=True),
        sa.Column("confirmed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["confirmed_by"], ["user.id"]),
        sa.ForeignKeyConstraint(["engagement_id"], ["engagement.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("engagement_id", "kind"),
    )
    with op.batch_alter_table("readinesssignal", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_readinesssignal_engagement_id"), ["engagement_id"], unique=False)

    op.create_table(
        "roadmapitem",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("engagement_id", sa.Integer(), nullable=False),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("component", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("from_level", sa.Integer(), nullable=True),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("depends_on", sa.JSON(), nullable=False),
        sa.Column("phase", sa.Integer(), nullable=False),
        sa.Column("pinned", sa.Boolean(), nullable=False),
        sa.Column("owner", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("removed_reason", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("origin", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("needed", sa.Boolean(), nullable=False),
        sa.Column("priority", sa.Float(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("why", sa.JSON(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["engagement_id"], ["engagement.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("engagement_id", "key"),
    )
    with op.batch_alter_table("roadmapitem", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_roadmapitem_engagement_id"), ["engagement_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("roadmapitem", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_roadmapitem_engagement_id"))
    op.drop_table("roadmapitem")
    with op.batch_alter_table("readinesssignal", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_readinesssignal_engagement_id"))
    op.drop_table("readinesssignal")
    with op.batch_alter_table("participant", schema=None) as batch_op:
        batch_op.drop_column("quote_consent")
