"""Who sends the 837P: the billing company's submitter and billing-provider details, which the
claim contract does not carry (names, address, tax id). Loaded from YAML
(``CLAIMFLOW_X12_PROFILE``) or the synthetic defaults below (tests and the demo)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field


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

    def provider_name(self, npi: str) -> tuple[str, str]:
        last, _, first = self.provider_names.get(npi, "PROVIDER, ").partition(",")
        return last.strip() or "PROVIDER", first.strip()


def load_profile(path: Path | None) -> X12Profile:
    if path is None:
        return X12Profile()
    try:
        data = yaml.safe_load(path.read_text()) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ValueError(f"{path}: cannot read the X12 profile: {exc}") from exc
    return X12Profile.model_validate(data)
