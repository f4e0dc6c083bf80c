from __future__ import annotations

import logging

from streams.runtime.phi_logging import PhiRedactingFilter, redact


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
