"""Who sends the 837P: the billing company's submitter and billing-provider details, which the
claim contract does not carry (names, address, tax id). Loaded from YAML
(``CLAIMFLOW_X12_PROFILE``) or the synthetic defaults below (tests and the demo)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from schemas.codes import x12_unsafe
from streams.datafiles import read_yaml, validation_message
from streams.errors import DataFileError


class X12Profile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    sender_id: str = Field(default="CLAIMFLOWDEMO", max_length=15, description="ISA06 / GS02")
    receiver_id: str = Field(default="CLEARINGHOUSE", max_length=15, description="ISA08 / GS03")
    usage: Literal["T", "P"] = Field(default="T", description="ISA15: test or production")
    submitter_name: str = "CLAIMFLOW DEMO BILLING"
    submitter_id: str = "CFDEMO01"
    contact_name: str = "BILLING DESK"
    contact_phone: str = Field(default="5555550100", pattern=r"^[0-9]{10}$")
    receiver_name: str = "DEMO CLEARINGHOUSE"
    billing_provider_name: str = "DEMO CARDIOLOGY GROUP"
    billing_address: str = "100 EXAMPLE AVE"
    billing_city: str = "SPRINGFIELD"
    billing_state: str = Field(default="IL", pattern=r"^[A-Z]{2}$")
    billing_zip: str = Field(default="627010001", pattern=r"^[0-9]{9}$", description="ZIP+4, no dash")
    billing_tax_id: str = Field(default="990000001", pattern=r"^[0-9]{9}$")
    provider_names: dict[str, str] = Field(
        default_factory=dict, description="NPI → 'LAST, FIRST' for rendering/referring providers"
    )

    @field_validator(
        "sender_id", "receiver_id", "submitter_name", "submitter_id", "contact_name", "receiver_name",
        "billing_provider_name", "billing_address", "billing_city",
    )  # fmt: skip
    @classmethod
    def _writable(cls, value: str) -> str:
        """Every value goes into an 837P, which has no escape: a delimiter (* : ~ ^) or a
        character outside X12's set would break the file."""
        if not value.strip() or x12_unsafe(value) or not value.isascii():
            raise ValueError(
                "must be X12 text (letters, digits, spaces and . , - ' & / and the like; no * : ~ ^)"
            )
        return value

    @field_validator("provider_names")
    @classmethod
    def _names_writable(cls, value: dict[str, str]) -> dict[str, str]:
        for npi, name in value.items():
            if x12_unsafe(name) or not name.isascii():
                raise ValueError(f"the name for {npi} must be X12 text (no * : ~ ^)")
        return value

    def provider_name(self, npi: str) -> tuple[str, str]:
        last, _, first = self.provider_names.get(npi, "PROVIDER, ").partition(",")
        return last.strip() or "PROVIDER", first.strip()


def load_profile(path: Path | None) -> X12Profile:
    """The profile of ``path`` (the synthetic defaults without one); ``DataFileError`` naming the
    file and the field when it cannot be read or is not a profile."""
    if path is None:
        return X12Profile()
    data = read_yaml(path) or {}
    try:
        return X12Profile.model_validate(data)
    except ValidationError as exc:
        raise DataFileError(validation_message(path, exc, "X12 profile")) from None
