"""Errors and exit statuses shared by every part of claimflow.

Every error claimflow raises on purpose derives from ``ClaimflowError`` and carries the exit status
the ``claimflow`` command ends with when it is not handled closer to where it happened.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Exit statuses of the ``claimflow`` command and the worker process."""

    OK = 0
    #: the command ran, and what it read was (partly) rejected (e.g. an X12 file)
    REJECTED = 1
    #: a setting, rule pack, payer profile or reference file is wrong; nothing was done
    CONFIGURATION = 2
    #: outputs could not be confirmed delivered: the worker stops without committing (EX_SOFTWARE)
    OUTPUT_UNCONFIRMED = 70
    #: a graceful stop overran CLAIMFLOW_SHUTDOWN_SECONDS (EX_TEMPFAIL)
    SHUTDOWN_TIMEOUT = 75


class ClaimflowError(Exception):
    """Base of every error claimflow raises on purpose."""

    exit_code: ExitCode = ExitCode.REJECTED


class ConfigError(ClaimflowError):
    """Settings are missing or inconsistent; the message names the environment variables."""

    exit_code = ExitCode.CONFIGURATION


class DataFileError(ClaimflowError, ValueError):
    """A data file (rule pack, payer profile, reason-code map, CMS reference file) is missing or
    invalid; the message names the file and the field (``streams.datafiles``)."""

    exit_code = ExitCode.CONFIGURATION
