"""Payer and clearinghouse answers (topics ``claim-status`` and ``claim-denials``, keyed by
``claim_id``), and the payer's provider-level adjustments (``provider-adjustments``, keyed by
``provider_id``)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, StringConstraints, model_validator

from schemas.base import Contract, Envelope
from schemas.codes import STATUS_CATEGORY_RE, ClaimId, GroupCode, Identifier, Money, code_text

_THOUSANDS = re.compile(r"-?\d{1,3}(,\d{3})+(\.\d+)?")


def _amount(value: object) -> object:
    """An amount as exports write it: ``"$1,234.50"`` is 1234.50. Only a thousands separator is
    taken out (``"45,00"``, a decimal comma, is refused rather than read as 4500)."""
    if isinstance(value, str):
        text = value.strip()
        if text.startswith(("$", "-$")):
            text = text.replace("$", "", 1)
        if "," in text and _THOUSANDS.fullmatch(text):
            text = text.replace(",", "")
        return text
    return value


def _remark(value: object) -> object:
    """``MA-130`` and ``ma 130`` are MA130 (remark codes are a letter or two and digits)."""
    value = code_text(value)
    return value.replace("-", "").replace(" ", "") if isinstance(value, str) else value


def _none_is_empty(value: object) -> object:
    """A list sent as null is an empty one (an answer with no adjustments)."""
    return [] if value is None else value


CategoryCode = Annotated[str, BeforeValidator(code_text), StringConstraints(pattern=STATUS_CATEGORY_RE)]
ReasonCode = Annotated[str, BeforeValidator(code_text), StringConstraints(pattern=r"^[A-Z0-9]{1,5}$")]
RemarkCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{1,2}[0-9]{1,4}$"), BeforeValidator(_remark)]
#: an amount as the payer sent it: negative when it takes money back (a reversal, CLP02 22)
SignedMoney = Annotated[Decimal, Field(max_digits=12, decimal_places=2), BeforeValidator(_amount)]
#: an amount of 0 or more, as the payer sent it
AnswerMoney = Annotated[Money, BeforeValidator(_amount)]


EntityCode = Annotated[str, BeforeValidator(code_text), StringConstraints(pattern=r"^[A-Z0-9]{2,3}$")]
StatusCode = Annotated[str, BeforeValidator(code_text), StringConstraints(max_length=8)]


class StatusDetail(Contract):
    """A further status the payer gives in the same STC (277CA STC10, STC11): category, status
    and the entity it is about."""

    category_code: CategoryCode
    status_code: StatusCode = ""
    entity_code: EntityCode | None = None


class LineStatus(Contract):
    """One service line's status inside a claim's status answer (277CA loop 2220D). It says what
    happened to that line only: a rejected line in an accepted claim leaves the claim accepted."""

    line_control_number: str | None = Field(
        default=None,
        max_length=50,
        description="the line item control number the 837P sent (REF*6R), echoed in REF*FJ",
    )
    procedure_code: str | None = Field(default=None, max_length=48, description="SVC01-2")
    modifiers: Sequence[str] = Field(default_factory=list, max_length=4, description="SVC01-3..6")
    charge: AnswerMoney | None = Field(default=None, description="SVC02, the line's charge")
    units: Decimal | None = Field(default=None, description="SVC07, the units of service")
    service_date: date | None = Field(default=None, description="DTP*472 (first day of a range)")
    service_end_date: date | None = Field(default=None, description="last day of a DTP*472 range")
    category_code: CategoryCode = Field(description="the line's STC01-1 status category")
    status_code: StatusCode = ""
    entity_code: EntityCode | None = Field(
        default=None, description="STC01-3: whom the status is about (e.g. 82 rendering provider, QC patient)"
    )
    more_statuses: Sequence[StatusDetail] = Field(
        default_factory=list, max_length=2, description="STC10 and STC11: further statuses for the line"
    )


class ClaimStatus(Envelope):
    """One status answer. The envelope's ``source`` names the channel: 277CA, 277 (a status inquiry's
    answer), 835 or portal."""

    event_type: Literal["claim_status"] = "claim_status"
    source: Literal["277CA", "277", "835", "portal"] = "277CA"
    claim_id: ClaimId
    payer_claim_number: Identifier | None = None
    category_code: CategoryCode = Field(
        description="X12 claim status category: A0-A8, P0-P5, F0-F4, R0-R16, E0-E4"
    )
    status_code: StatusCode = ""
    entity_code: EntityCode | None = Field(
        default=None,
        description="STC01-3: whom the status is about (e.g. 85 billing provider, IL subscriber)",
    )
    more_statuses: Sequence[StatusDetail] = Field(
        default_factory=list, max_length=2, description="STC10 and STC11: further statuses for the claim"
    )
    amount: AnswerMoney | None = None
    line_statuses: Sequence[LineStatus] = Field(
        default_factory=list,
        max_length=999,
        description="the service lines this answer names one by one (277CA 2220D); the claim's own "
        "state follows category_code only",
    )


class Adjustment(Contract):
    line_number: int | None = Field(
        default=None, ge=1, description="null = claim level; else the line's position in the remittance"
    )
    line_control_number: str | None = Field(
        default=None,
        max_length=50,
        description="the line item control number the payer echoes (835 REF*6R, sent as the 837P's "
        "REF*6R): names the claim's line even when the payer reorders or splits lines",
    )
    group_code: GroupCode
    reason_code: ReasonCode = Field(description="CARC")
    amount: SignedMoney = Field(
        description="as the payer sent it (CAS03): negative when an adjustment is taken back"
    )

    def applies_to(self, line_number: int | None, line_control_number: str | None) -> bool:
        """Whether this adjustment is about the claim line so numbered: by the line control
        number when both carry one (the 835's line order need not be the claim's), else by
        position; a claim-level adjustment is about every line."""
        if self.line_control_number and line_control_number:
            return self.line_control_number == line_control_number
        return self.line_number is None or self.line_number == line_number


class Denial(Envelope):
    """One remittance decision (835 CLP with its CAS adjustments)."""

    event_type: Literal["denial"] = "denial"
    source: str = Field(default="835", min_length=1, max_length=64)
    claim_id: ClaimId
    payer_claim_number: Identifier | None = None
    claim_status_code: Annotated[
        str, StringConstraints(pattern=r"^[0-9]{1,2}$"), BeforeValidator(code_text)
    ] = Field(description="835 CLP02: 1/2/3 processed, 4 denied, 22 reversal")
    adjustments: Annotated[list[Adjustment], BeforeValidator(_none_is_empty)] = Field(
        default_factory=list,
        max_length=2000,
        description="this decision's adjustments (a reversal has none: see reversed_adjustments)",
    )
    reversed_adjustments: Annotated[list[Adjustment], BeforeValidator(_none_is_empty)] = Field(
        default_factory=list,
        max_length=2000,
        description="reversal (CLP02 22) only: the adjustments of the decision it takes back, signed "
        "as the payer sent them (negative)",
    )
    remark_codes: Annotated[list[RemarkCode], BeforeValidator(_none_is_empty)] = Field(
        default_factory=list, max_length=200, description="RARCs of the claim and its lines, each once"
    )
    paid_amount: SignedMoney = Field(
        default=Decimal("0"), description="CLP04; negative in a reversal (the payment taken back)"
    )
    charge_amount: SignedMoney | None = Field(
        default=None,
        description="CLP03: the claim's billed charges; negative in a reversal. When absent, the 835's "
        "balance gives it: paid_amount plus every adjustment",
    )

    @model_validator(mode="after")
    def _reversal(self) -> Denial:
        if self.claim_status_code == "22" and self.adjustments:
            raise ValueError(
                "a reversal (CLP02 22) carries the adjustments it takes back in reversed_adjustments"
            )
        if self.claim_status_code != "22" and self.reversed_adjustments:
            raise ValueError("reversed_adjustments belong to a reversal (CLP02 22) only")
        return self


class ProviderAdjustmentItem(Contract):
    reason_code: Annotated[str, BeforeValidator(code_text), StringConstraints(pattern=r"^[A-Z0-9]{2}$")] = (
        Field(
            description="PLB03-1 (e.g. WO overpayment recovery, L6 interest, 72 authorized return, FB "
            "forwarding balance, CS adjustment)"
        )
    )
    reference: str | None = Field(
        default=None, max_length=50, description="PLB03-2: what it refers to (a claim, an invoice)"
    )
    amount: SignedMoney = Field(
        description="PLB04: positive reduces the payment to the provider, negative increases it"
    )


class ProviderAdjustment(Envelope):
    """A provider-level adjustment of a remittance (835 PLB): money the payer adds to or takes from
    the payment for reasons that belong to no single claim. Never a claim denial."""

    event_type: Literal["provider_adjustment"] = "provider_adjustment"
    source: str = Field(default="835", min_length=1, max_length=64)
    provider_id: Identifier = Field(description="PLB01: the payee's provider identifier (NPI or TIN)")
    payer_id: str | None = Field(default=None, max_length=80, description="the payer (835 TRN03 or N1*PR)")
    fiscal_period_end: date = Field(description="PLB02: the last day of the provider's fiscal period")
    payment_trace_number: str | None = Field(
        default=None, max_length=50, description="TRN02: the check or EFT trace number of the payment"
    )
    adjustments: list[ProviderAdjustmentItem] = Field(min_length=1, max_length=6)
