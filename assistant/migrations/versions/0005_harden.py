"""hardening: flood counters, near-duplicate flags on participants, the open-link token stored hashed

Revision ID: 0002_harden
Revises: 0001
"""

import hashlib

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0002_harden"
down_revision = "0002_teams_equity"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ratehit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("bucket", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("ratehit", schema=None) as batch_op:
        batch_op.create_index("ix_ratehit_bucket_key_at", ["bucket", "key", "at"], unique=False)
        batch_op.create_index(batch_op.f("ix_ratehit_at"), ["at"], unique=False)

    with op.batch_alter_table("participant", schema=None) as batch_op:
        batch_op.add_column(sa.Column("flag", sqlmodel.sql.sqltypes.AutoString(), nullable=False, server_default=""))
        batch_op.add_column(
            sa.Column("flag_note", sqlmodel.sql.sqltypes.AutoString(), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("flag_accepted_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))

    # the open-link token becomes a hash: existing links keep working, the plain token is gone
    with op.batch_alter_table("engagement", schema=None) as batch_op:
        batch_op.add_column(sa.Column("open_token_hash", sqlmodel.sql.sqltypes.AutoString(), nullable=True))
    conn = op.get_bind()
    engagement = sa.table("engagement", sa.column("id", sa.Integer), sa.column("open_token", sa.String),
                          sa.column("open_token_hash", sa.String))
    for row_id, token in conn.execute(sa.select(engagement.c.id, engagement.c.open_token)).all():
        if token:
            digest = hashlib.sha256(token.encode("utf-8")).hexdigest()
            conn.execute(engagement.update().where(engagement.c.id == row_id).values(open_token_hash=digest))
    with op.batch_alter_table("engagement", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_engagement_open_token"))
        batch_op.drop_column("open_token")
        batch_op.create_index(batch_op.f("ix_engagement_open_token_hash"), ["open_token_hash"], unique=True)


def downgrade() -> None:
    # the plain tokens cannot be recovered: open links must be renewed after a downgrade
    with op.batch_alter_table("engagement", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_engagement_open_token_hash"))
        batch_op.drop_column("open_token_hash")
        batch_op.add_column(sa.Column("open_token", sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch_op.create_index(batch_op.f("ix_engagement_open_token"), ["open_token"], unique=True)
    with op.batch_alter_table("participant", schema=None) as batch_op:
        batch_op.drop_column("flag_accepted_at")
        batch_op.drop_column("flag_note")
        batch_op.drop_column("flag")
    with op.batch_alter_table("ratehit", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ratehit_at"))
        batch_op.drop_index("ix_ratehit_bucket_key_at")
    op.drop_table("ratehit")
