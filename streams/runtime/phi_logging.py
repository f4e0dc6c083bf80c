"""Logging that never carries PHI.

``PhiRedactingFilter`` masks anything in a log record that looks like a member id, a person's
name field or a date of birth, as a last line of defence: claimflow's own log calls already log
only claim ids, payer ids, codes and counts.
"""

from __future__ import annotations

import logging
import re

_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # JSON/dict/kwarg fields that hold PHI: "member_id": "X", first_name='Y', birth_date=1950-01-01
    (
        re.compile(
            r"""(?i)(\\*["']?(?:member_id|subscriber_member_id|subscriber_id|first_name|last_name|"""
            r"""subscriber_first_name|subscriber_last_name|birth_date|dob|name|address|city|"""
            r"""postal_code|phone|ssn|note|notes)\\*["']?\s*[:=]\s*)(\\*"[^"]*"|'[^']*'|[^\s,;}]+)"""
        ),
        r"\1[REDACTED]",
    ),
    # calendar dates (could be a date of birth)
    (re.compile(r"\b(?:19|20)\d\d-\d\d-\d\d\b"), "[DATE]"),
    # social security numbers
    (re.compile(r"\b\d{3}-\d{2}-\d{4}\b"), "[SSN]"),
)


def redact(text: str) -> str:
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class PhiRedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string is not our problem to raise here
            return True
        cleaned = redact(message)
        if cleaned != message:
            # no arguments left to format (an empty tuple: mode's formatter wraps None in one)
            record.msg, record.args = cleaned, ()
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


#: claimflow's own loggers: the only ones ``CLAIMFLOW_LOG_LEVEL=DEBUG`` turns to DEBUG
OWN_LOGGERS = ("claimflow", "streams", "schemas")


def apply_levels(level: int | str) -> None:
    """``level`` for claimflow's own loggers; the libraries' (aiokafka, kafka, Faust, mode) never
    below INFO: their DEBUG records carry whole messages and table values (claims, patients),
    which no pattern can redact reliably."""
    number = logging.getLevelName(str(level).upper()) if isinstance(level, str) else level
    if not isinstance(number, int):
        number = logging.INFO
    logging.getLogger().setLevel(max(number, logging.INFO))
    for name in OWN_LOGGERS:
        logging.getLogger(name).setLevel(number)


def configure_logging(level: str = "INFO") -> None:
    """Levels by ``apply_levels`` (never DEBUG by accident: it costs ~6 % CPU in Faust) and one
    handler with the filter."""
    root = logging.getLogger()
    apply_levels(level)
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(PhiRedactingFilter())
    root.handlers[:] = [handler]


def install_phi_filter() -> None:
    """Attach the filter to every handler of the root logger (after a framework replaced them)."""
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, PhiRedactingFilter) for f in handler.filters):
            handler.addFilter(PhiRedactingFilter())
