"""audit events name participants by their public label, never by database id (ids follow invite order)

Rewrites what earlier releases stored: the actor ``participant P-<id>``, the entities
``participant:<id>`` and ``interview:<id>`` (now the participant's label), an ``invite.create``
event's ``participant:<id>`` (now ``invite``: an invite is logged by its group only, so nothing ties the
email typed to the transcript), and ``P-<id>`` in near-duplicate notes (the participant's note and the
flag events' before/after). Not reversible: the downgrade leaves the labels.

Revision ID: 0009_audit_labels
Revises: 0005_upload_chunks
"""

import json
import re

import sqlalchemy as sa
from alembic import op

revision = "0010_audit_labels"
down_revision = "0009_settings_shape"
branch_labels = None
depends_on = None

_ID_REF = re.compile(r"\bP-(\d+)\b")


def _labels(text: str, labels: dict[int, str]) -> str:
    return _ID_REF.sub(lambda m: labels.get(int(m.group(1)), m.group(0)), text)


def _as_dict(value: object) -> dict:
    return json.loads(value) if isinstance(value, str) else dict(value or {})


def upgrade() -> None:
    conn = op.get_bind()
    labels = {pid: label for pid, label in conn.execute(sa.text("SELECT id, public_label FROM participant"))}
    interview_label = {
        iid: labels.get(pid, "") for iid, pid in conn.execute(sa.text("SELECT id, participant_id FROM interview"))
    }
    events = sa.table(
        "auditevent",
        sa.column("id", sa.Integer),
        sa.column("actor", sa.String),
        sa.column("action", sa.String),
        sa.column("entity", sa.String),
        sa.column("before", sa.JSON),
        sa.column("after", sa.JSON),
    )
    rows = conn.execute(
        sa.select(events).where(
            sa.or_(
                events.c.actor.like("participant P-%"),
                events.c.entity.like("participant:%"),
                events.c.entity.like("interview:%"),
            )
        )
    ).all()
    for row in rows:
        kind, _, ident = row.entity.partition(":")
        entity = row.entity
        if row.action == "invite.create":
            entity = "invite"
        elif kind == "participant" and ident.isdigit():
            entity = f"participant:{labels.get(int(ident), 'P-unknown')}"
        elif kind == "interview" and ident.isdigit():
            entity = f"interview:{interview_label.get(int(ident)) or 'P-unknown'}"
        before, after = _as_dict(row.before), _as_dict(row.after)
        for side in (before, after):
            if isinstance(side.get("note"), str):
                side["note"] = _labels(side["note"], labels)
        conn.execute(
            events.update()
            .where(events.c.id == row.id)
            .values(actor=_labels(row.actor, labels), entity=entity, before=before, after=after)
        )
    people = sa.table("participant", sa.column("id", sa.Integer), sa.column("flag_note", sa.String))
    for pid, note in conn.execute(sa.select(people.c.id, people.c.flag_note).where(people.c.flag_note.like("%P-%"))):
        conn.execute(people.update().where(people.c.id == pid).values(flag_note=_labels(note, labels)))


def downgrade() -> None:
    pass  # the labels stay: an id that orders people by invite is not put back
