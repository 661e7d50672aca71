"""engagement settings rewritten into the validated shape of ``EngagementSettings``

Every stored ``engagement.settings`` becomes ``parse_settings(value).model_dump(mode="json")``: keys
the model does not know are dropped, values it cannot use take their default (``min_cell`` below 3
becomes 3, a ratio outside 0-1 its default, an attribute without key or question is left out), and
every field is written out. Downgrade keeps the values and drops the fields left empty (None), which
the code before this revision read as missing.

Revision ID: 0009_settings_shape
Revises: 0005_upload_chunks
"""

import sqlalchemy as sa
from alembic import op

from assistant.models.settings import parse_settings

revision = "0009_settings_shape"
down_revision = "0005_upload_chunks"
branch_labels = None
depends_on = None

ENGAGEMENT = sa.table("engagement", sa.column("id", sa.Integer), sa.column("settings", sa.JSON))


def _rewrite(shape) -> None:
    conn = op.get_bind()
    for row in conn.execute(sa.select(ENGAGEMENT.c.id, ENGAGEMENT.c.settings)).all():
        new = shape(row.settings)
        if new != row.settings:
            conn.execute(sa.update(ENGAGEMENT).where(ENGAGEMENT.c.id == row.id).values(settings=new))


def upgrade() -> None:
    _rewrite(lambda value: parse_settings(value).model_dump(mode="json"))


def downgrade() -> None:
    _rewrite(lambda value: {k: v for k, v in (value or {}).items() if v is not None})
