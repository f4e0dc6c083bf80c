"""The CARC/RARC map (data in ``carc.yaml``), validated at start-up, and classification.

**Liability follows the group code, not the reason code** (reference §5). An adjustment is read as
(group, CARC):

* CO (contractual) and PI (payer-initiated): the provider absorbs it — never a patient statement;
  the row's ``action`` (which may never be ``bill_patient``) says what the provider does.
* PR (patient responsibility): the patient may be billed (PR-1/2/3 patient share, PR-49 or PR-96
  after GY, PR-50 after an ABN); the row's ``patient_action`` (default ``bill_patient``) applies —
  except for a PTP or MUE denial (``provider_liable``: PR-97, PR-234, PR-236) or timely filing
  (PR-29), which the patient can never be billed for, even with an ABN (reference §1, §5). Whether
  the claim carries the modifier that makes the patient liable (``patient_modifiers``: GA, GY) is
  the task planner's check, which sees the claim.
* OA (other adjustment): a denial only where the row says so (OA-18, a duplicate); an OA code the
  map does not know — OA-23, a prior payer's adjudication — is not a denial and raises no task.

A CO/PI code the map does not know is a denial a person must read (``UNMAPPED``); a PR code it
does not know is patient responsibility.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from importlib import resources
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from schemas import Adjustment, Denial
from schemas.codes import GroupCode, carc_shaped
from schemas.outputs import TaskAction
from streams.datafiles import read_model
from streams.denials.corrections import CORRECTIONS

#: 835 CLP02 25, predetermination pricing only: the payer's estimate before the service, no
#: decision on a claim (no state, no task, no trend fact)
PREDETERMINATION = "25"
#: 835 CLP02 22: a reversal of an earlier decision (it decides nothing itself)
REVERSAL = "22"
_CENT = Decimal("0.01")


def unexplained_shortfall(denial: Denial) -> Decimal:
    """What a decision leaves unpaid with no adjustment to say why: CLP03 - CAS - CLP04 (the 835's
    claim balancing, X221A1 §1.10.2.1), when the charges are known; 0 when it balances, overpays
    (CLP04 includes any interest) or is no decision (a reversal, a predetermination)."""
    if denial.charge_amount is None or denial.claim_status_code in (REVERSAL, PREDETERMINATION):
        return Decimal("0")
    adjusted = sum((a.amount for a in denial.adjustments), Decimal("0"))
    short = denial.charge_amount - adjusted - denial.paid_amount
    return short if short >= _CENT else Decimal("0")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CarcRule(_Strict):
    category: str
    label: str
    denial: bool = Field(default=True, description="a denial of payment (not patient share or a write-down)")
    recoverable: bool
    action: TaskAction = Field(description="what the provider does under CO, PI and OA (never bill_patient)")
    medicare_action: TaskAction | None = None
    patient_action: TaskAction = Field(default="bill_patient", description="what to do under PR")
    provider_liable: bool = Field(
        default=False,
        description="the patient cannot be billed even under PR, even with an ABN (a PTP or MUE denial; "
        "timely filing)",
    )
    patient_modifiers: list[str] = Field(
        default_factory=list,
        description="under PR on a Medicare claim: the patient is liable only when the denied line "
        "carries one of these (GA: a signed ABN; GY: a statutory exclusion)",
    )
    oa_denial: bool | None = Field(default=None, description="under OA, a denial? (default: as `denial`)")
    correction: str | None = None
    override_instructions: str = Field(
        default="",
        description="an NCCI pair denial a modifier may overturn where the pair allows one (modifier "
        "indicator 1): the words of that task (a corrected claim, Medicare a reopening); elsewhere the "
        "rule's action (a write-off) stands",
    )
    medicare_override_instructions: str = ""
    marked_repeat_instructions: str = Field(
        default="",
        description="a duplicate denial of lines that already carry 76/77 (a repeat marked as one): "
        "the words of that task, an appeal; a line without them keeps the rule's action",
    )
    appeal_alternative: bool = Field(
        default=False,
        description="the words offer an appeal instead of the action (recode, or appeal if the coding "
        "was right): the task is due by the earlier of the two windows",
    )
    root_cause: str = ""
    instructions: str = ""
    #: the words for a Medicare reopening where ``instructions`` speak of a corrected claim
    medicare_instructions: str = ""
    patient_instructions: str = ""

    @field_validator("correction")
    @classmethod
    def _known_correction(cls, v: str | None) -> str | None:
        if v is not None and v not in CORRECTIONS:
            raise ValueError(
                f"{v!r} is not a correction claimflow makes (one of: {', '.join(sorted(CORRECTIONS))})"
            )
        return v

    @field_validator("action", "medicare_action")
    @classmethod
    def _provider_side(cls, v: TaskAction | None) -> TaskAction | None:
        if v == "bill_patient":
            raise ValueError(
                "bill_patient is never the action under CO/PI/OA (the provider absorbs those); "
                "the patient is billed only under PR (patient_action)"
            )
        return v

    @model_validator(mode="after")
    def _medicare_words_fit_the_action(self) -> CarcRule:
        if (
            self.medicare_action is not None
            and self.medicare_action != self.action
            and "corrected claim" in self.instructions
            and not self.medicare_instructions
        ):
            raise ValueError(
                f"medicare_instructions: required when medicare_action ({self.medicare_action}) differs "
                "from action and the instructions speak of a corrected claim (Medicare Part B takes none)"
            )
        return self


class RemarkRule(_Strict):
    action: TaskAction | None = None
    #: the task's words when the remark sets its action (the reason code's words are for another)
    instructions: str = ""
    appealable: bool = True
    #: the remark marks a PTP or MUE denial (N362 units over the maximum, N20 a same-day pair): the
    #: patient cannot be billed whatever the group code
    provider_liable: bool = False
    note: str = ""

    @model_validator(mode="after")
    def _words_for_the_action(self) -> RemarkRule:
        if self.action is not None and not self.instructions:
            raise ValueError("instructions: required when the remark sets the action")
        return self


#: the shapes of a claim adjustment reason code (X12 code list 139: 50, B15) and of a remittance
#: advice remark code (code list 411: N362, MA130, M76)
_CARC_KEY = re.compile(r"^(?:[0-9]{1,3}|[A-Z][0-9]{1,2})$")
_RARC_KEY = re.compile(r"^[A-Z]{1,2}[0-9]{1,4}$")


class ReasonMapFile(_Strict):
    version: str
    carcs: dict[str, CarcRule]
    remarks: dict[str, RemarkRule] = Field(default_factory=dict)

    @field_validator("carcs")
    @classmethod
    def _carc_keys(cls, v: dict[str, CarcRule]) -> dict[str, CarcRule]:
        wrong = [key for key in v if not _CARC_KEY.match(key)]
        if wrong:
            raise ValueError(
                f"{', '.join(wrong)}: not a reason code (1-3 digits, or a letter and 1-2 digits: 45, "
                "B15; the group code, CO/PR/OA/PI, is not part of it)"
            )
        return v

    @field_validator("remarks")
    @classmethod
    def _rarc_keys(cls, v: dict[str, RemarkRule]) -> dict[str, RemarkRule]:
        wrong = [key for key in v if not _RARC_KEY.match(key)]
        if wrong:
            raise ValueError(f"{', '.join(wrong)}: not a remark code (N362, MA130, M76: no dash or space)")
        return v


#: a denial no mapped reason explains (a CARC the map lacks, or CLP02 4 without one): the claim was
#: adjudicated, so it is corrected by a replacement (Medicare: a reopening) or appealed — never
#: resent as if it had not been filed — and the task is due by the earlier window (the appeal's)
UNMAPPED = CarcRule(
    category="unclassified",
    label="reason code not in the map",
    recoverable=True,
    action="replacement_claim",
    medicare_action="reopening",
    appeal_alternative=True,
    root_cause="The payer used a reason code claimflow has no mapping for.",
    instructions="Read the remittance and its remark codes; correct the claim by a replacement claim "
    "(frequency 7 with the payer claim number) or appeal, and add the code to carc.yaml.",
    medicare_instructions="Read the remittance and its remark codes; Medicare Part B takes no corrected "
    "claims: correct the claim through a reopening or appeal (redetermination), and add the code to "
    "carc.yaml.",
)
PATIENT_RESPONSIBILITY = CarcRule(
    category="patient_responsibility",
    label="patient responsibility",
    denial=False,
    recoverable=True,
    action="write_off",
    root_cause="The payer assigned this amount to the patient.",
)
NOT_A_DENIAL = CarcRule(
    category="other_adjustment",
    label="other adjustment",
    denial=False,
    recoverable=False,
    action="write_off",
    root_cause="An other-adjustment (OA) the map does not treat as a denial (e.g. a prior payer's adjudication).",
)


@dataclass(frozen=True)
class Classified:
    """One adjustment read by its group and reason code."""

    adjustment: Adjustment
    rule: CarcRule
    is_denial: bool
    #: the patient may be billed: only under PR
    patient_billable: bool
    #: what to do about it (PR: the row's patient action; CO/PI/OA: the provider's action)
    action: TaskAction
    recoverable: bool

    @property
    def label(self) -> str:
        """``CO-50``; a code without a CARC's shape reads ``CO-other`` (tasks, claim states and
        the claim query carry no free text from a payer's field)."""
        code = self.adjustment.reason_code
        return f"{self.adjustment.group_code}-{code if carc_shaped(code) else 'other'}"

    @property
    def group(self) -> GroupCode:
        return self.adjustment.group_code

    @property
    def instructions(self) -> str:
        if self.patient_billable:
            # liability follows the group code: never the CO words of the same reason code
            return self.rule.patient_instructions or (
                f"The payer assigned the amount to the patient ({self.label}, {self.rule.label}): "
                "bill the patient per the plan and the contract."
            )
        return self.rule.instructions or self.rule.label


class ReasonMap:
    def __init__(self, spec: ReasonMapFile):
        self.spec = spec
        self.version = spec.version

    def carc(self, code: str) -> CarcRule | None:
        return self.spec.carcs.get(code)

    @property
    def denial_categories(self) -> list[str]:
        """Every reason category a denial adjustment can be counted under: the map's denial rows
        (under CO/PI, PR or OA) and the one of a code the map does not know."""
        rows = self.spec.carcs.values()
        found = {r.category for r in rows if r.denial or r.oa_denial}
        return sorted(found | {UNMAPPED.category})

    def remark(self, code: str) -> RemarkRule | None:
        return self.spec.remarks.get(code)

    def classify_one(self, adjustment: Adjustment) -> Classified:
        group = adjustment.group_code
        rule = self.spec.carcs.get(adjustment.reason_code)
        if group == "PR":
            rule = rule or PATIENT_RESPONSIBILITY
            if rule.provider_liable:  # PTP/MUE: never the patient's, whatever the group code says
                return Classified(adjustment, rule, rule.denial, False, rule.action, rule.recoverable)
            return Classified(adjustment, rule, rule.denial, True, rule.patient_action, True)
        if group == "OA":
            if rule is None:
                return Classified(adjustment, NOT_A_DENIAL, False, False, NOT_A_DENIAL.action, False)
            denial = rule.denial if rule.oa_denial is None else rule.oa_denial
            return Classified(adjustment, rule, denial, False, rule.action, rule.recoverable)
        rule = rule or UNMAPPED  # CO, PI: the provider's loss
        return Classified(adjustment, rule, rule.denial, False, rule.action, rule.recoverable)

    def classify(self, adjustments: list[Adjustment]) -> list[Classified]:
        return [self.classify_one(adj) for adj in adjustments]

    def explained_without_denial(self, adjustments: list[Adjustment]) -> bool:
        """Adjustments that all say, by codes the map knows, that the amount is no denial: patient
        share (PR-1/2/3), a prior payer's adjudication (OA-23), a contractual write-down. What
        turns a CLP02 4 into a claim processed with nothing to pay; an unknown code explains
        nothing (the payer's "denied" stands)."""
        return bool(adjustments) and all(
            adj.reason_code in self.spec.carcs and not self.classify_one(adj).is_denial for adj in adjustments
        )

    def denies_claim(self, claim_status_code: str | None, adjustments: list[Adjustment]) -> bool:
        """An 835 claim payment that denies the claim: CLP02 4, unless its adjustments all say, by
        codes the map knows, that nothing is denied (PR-1 only, OA-23 only). A denial adjustment
        always leaves it denied (it explains nothing away)."""
        return claim_status_code == "4" and not self.explained_without_denial(adjustments)


def bundled_reason_map_path() -> Path:
    return Path(str(resources.files("streams.denials") / "carc.yaml"))


def load_reason_map(path: Path | None = None) -> ReasonMap:
    path = path or bundled_reason_map_path()
    return ReasonMap(read_model(path, ReasonMapFile))
