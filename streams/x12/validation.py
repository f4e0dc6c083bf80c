"""Implementation-guide validation with pyx12, and the 999 acknowledgment it produces."""

from __future__ import annotations

import io
import json
import logging
import re
from dataclasses import dataclass, field
from typing import Any

import pyx12.errors
import pyx12.params
import pyx12.x12n_document

# pyx12 logs every finding at ERROR on its own logger; the findings are returned instead
logging.getLogger("pyx12").setLevel(logging.CRITICAL)


@dataclass
class Validation:
    valid: bool
    ack999: str
    errors: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return "valid" if self.valid else f"invalid: {'; '.join(self.errors[:5]) or 'rejected by pyx12'}"


_SEGMENT_TEXT = re.compile(r"\b([A-Z][A-Z0-9]{1,2})\*\S*")
_LEN_VALUE = re.compile(r'len\("[^"]*"\)')
_PARENS = re.compile(r"\(([^()]*)\)")
_REFDES = re.compile(r"^(?:[A-Z][A-Z0-9]{1,2}[0-9]{2}(?:-[0-9]{1,2})?|min_len|max_len)$")


def redact(message: str) -> str:
    """pyx12's messages quote the offending data (segments, element values); keep the element
    names and reference designators, drop the values: findings may go to logs and dead letters."""
    message = _SEGMENT_TEXT.sub(r"\1", message)
    message = _LEN_VALUE.sub("len(…)", message)
    return _PARENS.sub(lambda m: m.group(0) if _REFDES.match(m.group(1)) else "(…)", message)


def _errors(node: Any, where: str = "") -> list[str]:
    """Flatten pyx12's JSON error report: 'where: code message' per finding (no data values)."""
    out: list[str] = []
    if isinstance(node, dict):
        here = where
        if "trn_set_control_num" in node:
            here = f"ST {node['trn_set_control_num']}"
        elif "seg_id" in node:
            here = f"{where} {node['seg_id']}#{node.get('seg_count', '?')}".strip()
        for err in node.get("errors", []) or []:
            if isinstance(err, dict):
                code = err.get("err_cde") or err.get("code") or ""
                text = err.get("err_str") or err.get("message") or ""
                out.append(f"{here or 'interchange'}: {code} {redact(str(text))}".strip())
            else:
                out.append(f"{here or 'interchange'}: {redact(str(err))}")
        for key, value in node.items():
            if key != "errors" and isinstance(value, list | dict):
                out.extend(_errors(value, here))
    elif isinstance(node, list):
        for item in node:
            out.extend(_errors(item, where))
    return out


def validate(text: str) -> Validation:
    """Validate an interchange against its implementation guide (ISA/GS select the map)."""
    fd_999, fd_json = io.StringIO(), io.StringIO()
    try:
        valid = pyx12.x12n_document.x12n_document(
            pyx12.params.params(), io.StringIO(text), fd_999, None, None, fd_json
        )
    except (pyx12.errors.X12Error, pyx12.errors.EngineError) as exc:
        return Validation(False, "", [f"{type(exc).__name__}: {redact(str(exc))}"])
    try:
        report = json.loads(fd_json.getvalue() or "{}")
    except ValueError:
        report = {}
    errors = _errors(report)
    return Validation(bool(valid) and not errors, fd_999.getvalue(), errors)
