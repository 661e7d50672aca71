"""participant name (optional, for redaction before text leaves for an LLM)

Revision ID: 0002_participant_name
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = "0002_participant_name"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # batch mode: SQLite cannot alter tables in place
    with op.batch_alter_table("participant") as batch:
        batch.add_column(sa.Column("name", sqlmodel.sql.sqltypes.AutoString(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("participant") as batch:
        batch.drop_column("name")
