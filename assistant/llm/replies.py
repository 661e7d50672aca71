"""Checking what an LLM replied, before anyone may use it: the JSON schema sent for an output model,
the parse-validate-check of a structured reply, the clean-up of a short free-text reply, and the
correction message that sends a rejected reply back with its errors. Pure functions (no network,
no database), so every rule is testable on strings."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)
Validator = Callable[[Any], list[str]]  # the caller's data checks: error strings, empty when acceptable


def output_schema(output: type[BaseModel]) -> tuple[dict, bool]:
    """The JSON schema to send for ``output`` and whether it qualifies for OpenAI strict mode.

    Objects get ``additionalProperties: false`` (extra keys would be ignored anyway, and a
    grammar-constrained server then cannot produce them). Strict mode is claimed only when
    every property of every object is required, as OpenAI demands.
    """
    schema = output.model_json_schema()
    strict = True

    def walk(node: Any) -> None:
        nonlocal strict
        if isinstance(node, dict):
            if node.get("type") == "object" and "properties" in node:
                node.setdefault("additionalProperties", False)
                if set(node.get("required", [])) != set(node["properties"]):
                    strict = False
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(schema)
    return schema, strict


def _strip_fences(text: str) -> str:
    # Some servers wrap JSON in a markdown fence even in JSON mode.
    s = text.strip()
    if s.startswith("```"):
        s = s.split("\n", 1)[1] if "\n" in s else ""
        if s.rstrip().endswith("```"):
            s = s.rstrip()[:-3]
    return s.strip()


def check_structured(text: str, output: type[M], validate: Validator | None) -> tuple[M | None, list[str]]:
    """Parse ``text`` into ``output`` and run ``validate``; the object only if no errors."""
    try:
        data = json.loads(_strip_fences(text))
    except json.JSONDecodeError as exc:
        return None, [f"the reply is not valid JSON ({exc.msg} at character {exc.pos})"]
    try:
        obj = output.model_validate(data)
    except ValidationError as exc:
        errors = []
        for err in exc.errors()[:10]:
            where = ".".join(str(p) for p in err["loc"]) or "(top level)"
            errors.append(f"{where}: {err['msg']}")
        return None, errors
    if validate is not None:
        errors = [str(e) for e in (validate(obj) or [])]
        if errors:
            return None, errors
    return obj, []


def correction(errors: list[str]) -> str:
    """The message that sends a rejected reply back: the errors, and a request for corrected JSON."""
    listed = "\n".join(f"- {e}" for e in errors)
    return (
        "Your reply could not be used:\n"
        f"{listed}\n"
        "Reply again with only the corrected JSON object, matching the schema."
    )


def check_text(reply: str, max_chars: int, validate: Callable[[str], list[str]] | None) -> tuple[str | None, list[str]]:
    """A short free-text reply with whitespace collapsed and cut to ``max_chars`` on a word boundary
    (with "…"), or None and the errors: an empty reply, or what ``validate`` rejects."""
    out = " ".join(reply.split())
    if len(out) > max_chars:
        cut = out[:max_chars].rsplit(" ", 1)[0] or out[:max_chars]
        out = cut.rstrip(" ,;:") + "…"
    if not out:
        return None, ["the reply is empty"]
    errors = [str(e) for e in (validate(out) or [])] if validate else []
    return (None, errors) if errors else (out, [])
