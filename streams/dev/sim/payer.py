"""A payer and clearinghouse model: answers a claim the way a payer would for its real defects.

The payer runs its own edits (claimflow's rule pack stands in for them) against the claim and the
documentation it would request, plus the defects no scrubber can see (coverage ended, member not
on file). Front-end defects (NPI, patient, code validity, claim data) are clearinghouse rejections
on the 277CA; the rest are accepted (A2) and denied on the 835 with the CARC/RARC a payer sends.
"""

from __future__ import annotations

import zlib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal

from schemas import Encounter, ScrubEdit, ValidClaim
from streams.scrub import HistoryEntry, Scrubber

REJECTION_CATEGORIES = {"provider": "562", "patient": "33", "code_validity": "255", "claim_data": "21"}
DENIAL_BY_RULE: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "UNITS_REPEAT_WITHOUT_MODIFIER": ("OA", "18", ()),
    "UNITS_REPEAT_IN_ONE_LINE": ("OA", "18", ()),
    "UNITS_MUE_EXCEEDED": ("CO", "151", ("N362",)),
    "COV_PRIOR_AUTH_MISSING": ("CO", "197", ()),
    "COV_NOT_COVERED": ("CO", "96", ()),
    "COV_CODE_NOT_FOR_PLAN": ("CO", "109", ()),
    "NEC_SCREENING_NOT_COVERED": ("CO", "49", ()),
    # the warnings a payer turns into denials: its own coverage policy, and the liability the
    # GA/GY modifiers announced
    "NEC_UNLISTED_DIAGNOSIS": ("CO", "50", ("N115",)),
    "COV_SCREENING_WITHOUT_VISIT": ("CO", "B15", ()),
    "NEC_BILLED_WITH_ABN": ("PR", "50", ()),
    "NEC_SCREENING_BILLED_FOR_DENIAL": ("PR", "49", ()),
    "COV_BILLED_FOR_DENIAL": ("PR", "96", ()),
    # GZ: the same denials, the provider's (no ABN)
    "NEC_BILLED_WITHOUT_ABN": ("CO", "50", ()),
    "NEC_SCREENING_BILLED_PROVIDER_LIABLE": ("CO", "49", ()),
    "COV_BILLED_PROVIDER_LIABLE": ("CO", "96", ()),
}
#: the warnings of claimflow's rules that a payer acts on (the rest stay notes)
DENIED_WARNINGS = frozenset(
    {
        "NEC_UNLISTED_DIAGNOSIS",
        "NEC_BILLED_WITH_ABN",
        "NEC_SCREENING_BILLED_FOR_DENIAL",
        "COV_BILLED_FOR_DENIAL",
        "NEC_BILLED_WITHOUT_ABN",
        "NEC_SCREENING_BILLED_PROVIDER_LIABLE",
        "COV_BILLED_PROVIDER_LIABLE",
    }
)
#: share of medical-necessity appeals the payer overturns (decided per claim, deterministically)
APPEALS_OVERTURNED = 0.6
DENIAL_BY_CATEGORY: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "component": ("CO", "16", ("N163",)),
    "documentation": ("CO", "16", ("N163",)),
    "bundling": ("CO", "97", ("N20",)),
    "modifier": ("CO", "4", ()),
    "place_of_service": ("CO", "5", ()),
    "medical_necessity": ("CO", "50", ("N115",)),
    "frequency": ("CO", "119", ("N117",)),
    "timely_filing": ("CO", "29", ()),
    "duplicate": ("OA", "18", ()),
    "units": ("CO", "151", ("N362",)),
    "coverage": ("PR", "204", ()),
}


@dataclass(frozen=True)
class Adjudication:
    """What the payer will say about one claim."""

    claim_id: str
    payer_id: str
    rejected: bool
    category_code: str  # first decisive 277CA: A2, or A3/A7 for rejections
    status_code: str
    adjustments: tuple[dict[str, str | int | None], ...] = ()
    remark_codes: tuple[str, ...] = ()
    paid_amount: Decimal = Decimal("0")
    clp02: str = "1"

    @property
    def denied(self) -> bool:
        return any(a["group_code"] != "PR" or a["reason_code"] == "204" for a in self.adjustments)


@dataclass
class PayerModel:
    scrubber: Scrubber
    history: dict[str, list[HistoryEntry]] = field(default_factory=lambda: defaultdict(list))

    def adjudicate(
        self,
        claim: ValidClaim,
        encounter: Encounter | None,
        hidden: tuple[str, ...] = (),
        as_of: datetime | None = None,
    ) -> Adjudication:
        today = (as_of or claim.occurred_at or datetime.now(UTC)).date()
        result = self.scrubber.scrub(claim, today, encounter, self.history[claim.patient_key])
        errors = [
            e
            for e in result.edits
            if (e.severity == "error" and e.rule_id != "DOC_ENCOUNTER_MISSING")
            or e.rule_id in DENIED_WARNINGS
        ]
        payer_id = claim.payer.payer_id
        if "member_not_found" in hidden:
            return Adjudication(claim.claim_id, payer_id, True, "A3", "33")
        front = [e for e in errors if e.category in REJECTION_CATEGORIES]
        if front:
            return Adjudication(claim.claim_id, payer_id, True, "A7", REJECTION_CATEGORIES[front[0].category])
        self.history[claim.patient_key].extend(HistoryEntry.from_claim(claim))
        adjustments, remarks = self._denials(claim, errors, hidden)
        denied_total = sum((Decimal(str(a["amount"])) for a in adjustments), Decimal("0"))
        paid = max(Decimal("0"), claim.total_charge - denied_total)
        if paid > 0 and claim.payer.plan_type == "commercial" and not adjustments:
            copay = min(Decimal("20.00"), paid)
            adjustments.append(
                {"line_number": None, "group_code": "PR", "reason_code": "3", "amount": str(copay)}
            )
            paid -= copay
        clp02 = (
            "4" if paid == 0 and adjustments and all(a["group_code"] != "PR" for a in adjustments) else "1"
        )
        return Adjudication(
            claim.claim_id, payer_id, False, "A2", "20", tuple(adjustments), tuple(remarks), paid, clp02
        )

    @staticmethod
    def overturns(claim_id: str) -> bool:
        """Whether the payer overturns a medical-necessity appeal of this claim (about 60 %)."""
        return zlib.crc32(claim_id.encode()) % 100 < APPEALS_OVERTURNED * 100

    def _denials(
        self, claim: ValidClaim, errors: list[ScrubEdit], hidden: tuple[str, ...]
    ) -> tuple[list[dict[str, str | int | None]], list[str]]:
        if "coverage_ended" in hidden:
            return [
                {
                    "line_number": None,
                    "group_code": "CO",
                    "reason_code": "27",
                    "amount": str(claim.total_charge),
                }
            ], []
        adjustments: list[dict[str, str | int | None]] = []
        remarks: list[str] = []
        charged = {ln.line_number: ln.charge for ln in claim.lines}
        denied_lines: set[int | None] = set()
        # a repeat without 76/77 is denied as a duplicate, not as a units excess
        for edit in sorted(errors, key=lambda e: e.rule_id != "UNITS_REPEAT_WITHOUT_MODIFIER"):
            group, carc, rarcs = DENIAL_BY_RULE.get(edit.rule_id) or DENIAL_BY_CATEGORY.get(
                edit.category, ("CO", "16", ())
            )
            line = edit.line_number
            if line in denied_lines or None in denied_lines:
                continue
            amount = (
                charged.get(line)
                if line is not None
                else claim.total_charge
                - sum((charged[n] for n in denied_lines if n is not None), Decimal("0"))
            )
            denied_lines.add(line)
            adjustments.append(
                {"line_number": line, "group_code": group, "reason_code": carc, "amount": str(amount)}
            )
            remarks.extend(r for r in rarcs if r not in remarks)
        return adjustments, remarks
