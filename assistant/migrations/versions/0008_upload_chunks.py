"""uploads stored in 1 MiB chunks (upload_chunk) instead of one value, so no step holds a whole file

Revision ID: 0005_upload_chunks
Revises: 0004_scale
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_upload_chunks"
down_revision = "0004_scale"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "uploadchunk",
        sa.Column("upload_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["upload_id"], ["upload.id"]),
        sa.PrimaryKeyConstraint("upload_id", "seq"),
    )
    # an upload kept when the release is installed (a day at most) stays usable: its bytes become one chunk
    op.execute("INSERT INTO uploadchunk (upload_id, seq, data) SELECT id, 0, data FROM upload")
    with op.batch_alter_table("upload") as batch:
        batch.drop_column("data")


def downgrade() -> None:
    with op.batch_alter_table("upload") as batch:
        batch.add_column(sa.Column("data", sa.LargeBinary(), nullable=False, server_default=sa.text("''")))
    # uploads wait a day at most: the ones kept now are dropped rather than joined back together
    op.execute("DELETE FROM uploadchunk")
    op.execute("DELETE FROM upload")
    op.drop_table("uploadchunk")
