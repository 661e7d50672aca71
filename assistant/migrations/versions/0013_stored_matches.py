"""the theme matches of a comparison, stored when first computed

Adds ``storedmatch``: the rows of the matching between two assessments' themes, kept while their
stamp (both sides' themes, synthesis runs and the consultant's corrections) holds.

Revision ID: 0013_stored_matches
Revises: 0012_followup
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0013_stored_matches"
down_revision = "0012_followup"
branch_labels = None
depends_on = None

_STR = sqlmodel.sql.sqltypes.AutoString
_TIME = sqlmodel.sql.sqltypes.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "storedmatch",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("engagement_id", sa.Integer(), nullable=False),
        sa.Column("previous_id", sa.Integer(), nullable=False),
        sa.Column("stamp", _STR(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("component", _STR(), nullable=False),
        sa.Column("a_themes", sa.JSON(), nullable=False),
        sa.Column("b_themes", sa.JSON(), nullable=False),
        sa.Column("change", _STR(), nullable=False),
        sa.Column("similarity", sa.Float(), nullable=True),
        sa.Column("corrected", sa.Boolean(), nullable=False),
        sa.Column("created_at", _TIME(), nullable=False),
        sa.ForeignKeyConstraint(["engagement_id"], ["engagement.id"]),
        sa.ForeignKeyConstraint(["previous_id"], ["engagement.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("engagement_id", "previous_id", "stamp", "position"),
    )
    with op.batch_alter_table("storedmatch", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_storedmatch_engagement_id"), ["engagement_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_storedmatch_previous_id"), ["previous_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("storedmatch", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_storedmatch_previous_id"))
        batch_op.drop_index(batch_op.f("ix_storedmatch_engagement_id"))
    op.drop_table("storedmatch")
