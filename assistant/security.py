"""Passwords, link tokens and audit events: the small pieces every route needs."""

from __future__ import annotations

import csv
import hashlib
import io
import re
import secrets
import threading
from collections.abc import Callable, Iterable, Sequence
from functools import partial
from typing import Annotated, Any, TypedDict, TypeVar, Unpack

from pwdlib import PasswordHash
from pydantic import BeforeValidator, WithJsonSchema
from sqlmodel import Session

from assistant.models import AuditEvent, Participant, User

_hasher = PasswordHash.recommended()  # argon2id
T = TypeVar("T")

# argon2id takes about 64 MiB and tens of milliseconds per hash: 40 logins at once cost ~1 GB. At most
# HASH_SLOTS hashes run at once in this process; the rest wait up to HASH_WAIT_S, then are told to retry.
HASH_SLOTS = 4
HASH_WAIT_S = 10.0
_hash_slots = threading.BoundedSemaphore(HASH_SLOTS)


class Busy(RuntimeError):
    """Too many password checks are running; the caller answers "try again shortly" (429)."""


def _hashing(fn: Callable[..., T], *args: str) -> T:
    if not _hash_slots.acquire(timeout=HASH_WAIT_S):
        raise Busy("The server is busy checking other logins. Try again in a minute.")
    try:
        return fn(*args)
    finally:
        _hash_slots.release()


def hash_password(password: str) -> str:
    """The argon2id hash of ``password`` (at most ``HASH_SLOTS`` hashes run at once; ``Busy`` past the wait)."""
    return _hashing(_hasher.hash, password)


def verify_password(password: str, password_hash: str) -> bool:
    """True when ``password`` matches ``password_hash``; a malformed hash is a failed check, never a crash."""
    try:
        return _hashing(_hasher.verify, password, password_hash)
    except Busy:
        raise
    except Exception:
        return False


def new_token() -> str:
    """A URL-safe random token for invite links and sessions (shown once, stored hashed)."""
    return secrets.token_urlsafe(24)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


# C0 controls other than tab, newline and carriage return, DEL, and C1 controls: invisible, they break
# CSV files, terminals and PostgreSQL text columns (which refuse NUL outright)
# the largest id an INTEGER key holds on PostgreSQL (32 bits; SQLite's hold 64, but one rule for both engines:
# a larger number sent to PostgreSQL is a server error, not "not found")
MAX_ID = 2**31 - 1


def whole_number(raw: str, low: int = 0, high: int = MAX_ID) -> int | None:
    """The whole number typed in a form field, or None unless it is plain digits 0-9 from ``low`` to ``high``.

    Python's ``isdigit`` and ``int`` take more than a person means by a number ("²" passes the one
    and crashes the other, "٣" is 3, " 1", "+1" and "1_000" are 1 and 1000), and a 20-digit number
    overflows a database integer: each of these is None, for the caller to refuse with its message.
    """
    if not isinstance(raw, str) or not raw or len(raw) > 19 or not (raw.isascii() and raw.isdigit()):
        return None
    value = int(raw)
    return value if low <= value <= high else None


def _parse_whole(low: int, high: int, message: str, raw: object) -> int:
    if isinstance(raw, int) and not isinstance(raw, bool) and low <= raw <= high:
        return raw  # a model built in code, not from a form
    value = whole_number(raw, low, high) if isinstance(raw, str) else None
    if value is None:
        shown = raw[:40] if isinstance(raw, str) else type(raw).__name__
        raise ValueError(f"{message or f'must be a whole number from {low:,} to {high:,}'} (got '{shown}')")
    return value


def _blank_is_none(raw: object) -> object:
    return None if raw == "" else raw


def whole_number_type(low: int = 0, high: int = MAX_ID, message: str = "", blank: bool = False) -> Any:
    """The one whole-number type of every form field (``Annotated[int, ...]``): plain digits 0-9 from
    ``low`` to ``high`` (``whole_number``'s rule), else refused with ``message`` (default: ``must be
    a whole number from {low} to {high}``) and what was typed. With ``blank``, an empty field is None
    (a choice left unset).
    The OpenAPI description declares an integer in the bounds, so the schema fuzzer sends both kinds."""
    number = Annotated[
        int,
        BeforeValidator(partial(_parse_whole, low, high, message)),
        WithJsonSchema({"type": "integer", "minimum": low, "maximum": high}),
    ]
    if not blank:
        return number
    schema = {"anyOf": [{"type": "integer", "minimum": low, "maximum": high}, {"type": "string", "maxLength": 0}]}
    return Annotated[number | None, BeforeValidator(_blank_is_none), WithJsonSchema(schema)]


WholeNumber = whole_number_type()
RecordId = whole_number_type(1, MAX_ID)


CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def has_control_chars(text: str) -> bool:
    """True when ``text`` holds a NUL or another control character no person types on purpose."""
    return bool(CONTROL_CHARS.search(text))


def csv_cell(value: object) -> str:
    """``value`` as a CSV cell a spreadsheet shows as text: a cell starting with = + - @ (or a tab or
    carriage return) would be run as a formula, so it gets a leading apostrophe (the OWASP rule)."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def csv_text(header: Sequence[str], rows: Iterable[Iterable[object]], bom: bool = False) -> str:
    """CSV text, ``header`` first, then ``rows``: every download the app offers is written here, so every
    cell goes through ``csv_cell`` (None as an empty cell). With ``bom``, a UTF-8 byte-order mark comes
    first so spreadsheets read accents."""
    buf = io.StringIO()
    if bom:
        buf.write("\ufeff")
    writer = csv.writer(buf)
    writer.writerow([csv_cell(h) for h in header])
    writer.writerows([csv_cell(c) for c in row] for row in rows)
    return buf.getvalue()


class AuditAbout(TypedDict, total=False):
    """What an audited action was about: the engagement, the entity (``"theme:12"``) and what the log
    keeps of its state before and after. Each may be left out (or None): the event's default then."""

    engagement_id: int | None
    entity: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None


def about_participant(person: Participant, before: dict | None = None, after: dict | None = None) -> AuditAbout:
    """An action on one participant: their engagement, ``participant:<public label>``, and the change kept.

    Rule: the log names a participant only by the random label their transcript shows (``P-7KQ2MX``),
    never by database id: ids follow invite order, which a consultant can match to the emails they typed."""
    return AuditAbout(
        engagement_id=person.engagement_id, entity=f"participant:{person.public_label}", before=before, after=after
    )


def participant_actor(person: Participant) -> str:
    """How the log names a staff member acting on their own interview: ``participant P-7KQ2MX``."""
    return f"participant {person.public_label}"


def audit(
    session: Session, action: str, *, actor: str, actor_user_id: int | None = None, **about: Unpack[AuditAbout]
) -> AuditEvent:
    """Add an audit event to the session (committed with the change it records). A keyword ``AuditAbout``
    does not name is a TypeError, as it would be without the typed dict (nothing checks types at run time)."""
    if unknown := about.keys() - AuditAbout.__optional_keys__:
        raise TypeError(f"audit() got unexpected keyword(s) {sorted(unknown)}")
    given: dict[str, Any] = {k: v for k, v in about.items() if v is not None}
    event = AuditEvent(action=action, actor=actor, actor_user_id=actor_user_id, **given)
    session.add(event)
    return event


def audit_by(
    session: Session, action: str, user: User | None, *, role: str = "", **about: Unpack[AuditAbout]
) -> AuditEvent:
    """Add an audit event for an action by ``user``: the actor is their email (after ``role``, as in
    "consultant a@b.org", where the log names the capacity they acted in), or "cli" when no signed-in
    user acted (the command line, the demo)."""
    actor = "cli" if user is None else f"{role} {user.email}" if role else user.email
    return audit(session, action, actor=actor, actor_user_id=user.id if user is not None else None, **about)
