"""run leases (one unfinished run per engagement and kind across processes), run parameters, uploads
and export files in the database

Revision ID: 0004_scale
Revises: 0003_theme_levels
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0004_scale"
down_revision = "0003_theme_levels"
branch_labels = None
depends_on = None

UNFINISHED = "status IN ('queued', 'running')"


def upgrade() -> None:
    with op.batch_alter_table("run") as batch:
        batch.add_column(sa.Column("lease_holder", sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch.add_column(sa.Column("lease_expires_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("params", sa.JSON(), nullable=False, server_default=sa.text("'{}'")))
    with op.batch_alter_table("run") as batch:
        batch.alter_column("params", server_default=None)
    # runs left unfinished by the one-process version: the newest per engagement and kind stays (a
    # running one without a lease is found interrupted by the first worker; a queued one built its
    # work in the process that queued it, so it cannot be done elsewhere and is failed), older ones are
    # failed so the unique index below can hold
    op.execute(
        "UPDATE run SET status = 'failed', message = 'Interrupted: replaced by a later run.' "
        f"WHERE {UNFINISHED} AND id NOT IN (SELECT max(id) FROM run WHERE {UNFINISHED} GROUP BY engagement_id, kind)"
    )
    op.execute(
        "UPDATE run SET status = 'failed', message = 'Interrupted by an upgrade before it started; run it again.' "
        "WHERE status = 'queued' AND kind IN ('import', 'export')"
    )
    op.create_index(
        "uq_run_unfinished",
        "run",
        ["engagement_id", "kind"],
        unique=True,
        sqlite_where=sa.text(UNFINISHED),
        postgresql_where=sa.text(UNFINISHED),
    )

    op.create_table(
        "upload",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ref", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("engagement_id", sa.Integer(), nullable=False),
        sa.Column("filename", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["engagement_id"], ["engagement.id"]),
        sa.ForeignKeyConstraint(["created_by"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_upload_ref"), "upload", ["ref"], unique=True)
    op.create_index(op.f("ix_upload_engagement_id"), "upload", ["engagement_id"], unique=False)
    op.create_index(op.f("ix_upload_created_at"), "upload", ["created_at"], unique=False)

    op.create_table(
        "exportfile",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("engagement_id", sa.Integer(), nullable=False),
        sa.Column("filename", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("media_type", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["run.id"]),
        sa.ForeignKeyConstraint(["engagement_id"], ["engagement.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_exportfile_run_id"), "exportfile", ["run_id"], unique=True)
    op.create_index(op.f("ix_exportfile_engagement_id"), "exportfile", ["engagement_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_exportfile_engagement_id"), table_name="exportfile")
    op.drop_index(op.f("ix_exportfile_run_id"), table_name="exportfile")
    op.drop_table("exportfile")
    op.drop_index(op.f("ix_upload_created_at"), table_name="upload")
    op.drop_index(op.f("ix_upload_engagement_id"), table_name="upload")
    op.drop_index(op.f("ix_upload_ref"), table_name="upload")
    op.drop_table("upload")
    op.drop_index("uq_run_unfinished", table_name="run")
    with op.batch_alter_table("run") as batch:
        batch.drop_column("params")
        batch.drop_column("lease_expires_at")
        batch.drop_column("lease_holder")
