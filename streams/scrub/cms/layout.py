"""Shared pieces of the CMS file readers: errors that name file, line and field; dates; codes."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TextIO

from schemas.codes import looks_like_modifier, looks_like_procedure
from streams.errors import DataFileError


class CmsFileError(DataFileError):
    """A CMS file could not be read; the message names the file, the line and the field."""

    def __init__(self, path: Path | str, line: int | None, problem: str):
        where = f"{path}:{line}" if line is not None else str(path)
        super().__init__(f"{where}: {problem}")


def cms_date(text: str, path: Path, line: int, field: str) -> date | None:
    """``YYYYMMDD``; blank or ``*`` (CMS's "no data") is ``None``."""
    text = text.strip()
    if text in ("", "*"):
        return None
    if len(text) != 8 or not text.isdigit():
        raise CmsFileError(path, line, f"{field}: {text!r} is not a YYYYMMDD date")
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        raise CmsFileError(path, line, f"{field}: {text!r} is not a calendar date") from None


def procedure_code(text: str, path: Path, line: int, field: str) -> str:
    code = text.strip().upper()
    if not looks_like_procedure(code):
        raise CmsFileError(path, line, f"{field}: {text.strip()!r} is not a CPT/HCPCS code")
    return code


def modifier_code(text: str, path: Path, line: int, field: str) -> str:
    code = text.strip().upper()
    if not looks_like_modifier(code):
        raise CmsFileError(path, line, f"{field}: {text.strip()!r} is not a two-character modifier")
    return code


def read_text(path: Path) -> str:
    """CMS files are Latin-1 (the AMA notice carries a single-byte ®); accept UTF-8 with a BOM too."""
    raw = path.read_bytes()
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


#: a UTF-8 byte-order mark as a Latin-1 reading shows it
BOM_LATIN1 = "\xef\xbb\xbf"


def open_text(path: Path) -> TextIO:
    """A CMS file for reading line by line (the big ones are not read whole): Latin-1, which
    reads any byte (codes, dates and indicators are ASCII); CRLF and LF line ends alike. The caller
    drops ``BOM_LATIN1`` from the first line."""
    try:
        return path.open("r", encoding="latin-1", newline=None)
    except OSError as exc:
        raise CmsFileError(path, None, f"cannot be read: {exc.strerror or exc}") from None
