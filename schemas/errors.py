"""Validation errors described without their input values (pydantic's messages can quote the
input, which may be PHI): a field path and the problem only."""

from __future__ import annotations

import re
from typing import Any

from pydantic import ValidationError

MAX_ERRORS_REPORTED = 5


def describe_validation_error(exc: ValidationError) -> str:
    """A readable, PHI-free summary: field path (list positions counted from 1, as the scrub edits
    count lines: ``lines.2.units`` is the second line), problem type and message without input
    values."""
    parts = []
    for err in exc.errors(include_input=False, include_url=False)[:MAX_ERRORS_REPORTED]:
        loc = field_path(tuple(err["loc"])) or "(event)"
        if err["type"] == "extra_forbidden" and err["loc"]:  # the key itself may be a value
            *head, key = err["loc"]
            loc = ".".join(p for p in (field_path(tuple(head)), shown_key(str(key))) if p)
        parts.append(f"{loc}: {problem_of(err)}")
    extra = exc.error_count() - MAX_ERRORS_REPORTED
    if extra > 0:
        parts.append(f"... and {extra} more")
    return "; ".join(parts)


def field_path(loc: tuple[Any, ...]) -> str:
    """``lines.2.units``: list positions from 1, as the edits count lines; pydantic's own
    validator steps (``function-before[...]``) left out."""
    return ".".join(str(p + 1) if isinstance(p, int) else str(p) for p in loc if "[" not in str(p))


def problem_of(err: Any) -> str:
    """pydantic's message without the input value (our own validators quote it: it may be PHI)."""
    kind = err["type"]
    if kind == "value_error":
        return "invalid value: " + _strip_quoted(str(err["msg"]).removeprefix("Value error, "))
    if kind == "extra_forbidden":
        return "not a field of the contract"
    return str(err["msg"])


def _strip_quoted(msg: str) -> str:
    """``msg`` with every quoted value (a Python repr: backslash escapes inside, as in
    ``'O\\'BRIEN "JR"'``) replaced by an ellipsis; an unclosed quote drops the rest."""
    out: list[str] = []
    quote: str | None = None
    escaped = False
    for ch in msg:
        if quote:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == quote:
                quote = None
                out.append("…")
            continue
        if ch in "'\"":
            quote = ch
            continue
        out.append(ch)
    if quote:
        out.append("…")
    return "".join(out).strip()


#: what stands in for an unknown key not written as systems write field names
NOT_A_FIELD_NAME = "(a key that is not a field name)"
_KEY_SHAPE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,48}$")
#: a field name as systems write them: lower-case snake_case (``ndc``, ``clearinghouse_note``) or
#: camelCase (``renderingNpi``) — never a name as people write it (``SMITH``, ``Mary``)
_FIELD_LIKE_KEY = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+|[A-Z][a-z0-9]+)*$")


def shown_key(name: str) -> str:
    """An unknown key as an edit, an error or a log line may repeat it: a field name as systems
    write them (lower-case snake_case or camelCase, no run of four digits: ``ndc``,
    ``clearinghouse_note``, ``renderingNpi``, ``diagnosis`` for ``diagnoses``). Any other key may
    be a value typed where a key belongs — a name as people write it (``SMITH``, ``Mary``,
    ``Carter``), a member id, a birth date — and is never repeated."""
    if not _KEY_SHAPE.match(name):
        return NOT_A_FIELD_NAME
    if _FIELD_LIKE_KEY.match(name) and not re.search(r"[0-9]{4}", name):
        return name  # a field of the sender's own (ndc, clearinghouse_note, renderingNpi)
    return NOT_A_FIELD_NAME
