"""Payer and clearinghouse answers (topics ``claim-status`` and ``claim-denials``, keyed by ``claim_id``)."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, StringConstraints

from schemas.base import Contract, Envelope
from schemas.codes import STATUS_CATEGORY_RE, GroupCode, Identifier, Money


def _upper(value: object) -> object:
    return value.strip().upper() if isinstance(value, str) else value


CategoryCode = Annotated[str, BeforeValidator(_upper), StringConstraints(pattern=STATUS_CATEGORY_RE)]
ReasonCode = Annotated[str, BeforeValidator(_upper), StringConstraints(pattern=r"^[A-Z0-9]{1,5}$")]
RemarkCode = Annotated[str, BeforeValidator(_upper), StringConstraints(pattern=r"^[A-Z]{1,2}[0-9]{1,4}$")]


class ClaimStatus(Envelope):
    """One status answer. The envelope's ``source`` names the channel: 277CA, 835 or portal."""

    event_type: Literal["claim_status"] = "claim_status"
    source: Literal["277CA", "835", "portal"] = "277CA"
    claim_id: Identifier
    payer_claim_number: Identifier | None = None
    category_code: CategoryCode = Field(
        description="X12 claim status category: A0-A8, P0-P5, F0-F4, R0-R16, E0-E4"
    )
    status_code: Annotated[str, StringConstraints(max_length=8)] = ""
    amount: Money | None = None


class Adjustment(Contract):
    line_number: int | None = Field(default=None, ge=1, description="null = claim level")
    group_code: GroupCode
    reason_code: ReasonCode = Field(description="CARC")
    amount: Money


class Denial(Envelope):
    """One remittance decision (835 CLP with its CAS adjustments)."""

    event_type: Literal["denial"] = "denial"
    source: str = Field(default="835", min_length=1, max_length=64)
    claim_id: Identifier
    payer_claim_number: Identifier | None = None
    claim_status_code: Annotated[str, StringConstraints(pattern=r"^[0-9]{1,2}$")] = Field(
        description="835 CLP02: 1/2/3 processed, 4 denied, 22 reversal"
    )
    adjustments: list[Adjustment] = Field(default_factory=list, max_length=200)
    remark_codes: list[RemarkCode] = Field(default_factory=list, max_length=50)
    paid_amount: Money = Field(default=Decimal("0"))
