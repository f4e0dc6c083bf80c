"""Validation errors described without their input values (pydantic's messages can quote the
input, which may be PHI): a field path and the problem only."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

MAX_ERRORS_REPORTED = 5


def describe_validation_error(exc: ValidationError, one_based: bool = False) -> str:
    """A readable, PHI-free summary: field path, problem type and message without input values.
    ``one_based``: list positions counted from 1 (``lines.2.units`` is the second line), as the
    scrub edits count lines."""
    parts = []
    for err in exc.errors(include_input=False, include_url=False)[:MAX_ERRORS_REPORTED]:
        loc = (
            field_path(tuple(err["loc"])) if one_based else ".".join(str(p) for p in err["loc"])
        ) or "(event)"
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
