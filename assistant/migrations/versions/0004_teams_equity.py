"""teams, one-time password links, equity findings and random public participant labels

Revision ID: 0002_teams_equity
Revises: 0001

Data: every engagement gets its creator as lead; an engagement without a recorded creator (made
with the CLI) gets every consultant account as a member, so an upgrade locks nobody out of work
they could open before. Every participant gets a random public label.
"""

import secrets
from datetime import UTC, datetime

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0002_teams_equity"
down_revision = "0002_roadmap"
branch_labels = None
depends_on = None

_ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"


def upgrade() -> None:
    op.create_table(
        "passwordsetup",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("expires_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("used_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["created_by"], ["user.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("passwordsetup", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_passwordsetup_token_hash"), ["token_hash"], unique=True)
        batch_op.create_index(batch_op.f("ix_passwordsetup_user_id"), ["user_id"], unique=False)

    op.create_table(
        "membership",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("engagement_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("role", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("added_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["added_by"], ["user.id"]),
        sa.ForeignKeyConstraint(["engagement_id"], ["engagement.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("engagement_id", "user_id"),
    )
    with op.batch_alter_table("membership", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_membership_engagement_id"), ["engagement_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_membership_user_id"), ["user_id"], unique=False)

    op.create_table(
        "equityfinding",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("engagement_id", sa.Integer(), nullable=False),
        sa.Column("reviewer_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("severity", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("component", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("theme_id", sa.Integer(), nullable=True),
        sa.Column("group", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("withdrawn", sa.Boolean(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["engagement_id"], ["engagement.id"]),
        sa.ForeignKeyConstraint(["reviewer_id"], ["user.id"]),
        sa.ForeignKeyConstraint(["theme_id"], ["theme.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("equityfinding", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_equityfinding_engagement_id"), ["engagement_id"], unique=False)

    # the label column is added nullable, filled, then made NOT NULL (SQLite rebuilds the table)
    with op.batch_alter_table("participant", schema=None) as batch_op:
        batch_op.add_column(sa.Column("public_label", sqlmodel.sql.sqltypes.AutoString(), nullable=True))
    conn = op.get_bind()
    for (pid,) in conn.execute(sa.text("SELECT id FROM participant")).all():
        label = "P-" + "".join(secrets.choice(_ALPHABET) for _ in range(6))
        conn.execute(sa.text("UPDATE participant SET public_label = :l WHERE id = :i"), {"l": label, "i": pid})
    with op.batch_alter_table("participant", schema=None) as batch_op:
        batch_op.alter_column("public_label", existing_type=sqlmodel.sql.sqltypes.AutoString(), nullable=False)
        batch_op.create_index(batch_op.f("ix_participant_public_label"), ["public_label"], unique=False)

    # teams for the engagements that exist: the creator leads; no creator: every consultant is a member
    now = datetime.now(UTC)
    membership = sa.table(
        "membership",
        sa.column("engagement_id"),
        sa.column("user_id"),
        sa.column("role"),
        sa.column("created_at", sqlmodel.sql.sqltypes.UTCDateTime()),
    )
    consultants = [r[0] for r in conn.execute(sa.text("SELECT id FROM \"user\" WHERE role = 'consultant'")).all()]
    for eid, creator in conn.execute(sa.text("SELECT id, created_by FROM engagement")).all():
        members = [(creator, "lead")] if creator is not None else [(uid, "consultant") for uid in consultants]
        for uid, role in members:
            conn.execute(sa.insert(membership).values(engagement_id=eid, user_id=uid, role=role, created_at=now))


def downgrade() -> None:
    with op.batch_alter_table("participant", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_participant_public_label"))
        batch_op.drop_column("public_label")
    with op.batch_alter_table("equityfinding", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_equityfinding_engagement_id"))
    op.drop_table("equityfinding")
    with op.batch_alter_table("membership", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_membership_user_id"))
        batch_op.drop_index(batch_op.f("ix_membership_engagement_id"))
    op.drop_table("membership")
    with op.batch_alter_table("passwordsetup", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_passwordsetup_user_id"))
        batch_op.drop_index(batch_op.f("ix_passwordsetup_token_hash"))
    op.drop_table("passwordsetup")
