"""follow-up assessments: organisations, roadmap progress and notes, theme matches, consented participant links

Adds ``organisation``; ``engagement.organisation_id``, ``previous_id``, ``kind`` (full | pulse),
``pulse_plan`` and ``rubric_version``; ``consent.purpose`` (interview | link) with a unique
constraint over (id, participant_id, given, purpose) that ``participantlink`` references on each
side; ``itemprogress``, ``progressnote`` and ``themematch``.

Revision ID: 0012_followup
Revises: 0011_dataflow
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0012_followup"
down_revision = "0011_dataflow"
branch_labels = None
depends_on = None

_STR = sqlmodel.sql.sqltypes.AutoString
_TIME = sqlmodel.sql.sqltypes.UTCDateTime


def _organisation_and_engagement() -> None:
    op.create_table(
        "organisation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", _STR(), nullable=False),
        sa.Column("created_at", _TIME(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("engagement", schema=None) as batch_op:
        batch_op.add_column(sa.Column("organisation_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("previous_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("kind", _STR(), server_default="full", nullable=False))
        batch_op.add_column(sa.Column("pulse_plan", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("rubric_version", _STR(), server_default="", nullable=False))
        batch_op.create_index(batch_op.f("ix_engagement_organisation_id"), ["organisation_id"], unique=False)
        batch_op.create_foreign_key("fk_engagement_organisation_id", "organisation", ["organisation_id"], ["id"])
        batch_op.create_foreign_key("fk_engagement_previous_id", "engagement", ["previous_id"], ["id"])
    with op.batch_alter_table("consent", schema=None) as batch_op:
        batch_op.add_column(sa.Column("purpose", _STR(), server_default="interview", nullable=False))
        batch_op.create_unique_constraint(
            "uq_consent_id_participant_given_purpose", ["id", "participant_id", "given", "purpose"]
        )


def _progress() -> None:
    op.create_table(
        "itemprogress",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("engagement_id", sa.Integer(), nullable=False),
        sa.Column("status", _STR(), nullable=False),
        sa.Column("reason", _STR(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("done_at", _TIME(), nullable=True),
        sa.Column("updated_at", _TIME(), nullable=False),
        sa.Column("updated_by", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "status IN ('not_started', 'in_progress', 'done', 'dropped')", name="ck_itemprogress_status"
        ),
        sa.CheckConstraint("status != 'dropped' OR reason != ''", name="ck_itemprogress_dropped_reason"),
        sa.ForeignKeyConstraint(["engagement_id"], ["engagement.id"]),
        sa.ForeignKeyConstraint(["item_id"], ["roadmapitem.id"]),
        sa.ForeignKeyConstraint(["owner_id"], ["user.id"]),
        sa.ForeignKeyConstraint(["updated_by"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("item_id"),
    )
    op.create_index("ix_itemprogress_engagement_id", "itemprogress", ["engagement_id"], unique=False)
    op.create_index("ix_itemprogress_owner_id", "itemprogress", ["owner_id"], unique=False)
    op.create_table(
        "progressnote",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("engagement_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("written_on", sa.Date(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", _TIME(), nullable=False),
        sa.ForeignKeyConstraint(["author_id"], ["user.id"]),
        sa.ForeignKeyConstraint(["engagement_id"], ["engagement.id"]),
        sa.ForeignKeyConstraint(["item_id"], ["roadmapitem.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_progressnote_engagement_id", "progressnote", ["engagement_id"], unique=False)
    op.create_index("ix_progressnote_item_id", "progressnote", ["item_id"], unique=False)


def _matches_and_links() -> None:
    op.create_table(
        "themematch",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("engagement_id", sa.Integer(), nullable=False),
        sa.Column("previous_id", sa.Integer(), nullable=False),
        sa.Column("a_theme_id", sa.Integer(), nullable=True),
        sa.Column("b_theme_id", sa.Integer(), nullable=True),
        sa.Column("change", _STR(), nullable=False),
        sa.Column("similarity", sa.Float(), nullable=True),
        sa.Column("corrected_by", sa.Integer(), nullable=True),
        sa.Column("created_at", _TIME(), nullable=False),
        sa.ForeignKeyConstraint(["a_theme_id"], ["theme.id"]),
        sa.ForeignKeyConstraint(["b_theme_id"], ["theme.id"]),
        sa.ForeignKeyConstraint(["corrected_by"], ["user.id"]),
        sa.ForeignKeyConstraint(["engagement_id"], ["engagement.id"]),
        sa.ForeignKeyConstraint(["previous_id"], ["engagement.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_themematch_engagement_id", "themematch", ["engagement_id"], unique=False)
    op.create_index("ix_themematch_previous_id", "themematch", ["previous_id"], unique=False)
    op.create_table(
        "participantlink",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("earlier_id", sa.Integer(), nullable=False),
        sa.Column("later_id", sa.Integer(), nullable=False),
        sa.Column("earlier_consent_id", sa.Integer(), nullable=False),
        sa.Column("later_consent_id", sa.Integer(), nullable=False),
        sa.Column("earlier_given", sa.Boolean(), nullable=False),
        sa.Column("later_given", sa.Boolean(), nullable=False),
        sa.Column("earlier_purpose", _STR(), nullable=False),
        sa.Column("later_purpose", _STR(), nullable=False),
        sa.Column("created_at", _TIME(), nullable=False),
        sa.CheckConstraint(
            "earlier_given AND later_given AND earlier_purpose = 'link' AND later_purpose = 'link'"
            " AND earlier_id != later_id",
            name="ck_participantlink_consented",
        ),
        sa.ForeignKeyConstraint(["earlier_id"], ["participant.id"]),
        sa.ForeignKeyConstraint(["later_id"], ["participant.id"]),
        sa.ForeignKeyConstraint(
            ["earlier_consent_id", "earlier_id", "earlier_given", "earlier_purpose"],
            ["consent.id", "consent.participant_id", "consent.given", "consent.purpose"],
            name="fk_participantlink_earlier_consent",
        ),
        sa.ForeignKeyConstraint(
            ["later_consent_id", "later_id", "later_given", "later_purpose"],
            ["consent.id", "consent.participant_id", "consent.given", "consent.purpose"],
            name="fk_participantlink_later_consent",
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("earlier_id"),
        sa.UniqueConstraint("later_id"),
    )


def upgrade() -> None:
    _organisation_and_engagement()
    _progress()
    _matches_and_links()


def downgrade() -> None:
    op.drop_table("participantlink")
    op.drop_table("themematch")
    op.drop_index("ix_progressnote_item_id", table_name="progressnote")
    op.drop_index("ix_progressnote_engagement_id", table_name="progressnote")
    op.drop_table("progressnote")
    op.drop_index("ix_itemprogress_owner_id", table_name="itemprogress")
    op.drop_index("ix_itemprogress_engagement_id", table_name="itemprogress")
    op.drop_table("itemprogress")
    with op.batch_alter_table("consent", schema=None) as batch_op:
        batch_op.drop_constraint("uq_consent_id_participant_given_purpose", type_="unique")
        batch_op.drop_column("purpose")
    with op.batch_alter_table("engagement", schema=None) as batch_op:
        batch_op.drop_constraint("fk_engagement_previous_id", type_="foreignkey")
        batch_op.drop_constraint("fk_engagement_organisation_id", type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_engagement_organisation_id"))
        batch_op.drop_column("rubric_version")
        batch_op.drop_column("pulse_plan")
        batch_op.drop_column("kind")
        batch_op.drop_column("previous_id")
        batch_op.drop_column("organisation_id")
    op.drop_table("organisation")

