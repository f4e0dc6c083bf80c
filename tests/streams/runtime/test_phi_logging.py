from __future__ import annotations

import io
import logging

from streams.runtime.phi_logging import OWN_LOGGERS, PhiRedactingFilter, apply_levels, redact


def test_member_ids_names_and_birth_dates_are_redacted() -> None:
    text = redact(
        'claim C1 {"member_id": "1EG4TE5MK73", "first_name": "ADA", "last_name": "LOVELACE", '
        '"birth_date": "1950-04-01"} member_id=XJK123 name=Ada'
    )
    for secret in ("1EG4TE5MK73", "ADA", "LOVELACE", "1950-04-01", "XJK123"):
        assert secret not in text
    assert "claim C1" in text


def test_filter_rewrites_the_record_message(caplog) -> None:
    logger = logging.getLogger("claimflow.test")
    logger.addFilter(PhiRedactingFilter())
    with caplog.at_level(logging.INFO, logger="claimflow.test"):
        logger.info("patient %s born %s", "member_id=ABC123", "1950-04-01")
    assert "ABC123" not in caplog.text and "1950-04-01" not in caplog.text


def test_addresses_phone_numbers_ssns_and_escaped_json_are_redacted() -> None:
    """A table value logged as JSON inside JSON escapes its quotes; an address is PHI too."""
    text = redact(
        '{\\"member_id\\":\\"9ZZ9CANARY99\\",\\"first_name\\":\\"ZQXCANARY\\"} '
        'address="77 CANARYLANE" city=CANARYVILLE phone=5550100 ssn 078-05-1120'
    )
    for secret in ("9ZZ9CANARY99", "ZQXCANARY", "77 CANARYLANE", "CANARYVILLE", "5550100", "078-05-1120"):
        assert secret not in text


def test_debug_turns_on_claimflows_loggers_never_the_libraries_that_log_messages() -> None:
    """At DEBUG, aiokafka and Faust log every message and table value they handle (claims,
    patients): no pattern redacts those reliably, so they stay at INFO whatever the level asked."""
    root = logging.getLogger()
    before = (root.level, {name: logging.getLogger(name).level for name in OWN_LOGGERS})
    try:
        apply_levels("DEBUG")
        assert logging.getLogger("claimflow.agents").isEnabledFor(logging.DEBUG)
        for library in ("aiokafka", "aiokafka.consumer.fetcher", "faust", "mode", "kafka"):
            assert not logging.getLogger(library).isEnabledFor(logging.DEBUG), library
        apply_levels("WARNING")
        assert not logging.getLogger("claimflow.agents").isEnabledFor(logging.INFO)
    finally:
        root.setLevel(before[0])
        for name, level in before[1].items():
            logging.getLogger(name).setLevel(level)


def test_a_redacted_record_still_formats_under_fausts_formatter() -> None:
    """mode's formatter wraps record.args that are not a tuple: a redacted record must leave an
    empty tuple, or the line is lost to a 'Logging error' with the partly redacted text."""
    from mode.utils.logging import ExtensionFormatter

    record = logging.LogRecord("aiokafka", logging.INFO, __file__, 1, "sent %s", ("member_id=ABC123",), None)
    assert PhiRedactingFilter().filter(record)
    text = ExtensionFormatter(stream=io.StringIO()).format(record)
    assert "ABC123" not in text and "[REDACTED]" in text
