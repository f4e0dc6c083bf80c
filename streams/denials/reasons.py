"""The CARC/RARC map (data in ``carc.yaml``), validated at start-up, and classification."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from schemas import Adjustment
from schemas.outputs import TaskAction
from streams.scrub.packs import PackError, format_validation


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CarcRule(_Strict):
    category: str
    label: str
    denial: bool = True
    recoverable: bool
    patient_billable: bool
    action: TaskAction
    medicare_action: TaskAction | None = None
    correction: str | None = None
    root_cause: str = ""
    instructions: str = ""


class RemarkRule(_Strict):
    action: TaskAction | None = None
    appealable: bool = True
    note: str = ""


class ReasonMapFile(_Strict):
    version: str
    carcs: dict[str, CarcRule]
    remarks: dict[str, RemarkRule] = {}


UNMAPPED = CarcRule(
    category="unclassified",
    label="reason code not in the map",
    recoverable=True,
    patient_billable=False,
    action="fix_and_resubmit",
    root_cause="The payer used a reason code claimflow has no mapping for.",
    instructions="Read the remittance, correct the claim if needed, and add the code to carc.yaml.",
)


@dataclass(frozen=True)
class Classified:
    adjustment: Adjustment
    rule: CarcRule

    @property
    def label(self) -> str:
        return f"{self.adjustment.group_code}-{self.adjustment.reason_code}"

    @property
    def is_denial(self) -> bool:
        """PR-1/2/3 (patient share) and contractual write-downs (CO-45, CO-253) are not denials."""
        return self.rule.denial


class ReasonMap:
    def __init__(self, spec: ReasonMapFile):
        self.spec = spec
        self.version = spec.version

    def carc(self, code: str) -> CarcRule:
        return self.spec.carcs.get(code, UNMAPPED)

    def remark(self, code: str) -> RemarkRule | None:
        return self.spec.remarks.get(code)

    def classify(self, adjustments: list[Adjustment]) -> list[Classified]:
        return [Classified(adj, self.carc(adj.reason_code)) for adj in adjustments]


def load_reason_map(path: Path | None = None) -> ReasonMap:
    path = path or Path(str(resources.files("streams.denials") / "carc.yaml"))
    try:
        raw = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as exc:
        raise PackError(f"{path}: cannot read the reason-code map: {exc}") from None
    try:
        return ReasonMap(ReasonMapFile.model_validate(raw))
    except ValidationError as exc:
        raise PackError(format_validation(path, exc)) from None
