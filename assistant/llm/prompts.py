"""Prompt files: ``prompts/<name>.j2`` rendered into OpenAI chat messages, each with a version hash.

A prompt file is a Jinja2 template in two parts, a system part and a user part, separated by a
line that reads exactly ``--- user ---``. Each part is its own template, so text that arrives
through a variable can never move itself from the user part into the system part.

Staff answers are untrusted: templates wrap them with the ``as_data`` filter, which puts the text
between ``<tag>`` and ``</tag>`` lines and neutralises anything inside that looks like a tag, so
an answer can never close its delimiter and speak as the prompt. Prompt files say in their
system part that text inside those tags is data, never instructions.

Every prompt has ``hash`` (sha256 of its source) and ``version`` (the first 12 hex characters);
the LLM port records the hash with every call so a reader can tell which wording produced what.
An optional JSON schema beside a prompt (``prompts/<name>.schema.json``) is loaded as
``Prompt.schema`` for readers and tests; the LLM port sends the pydantic model's schema.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2

from assistant.privacy import redact

PROMPTS_DIR = Path(__file__).resolve().parents[2] / "prompts"
USER_MARKER = "--- user ---"

_MARKER_RE = re.compile(r"^" + re.escape(USER_MARKER) + r"[ \t]*\r?$", re.MULTILINE)
_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_TAG_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,39}$")
# A "<" that starts something tag-like: "<answer", "</answer", "< /answer", "<!--", "<?xml".
_TAG_OPEN_RE = re.compile(r"<(?=\s*/?\s*[A-Za-z!?])")
NEUTRAL_LT = "\u2039"  # single left-pointing angle quotation mark: reads as "<", closes nothing

# The render context key that carries redaction settings to the ``as_data`` filter.
_REDACT_KEY = "_dm3_redact_names"


class PromptError(Exception):
    """A prompt file is missing, malformed, or was rendered without a variable it needs."""


def as_data(value: Any, tag: str = "data") -> str:
    """``value`` as a delimited data block: ``<tag>\\n...\\n</tag>``.

    Rule enforced: nothing inside can open or close a tag. Every ``<`` that starts something
    tag-like (``<answer``, ``</answer``, ``</system>``, ``<!--``) becomes ``‹``, so staff text
    can never end the block early and be read as instructions. Other ``<`` (``3 < 5``) stay.
    ``None`` renders as an empty block.
    """
    if not _TAG_RE.match(tag):
        raise PromptError(f"as_data tag {tag!r} must be a plain word like 'answer' or 'evidence'")
    text = "" if value is None else str(value)
    text = _TAG_OPEN_RE.sub(NEUTRAL_LT, text)
    return f"<{tag}>\n{text}\n</{tag}>"


@jinja2.pass_context
def _as_data_filter(context: jinja2.runtime.Context, value: Any, tag: str = "data") -> str:
    # Redaction of exactly the text marked as untrusted staff data, when the caller asks for it.
    # The LLM port does more: it redacts every message it sends with the Redactor the engine seam
    # bound into it, so text outside these blocks (theme keywords, say) is covered as well.
    names = context.get(_REDACT_KEY)
    if names is not None and value is not None:
        value = redact(str(value), names)
    return as_data(value, tag)


def _environment(prompts_dir: Path) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(prompts_dir)),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=False,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["as_data"] = _as_data_filter
    env.filters["tojson_compact"] = lambda v: json.dumps(v, ensure_ascii=False, sort_keys=True)
    return env


@dataclass(frozen=True)
class Prompt:
    """One prompt file: its path, source and schema and the two templates it splits into; its name
    and hash follow from the path and the source, so they can never disagree with them."""

    path: Path
    source: str
    schema: dict | None = None
    _system: jinja2.Template | None = field(default=None, repr=False, compare=False)
    _user: jinja2.Template | None = field(default=None, repr=False, compare=False)

    @property
    def name(self) -> str:
        """The prompt's name: its file name without ``.j2``."""
        return self.path.stem

    @property
    def hash(self) -> str:
        """sha256 of the source, in hex: what the LLM port records with every call."""
        return hashlib.sha256(self.source.encode("utf-8")).hexdigest()

    @property
    def version(self) -> str:
        """The short version shown in the UI and logs: the first 12 hex characters of ``hash``."""
        return self.hash[:12]

    def render(
        self, variables: dict[str, Any] | None = None, *, redact_names: Iterable[str] | None = None
    ) -> list[dict[str, str]]:
        """The chat messages ``[{"role": "system", ...}, {"role": "user", ...}]`` for ``variables``.

        Rules enforced: a variable the template uses but ``variables`` lacks is an error
        (StrictUndefined), never an empty string. When ``redact_names`` is given (even empty),
        text passed through ``as_data`` is redacted (emails, phones, those names) first.
        """
        ctx = dict(variables or {})
        if _REDACT_KEY in ctx:
            raise PromptError(f"variable name {_REDACT_KEY!r} is reserved")
        ctx[_REDACT_KEY] = None if redact_names is None else list(redact_names)
        assert self._system is not None and self._user is not None
        try:
            system = self._system.render(ctx).strip()
            user = self._user.render(ctx).strip()
        except jinja2.UndefinedError as exc:
            raise PromptError(f"prompts/{self.name}.j2: {exc.message}; pass it in the variables dict") from exc
        messages = []
        if system:
            messages.append({"role": "system", "content": system})
        messages.append({"role": "user", "content": user})
        return messages


def load_prompt(name: str, prompts_dir: Path | None = None) -> Prompt:
    """The prompt ``prompts/<name>.j2`` (and ``<name>.schema.json`` if present), parsed and hashed.

    Rule enforced: the file has exactly one ``--- user ---`` line. Files are read once per
    process per (folder, name, modification time), so an edited prompt is picked up.
    """
    folder = Path(prompts_dir) if prompts_dir is not None else PROMPTS_DIR
    if not _NAME_RE.match(name):
        raise PromptError(f"prompt name {name!r}: use lowercase letters, digits, '_' or '-'")
    path = folder / f"{name}.j2"
    if not path.is_file():
        raise PromptError(f"{path}: no such prompt file; create it or check the task's prompt name")
    schema_path = folder / f"{name}.schema.json"
    schema_mtime = schema_path.stat().st_mtime_ns if schema_path.is_file() else None
    return _load(str(folder.resolve()), name, path.stat().st_mtime_ns, schema_mtime)


@lru_cache(maxsize=128)
def _load(folder: str, name: str, _mtime: int, _schema_mtime: int | None) -> Prompt:
    base = Path(folder)
    path = base / f"{name}.j2"
    source = path.read_text(encoding="utf-8")
    parts = _MARKER_RE.split(source)
    if len(parts) != 2:
        raise PromptError(
            f"{path}: needs exactly one line '{USER_MARKER}' between the system and user parts (found {len(parts) - 1})"
        )
    env = _env_for(folder)
    try:
        system_t = env.from_string(parts[0])
        user_t = env.from_string(parts[1])
    except jinja2.TemplateSyntaxError as exc:
        raise PromptError(f"{path}: line {exc.lineno}: {exc.message}") from exc
    schema = None
    schema_path = base / f"{name}.schema.json"
    if schema_path.is_file():
        try:
            schema = json.loads(schema_path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise PromptError(f"{schema_path}: not valid JSON ({exc})") from exc
    return Prompt(path, source, schema, _system=system_t, _user=user_t)


@lru_cache(maxsize=8)
def _env_for(folder: str) -> jinja2.Environment:
    return _environment(Path(folder))


def render(name: str, variables: dict[str, Any] | None = None, **kwargs: Any) -> list[dict[str, str]]:
    """Shortcut: ``load_prompt(name).render(variables)``, the chat messages for a prompt file."""
    return load_prompt(name).render(variables, **kwargs)
