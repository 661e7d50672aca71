"""themes at two levels: a sub-theme names its top theme, a member names its sub-theme

Revision ID: 0003_theme_levels
Revises: 0002_participant_name
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_theme_levels"
down_revision = "0002_harden"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # batch mode: SQLite cannot alter tables in place
    with op.batch_alter_table("theme") as batch:
        batch.add_column(sa.Column("parent_id", sa.Integer(), nullable=True))
        batch.create_index("ix_theme_parent_id", ["parent_id"])
        batch.create_foreign_key("fk_theme_parent_id", "theme", ["parent_id"], ["id"])
    with op.batch_alter_table("thememember") as batch:
        batch.add_column(sa.Column("subtheme_id", sa.Integer(), nullable=True))
        batch.create_index("ix_thememember_subtheme_id", ["subtheme_id"])
        batch.create_foreign_key("fk_thememember_subtheme_id", "theme", ["subtheme_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("thememember") as batch:
        batch.drop_constraint("fk_thememember_subtheme_id", type_="foreignkey")
        batch.drop_index("ix_thememember_subtheme_id")
        batch.drop_column("subtheme_id")
    with op.batch_alter_table("theme") as batch:
        batch.drop_constraint("fk_theme_parent_id", type_="foreignkey")
        batch.drop_index("ix_theme_parent_id")
        batch.drop_column("parent_id")
