"""A claim as the coder submitted it (topic ``claims-submitted``, keyed by ``patient_key``).

Three views of one claim, each a subclass of the one before:

* ``ClaimSubmitted`` — what the worker reads. **Lenient**: any JSON object with a ``claim_id`` (a
  number is read as text) and the contract's structure is a claim. The structure is read leniently
  too: a single value where a list belongs is a list of one (``"diagnoses": "R07.9"``,
  ``"modifiers": "26"``, one line object for ``lines``), and a patient or payer that is not an
  object is an empty one (the scrubber then names every field it lacks).
  Wrong *values* — a 9-digit NPI, a 4-character procedure code, a malformed diagnosis, an empty
  member id, a date or amount that cannot be read (kept as ``None``), an unknown field — are not
  refused here: the scrubber holds the claim with an edit that names the field and the fix
  (``streams/scrub/rules/claim_format.py``). A value that no reading makes sense of (a text field
  sent as ``true``, a line that is not an object) is left out by ``salvage`` and named on the
  claim (``unreadable``) for the scrubber's edit. Only input that cannot be read as a claim at all
  (no readable ``claim_id``) is a dead letter.
* ``ScrubbableClaim`` — every value a rule needs to be asked is present and typed (lines with
  their dates of service, units and charges; the plan type). The scrubber's rules work on it.
* ``ValidClaim`` — every value is well-formed (the strict contract). ``claims-ready``, corrected
  claims and rendered 837Ps carry only this. ``read_claim`` returns one whenever the input allows.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    BeforeValidator,
    ConfigDict,
    Field,
    StrictInt,
    StringConstraints,
    ValidationError,
    ValidatorFunctionWrapHandler,
    WrapValidator,
    model_validator,
)

from schemas.base import Contract, Envelope
from schemas.codes import (
    ClaimId,
    FrequencyCode,
    IcdCode,
    Identifier,
    Modifier,
    Money,
    Npi,
    PayerId,
    PlaceOfService,
    PlanType,
    ProcedureCode,
    looks_like_icd10,
    normalize_icd10,
)
from schemas.errors import field_path, problem_of, shown_key
from schemas.status import Adjustment

#: Hard ceiling on lines per claim (the 837P allows 50 service lines).
MAX_LINES = 50
#: Diagnoses per claim (837P HI: 12) and pointers per line (SV107: 4).
MAX_DIAGNOSES = 12
MAX_POINTERS = 4
#: How units are counted (837P SV103): UN units, MJ minutes (anesthesia time).
UNIT_BASES = ("UN", "MJ")
#: SBR01, the payer's place in the order of payment (P primary, S secondary, T tertiary, A-H the
#: 4th to 11th payer, U unknown).
PAYER_RESPONSIBILITIES = ("P", "S", "T", "A", "B", "C", "D", "E", "F", "G", "H", "U")


# --- lenient value types: read what can be read, never refuse a value ----------------------------


def _text(value: object) -> object:
    """Numbers become text (an NPI or a code sent as a JSON number); text is stripped; a missing
    value (null) is empty text, which the scrubber reports."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return value  # refused below: a boolean is not text, and not a wrong value either
    if isinstance(value, int | float | Decimal):
        return str(value)
    return value.strip() if isinstance(value, str) else value


def _optional_text(value: object) -> object:
    value = _text(value)
    return None if value == "" else value


def _as_list(value: object) -> object:
    """A list sent as null is an empty one (the scrubber says what is missing); a single value or
    object where a list belongs is a list of one (a practice system's export of one diagnosis)."""
    if value is None:
        return []
    if isinstance(value, str | int | float | Decimal | dict) and not isinstance(value, bool):
        return [value]
    return value


_MODIFIER_SEPARATORS = re.compile(r"[\s,;:]+")


def _modifier_list(value: object) -> object:
    """Modifiers sent as one text (``"26,59"``, ``"26 59"``, ``"26:59"`` as a practice system or
    an X12 composite writes them) are a list of each; otherwise as ``_as_list``."""
    if isinstance(value, str) and _MODIFIER_SEPARATORS.search(value.strip()):
        return [part for part in _MODIFIER_SEPARATORS.split(value.strip()) if part]
    return _as_list(value)


def _object_or_empty(value: object) -> object:
    """An object sent as null, or as something that is not an object, is an empty one: the claim
    is still a claim, and the scrubber names each field it lacks."""
    return value if isinstance(value, dict) else {}


def _code(value: object) -> object:
    value = _text(value)
    return value.upper() if isinstance(value, str) else value


def _diagnosis(value: object) -> object:
    """``r079`` and ``R07.9`` are one code; text that is not ICD-shaped is kept as written."""
    value = _code(value)
    if isinstance(value, str) and looks_like_icd10(value):
        return normalize_icd10(value)
    return value


def _or_none(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
    """A value that cannot be read as its type is kept as ``None`` (the scrubber says so)."""
    try:
        return handler(value)
    except ValidationError:
        return None


def _not_a_bool(value: object) -> object:
    """JSON ``true`` is no number (Python would read it as 1): a line number or a diagnosis
    pointer sent as one is unreadable, and the scrubber says so."""
    if isinstance(value, bool):
        raise ValueError("a boolean is not a number")
    return value


def _pointer(value: object) -> object:
    """A diagnosis pointer as the CMS-1500 writes it (box 24E: letters A-L for diagnoses 1-12)
    is the 837P's number (SV107: 1-12)."""
    if isinstance(value, str) and len(value.strip()) == 1 and "A" <= value.strip().upper() <= "L":
        return ord(value.strip().upper()) - ord("A") + 1
    return value


LooseText = Annotated[str, BeforeValidator(_text)]
LooseOptionalText = Annotated[str | None, BeforeValidator(_optional_text)]
LooseCode = Annotated[str, BeforeValidator(_code)]
LooseDiagnosis = Annotated[str, BeforeValidator(_diagnosis)]
LooseDate = Annotated[date | None, WrapValidator(_or_none)]
LooseDecimal = Annotated[Decimal | None, WrapValidator(_or_none)]
LooseInt = Annotated[int | None, BeforeValidator(_not_a_bool), WrapValidator(_or_none)]
LoosePointer = Annotated[
    int | None, BeforeValidator(_pointer), BeforeValidator(_not_a_bool), WrapValidator(_or_none)
]
NullableList = BeforeValidator(_as_list)
NullableObject = BeforeValidator(_object_or_empty)

#: units of a service line: a decimal above 0 (SV104 allows 1.5), at most 3 decimal places
Units = Annotated[Decimal, Field(gt=0, le=99999, decimal_places=3)]
PayerResponsibility = Literal["P", "S", "T", "A", "B", "C", "D", "E", "F", "G", "H", "U"]
#: the order of payment a payer responsibility code (SBR01) states: P first, S second, T third, A–H
#: the fourth to the eleventh (U, unknown, has none)
RESPONSIBILITY_ORDER: dict[str, int] = {code: rank for rank, code in enumerate("PSTABCDEFGH", start=1)}

_LENIENT = ConfigDict(extra="allow")  # an unknown field is an edit (a typo), not a broken event
_STRICT = ConfigDict(extra="forbid")


# --- parts ---------------------------------------------------------------------------------------


class Patient(Contract):
    """Identity of the patient/subscriber. PHI: never logged, never a metric label."""

    model_config = _LENIENT

    member_id: LooseText = ""
    first_name: LooseText = ""
    last_name: LooseText = ""
    birth_date: LooseDate = None
    sex: LooseCode = ""
    #: the patient's address (837P N3/N4: 2010BA when the patient is the subscriber, 2010CA for a
    #: dependent, where the guide requires it)
    address: LooseOptionalText = None
    city: LooseOptionalText = None
    state: LooseOptionalText = None
    postal_code: LooseOptionalText = None

    def has_address(self) -> bool:
        """Whether the address is whole (street, city, state, and a postal code of 5 or 9 digits,
        a dash between allowed: N403)."""
        return bool(self.address and self.city and self.state and self.postal_digits())

    def postal_digits(self) -> str:
        """The postal code as N403 carries it (5 or 9 digits), or "" when it is not one."""
        digits = (self.postal_code or "").replace("-", "").replace(" ", "")
        return digits if digits.isdigit() and len(digits) in (5, 9) else ""


class ValidPatient(Patient):
    model_config = _STRICT

    member_id: str = Field(min_length=1, max_length=80)
    first_name: str = Field(min_length=1, max_length=60)
    last_name: str = Field(min_length=1, max_length=60)
    birth_date: date
    sex: Literal["F", "M", "U"]
    address: Annotated[str | None, BeforeValidator(_optional_text)] = Field(default=None, max_length=55)
    city: Annotated[str | None, BeforeValidator(_optional_text)] = Field(default=None, max_length=30)
    state: Annotated[str | None, BeforeValidator(_optional_text)] = Field(default=None, max_length=2)
    postal_code: Annotated[str | None, BeforeValidator(_optional_text)] = Field(default=None, max_length=15)


class Subscriber(Contract):
    """The insured, when the patient is not (a dependent: the patient is 837P 2010CA, the
    subscriber 2010BA). The member id is the patient's ``member_id``: the subscriber's id, which
    the payer knows the dependent by. PHI: never logged, never a metric label."""

    model_config = _LENIENT

    first_name: LooseText = ""
    last_name: LooseText = ""
    birth_date: LooseDate = None
    sex: LooseCode = ""


class ValidSubscriber(Subscriber):
    model_config = _STRICT

    first_name: str = Field(default="", max_length=35)
    last_name: str = Field(min_length=1, max_length=60)
    birth_date: date | None = None
    sex: Literal["F", "M", "U", ""] = ""


#: the patient's relationship to a subscriber who is someone else (837P 2000C PAT01)
DependentRelationship = Literal["01", "19", "20", "21", "39", "40", "53", "G8"]
#: 2320 SBR02, the patient's relationship to another payer's subscriber (self included)
OtherPayerRelationship = Literal["01", "18", "19", "20", "21", "39", "40", "53", "G8"]


class Payer(Contract):
    model_config = _LENIENT

    payer_id: LooseText = ""
    name: LooseText = ""
    plan_type: LooseText = ""


class ScrubbablePayer(Payer):
    plan_type: PlanType


class ValidPayer(ScrubbablePayer):
    model_config = _STRICT

    payer_id: PayerId
    name: str = Field(min_length=1, max_length=80)


#: an amount another payer reported, in cents as an 835 and an 837P carry it (signed: a payer may
#: report a negative remaining liability); a fraction of a cent is a typo, never rounded away
Cents = Annotated[Decimal, Field(max_digits=12, decimal_places=2)]


class LinePayment(Contract):
    """What another payer decided on one service line (837P loop 2430 SVD, DTP*573); its line
    adjustments (2430 CAS) are among the payer's ``adjustments`` with this line's number."""

    line_number: int = Field(ge=1, description="the claim's line (its line_number) this decision is about")
    paid_amount: Cents = Field(description="what that payer paid on the line (SVD02)")
    procedure_code: str | None = Field(
        default=None,
        max_length=48,
        description="the code that payer decided (SVD03), when it is not the line's own (a corrected "
        "claim changed the line's code: the other payer's decision stays about the code it saw)",
    )
    modifiers: list[str] = Field(
        default_factory=list, max_length=4, description="with ``procedure_code``: the modifiers it saw"
    )
    units: Decimal | None = Field(default=None, description="the units it paid (SVD05)")
    adjudicated_on: date | None = Field(default=None, description="its adjudication date (2430 DTP*573)")


class OtherPayer(Contract):
    """Coordination of benefits: another payer of this claim (837P loops 2320/2330, and 2430 per
    line) and what it decided. The claim's own payer, subscriber and claim numbers never come from
    here."""

    payer_id: str | None = Field(default=None, max_length=80)
    name: str | None = Field(default=None, max_length=80)
    plan_type: PlanType | None = None
    responsibility: PayerResponsibility = Field(
        default="P", description="SBR01 of that payer: P primary, S secondary, T tertiary, ..."
    )
    claim_number: str | None = Field(
        default=None, max_length=50, description="that payer's claim control number (2330B REF*F8)"
    )
    paid_amount: Cents | None = Field(default=None, description="what that payer paid (2320 AMT*D)")
    patient_responsibility: Cents | None = Field(
        default=None, description="remaining patient liability it reported (2320 AMT*EAF)"
    )
    adjudicated_on: date | None = Field(default=None, description="its adjudication date (2330B DTP*573)")
    adjustments: list[Adjustment] = Field(
        default_factory=list,
        max_length=999,
        description="its adjustments: claim level (2320 CAS, no line number) and per line (2430 CAS)",
    )
    line_payments: list[LinePayment] = Field(
        default_factory=list, max_length=50, description="its decision per service line (2430 SVD)"
    )
    relationship: Annotated[OtherPayerRelationship | None, BeforeValidator(_optional_text)] = Field(
        default=None,
        description="the patient's relationship to that payer's subscriber (2320 SBR02: 18 self, 01 "
        "spouse, 19 child, 20 employee, 21 unknown, 39 organ donor, 40 cadaver donor, 53 life partner, "
        "G8 other)",
    )
    subscriber_member_id: str | None = Field(
        default=None, max_length=80, description="that payer's subscriber's member id (2330A NM109)"
    )
    subscriber_last_name: str | None = Field(
        default=None, max_length=60, description="that payer's subscriber's last name (2330A NM103)"
    )
    subscriber_first_name: str | None = Field(
        default=None, max_length=35, description="that payer's subscriber's first name (2330A NM104)"
    )

    def decided(self) -> bool:
        """Whether this payer's decision on the claim is here (a payment, a date, adjustments)."""
        return bool(
            self.paid_amount is not None or self.adjudicated_on or self.adjustments or self.line_payments
        )

    def cob_missing(self) -> list[str]:
        """What an 837P's COB loops need and this payer lacks: 2330A (that payer's subscriber:
        member id and last name) and 2330B (the payer: id and name) are required in each 2320."""
        return [
            name
            for name, value in (
                ("subscriber_member_id", self.subscriber_member_id),
                ("subscriber_last_name", self.subscriber_last_name),
                ("payer_id", self.payer_id),
                ("name", self.name),
            )
            if not value
        ]


class ClaimLine(Contract):
    model_config = _LENIENT

    line_number: LooseInt = None
    procedure_code: LooseCode = ""
    modifiers: Annotated[Sequence[LooseCode], BeforeValidator(_modifier_list)] = Field(default_factory=list)
    units: LooseDecimal = None
    unit_basis: LooseCode = Field(default="UN", description="UN units, MJ anesthesia minutes (SV103)")
    charge: LooseDecimal = None
    service_date: LooseDate = None
    service_end_date: LooseDate = Field(default=None, description="last day of a date range (DTP*472*RD8)")
    diagnosis_pointers: Annotated[Sequence[LoosePointer], NullableList] = Field(default_factory=list)
    line_control_number: LooseOptionalText = Field(
        default=None,
        description="line item control number (837P REF*6R): how a 277CA (REF*FJ) or an 835 names the line",
    )
    place_of_service: LooseOptionalText = Field(
        default=None,
        description="the line's own place of service when it differs from the claim's (837P SV105)",
    )
    rendering_provider_npi: LooseOptionalText = Field(
        default=None,
        description="the line's own rendering provider (837P 2420A) when it differs from the claim's: "
        "a group may bill several physicians' services on one claim (CMS-1500 item 24J); the "
        "per-provider edits judge the line as that provider's",
    )
    referring_provider_npi: LooseOptionalText = Field(
        default=None,
        description="the line's own referring provider (837P 2420F) when it differs from the claim's",
    )

    @property
    def last_service_date(self) -> date | None:
        return self.service_end_date or self.service_date


class ScrubbableLine(ClaimLine):
    line_number: int
    units: Decimal
    charge: Decimal
    service_date: date
    diagnosis_pointers: Sequence[int] = Field(default_factory=list)


class ValidClaimLine(ScrubbableLine):
    model_config = _STRICT

    line_number: StrictInt = Field(ge=1, le=MAX_LINES)
    procedure_code: ProcedureCode
    modifiers: Sequence[Modifier] = Field(default_factory=list, max_length=4)
    units: Units
    unit_basis: Literal["UN", "MJ"] = "UN"
    charge: Money
    service_end_date: date | None = None
    diagnosis_pointers: Sequence[Annotated[StrictInt, Field(ge=1, le=MAX_DIAGNOSES)]] = Field(
        default_factory=list, max_length=MAX_POINTERS
    )
    line_control_number: Annotated[
        Annotated[str, StringConstraints(min_length=1, max_length=50)] | None, BeforeValidator(_optional_text)
    ] = None
    place_of_service: Annotated[PlaceOfService | None, BeforeValidator(_optional_text)] = None
    rendering_provider_npi: Annotated[Npi | None, BeforeValidator(_optional_text)] = None
    referring_provider_npi: Annotated[Npi | None, BeforeValidator(_optional_text)] = None

    @model_validator(mode="after")
    def _range(self) -> ValidClaimLine:
        if self.service_end_date is not None and self.service_end_date < self.service_date:
            raise ValueError("service_end_date is before service_date")
        if len(set(self.diagnosis_pointers)) != len(self.diagnosis_pointers):
            raise ValueError("a diagnosis pointer is given twice")
        return self


# --- the claim -----------------------------------------------------------------------------------


class ClaimSubmitted(Envelope):
    """A claim as submitted, read leniently (see the module docstring)."""

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={
            "description": "A claim as submitted. The worker reads any JSON object with a claim_id "
            "and this structure; a value that is wrong or missing is a scrub edit (the claim is held "
            "with an edit naming the field), not a dead letter. Every clean claim has the strict "
            "shape of ClaimReady.claim."
        },
    )

    event_type: Literal["claim_submitted"] = "claim_submitted"
    claim_id: Annotated[ClaimId, BeforeValidator(_text)]
    encounter_id: LooseOptionalText = None
    patient_key: LooseOptionalText = Field(
        default=None, description="Pseudonymous patient key (keyed hash); never a member id"
    )
    patient: Annotated[Patient, NullableObject] = Field(default_factory=Patient)
    payer: Annotated[Payer, NullableObject] = Field(default_factory=Payer)
    billing_provider_npi: LooseOptionalText = None
    rendering_provider_npi: LooseOptionalText = None
    referring_provider_npi: LooseOptionalText = None
    place_of_service: LooseText = ""
    frequency_code: LooseText = "1"
    original_claim_number: LooseOptionalText = None
    replaces_claim_id: LooseOptionalText = Field(
        default=None,
        description="claim_id of the claim this replacement (7) or void (8) supersedes",
    )
    prior_authorization: LooseOptionalText = Field(
        default=None, description="payer authorization number (REF*G1)"
    )
    payer_responsibility: LooseCode = Field(
        default="P", description="SBR01 of the claim's payer: P primary, S secondary, T tertiary, ..."
    )
    subscriber: Subscriber | None = Field(
        default=None,
        description="the insured when the patient is a dependent (837P 2010BA; the patient goes in "
        "2000C/2010CA); absent: the patient is the subscriber",
    )
    relationship: LooseOptionalText = Field(
        default=None,
        description="with subscriber: the patient's relationship to them (2000C PAT01: 01 spouse, 19 "
        "child, 20 employee, 21 unknown, 39 organ donor, 40 cadaver donor, 53 life partner, G8 other)",
    )
    group_number: LooseOptionalText = Field(
        default=None, description="the subscriber's group or policy number (2000B SBR03)"
    )
    other_payers: Annotated[Sequence[OtherPayer], NullableList] = Field(
        default_factory=list,
        description="coordination of benefits: the other payers of this claim and their adjudication",
    )
    diagnoses: Annotated[Sequence[LooseDiagnosis], NullableList] = Field(default_factory=list)
    lines: Annotated[Sequence[ClaimLine], NullableList] = Field(default_factory=list)
    total_charge: LooseDecimal = None

    @property
    def unreadable(self) -> tuple[tuple[str, str], ...]:
        """Values left out because they could not be read at all (``salvage``): the field's
        dotted path (list positions from 1) and the problem; the scrubber holds the claim. Kept
        beside the fields, not as one (a pydantic private attribute costs every claim read)."""
        found: tuple[tuple[str, str], ...] = self.__dict__.get(UNREADABLE, ())
        return found

    @property
    def first_service_date(self) -> date:
        dates = [line.service_date for line in self.lines if line.service_date is not None]
        if not dates:
            raise ValueError(f"claim {self.claim_id} has no readable date of service")
        return min(dates)

    @property
    def lines_total(self) -> Decimal:
        return sum((line.charge for line in self.lines if line.charge is not None), Decimal("0"))

    def line_providers(self) -> list[tuple[ClaimLine, str, str]]:
        """The providers lines name of their own (837P 2420A rendering, 2420F referring), as
        (line, role, NPI as sent)."""
        return [
            (line, role, npi)
            for line in self.lines
            for role, npi in (
                ("rendering", line.rendering_provider_npi),
                ("referring", line.referring_provider_npi),
            )
            if npi is not None
        ]

    def place_of_service_of(self, line: ClaimLine) -> str:
        """Where ``line`` was performed: its own place of service (837P SV105), else the claim's."""
        return line.place_of_service or self.place_of_service

    @property
    def unknown_fields(self) -> list[str]:
        """Fields the contract does not know, as dotted paths (``lines.2.rendering_npi``). Only a
        key written as systems write field names is repeated (``schemas.errors.shown_key``); any
        other may be a value typed where a key belongs — a name, a member id, a birth date — and
        ``(a key that is not a field name)`` stands in for it."""
        out = [shown_key(name) for name in self.model_extra or {}]
        out += [f"patient.{shown_key(name)}" for name in self.patient.model_extra or {}]
        out += [f"payer.{shown_key(name)}" for name in self.payer.model_extra or {}]
        for i, line in enumerate(self.lines, start=1):
            out += [f"lines.{i}.{shown_key(name)}" for name in line.model_extra or {}]
        return out


class ScrubbableClaim(ClaimSubmitted):
    """Every value a rule reads is present and typed; other values may still be wrong."""

    model_config = ConfigDict(extra="ignore")

    payer: ScrubbablePayer
    lines: Sequence[ScrubbableLine] = Field(min_length=1)


#: an optional identifier sent as empty text is absent
OptionalIdentifier = Annotated[Identifier | None, BeforeValidator(_optional_text)]


class ValidClaim(ScrubbableClaim):
    """A claim whose every value is well-formed: what ``claims-ready`` carries."""

    model_config = ConfigDict(extra="forbid")

    encounter_id: OptionalIdentifier = None
    patient_key: Identifier = Field(description="Pseudonymous patient key (keyed hash); never a member id")
    patient: ValidPatient
    payer: ValidPayer
    billing_provider_npi: Npi
    rendering_provider_npi: Npi
    referring_provider_npi: Annotated[Npi | None, BeforeValidator(_optional_text)] = None
    place_of_service: PlaceOfService
    frequency_code: FrequencyCode = "1"
    original_claim_number: OptionalIdentifier = None
    replaces_claim_id: OptionalIdentifier = Field(
        default=None,
        description="claim_id of the claim this replacement (7) or void (8) supersedes",
    )
    prior_authorization: OptionalIdentifier = Field(
        default=None, description="payer authorization number (REF*G1)"
    )
    payer_responsibility: PayerResponsibility = "P"
    subscriber: ValidSubscriber | None = None
    relationship: Annotated[DependentRelationship | None, BeforeValidator(_optional_text)] = None
    group_number: OptionalIdentifier = None
    diagnoses: Sequence[IcdCode] = Field(min_length=1, max_length=MAX_DIAGNOSES)
    lines: Sequence[ValidClaimLine] = Field(min_length=1, max_length=MAX_LINES)
    total_charge: Money

    @model_validator(mode="after")
    def _line_numbers_unique(self) -> ValidClaim:
        numbers = [line.line_number for line in self.lines]
        if len(set(numbers)) != len(numbers):
            raise ValueError("line_number values must be unique within a claim")
        return self

    @property
    def first_service_date(self) -> date:
        return min(line.service_date for line in self.lines)


def read_claim(data: bytes | str | dict[str, Any]) -> ClaimSubmitted:
    """The claim in ``data``: a ``ValidClaim`` when every value is well-formed, else the lenient
    ``ClaimSubmitted``, else the claim with its unreadable values left out (``salvage``). Raises
    ``ValidationError`` only for input that is not a claim at all (not JSON, not an object, no
    readable claim_id)."""
    try:
        if isinstance(data, dict):
            return ValidClaim.model_validate(data)
        return ValidClaim.model_validate_json(data)
    except ValidationError:
        pass
    if not isinstance(data, dict):
        try:
            parsed = json.loads(data)
        except (UnicodeDecodeError, json.JSONDecodeError):
            return ClaimSubmitted.model_validate_json(data)  # not JSON: raises, saying so
        if not isinstance(parsed, dict):
            return ClaimSubmitted.model_validate(parsed)  # not an object: raises
        data = parsed
    return salvage(data)


def as_valid(claim: ClaimSubmitted) -> ValidClaim:
    """The claim as a ``ValidClaim`` (itself when it already is one); raises ``ValidationError``."""
    if isinstance(claim, ValidClaim):
        return claim
    return ValidClaim.model_validate(claim.model_dump(mode="json"))


def cob_conflicts(claim: ScrubbableClaim) -> list[tuple[str, int | None, dict[str, object]]]:
    """What a claim's coordination of benefits says that cannot be so, as (rule id, the other
    payer's position from 1 or None for the claim, the rule's values): the payers' order, whose
    decisions a claim may carry, and that each decision on a line names a line of the claim with
    its SVD and date. The scrubber holds such a claim; the 837P writer refuses it."""
    out: list[tuple[str, int | None, dict[str, object]]] = []
    others = list(claim.other_payers)
    mine = RESPONSIBILITY_ORDER.get(claim.payer_responsibility or "P")
    own_id = (claim.payer.payer_id or "").strip().upper()
    own_member = (claim.patient.member_id or "").strip().upper()
    seen: dict[str, int] = {}
    for n, other in enumerate(others, start=1):
        order = RESPONSIBILITY_ORDER.get(other.responsibility)
        problem = None
        if (
            own_id
            and own_member
            and (other.payer_id or "").strip().upper() == own_id
            and (other.subscriber_member_id or "").strip().upper() == own_member
        ):
            # the same payer under the same member id: the claim's own coverage (one payer id on
            # two policies — a spouse's plan with the same carrier — is two coverages)
            problem = "is the claim's own payer and policy (its decision never goes among the other payers)"
        elif order is not None and order == mine:
            problem = (
                f"has the claim's own order of payment ({other.responsibility}; an other payer sent "
                "without its order is taken as P)"
            )
        elif order is not None and other.responsibility in seen:
            problem = f"has the same order of payment ({other.responsibility}) as other payer {seen[other.responsibility]}"
        elif order is not None and mine is not None and order > mine and other.decided():
            problem = (
                f"pays after the claim's payer ({other.responsibility} after {claim.payer_responsibility}) "
                "yet carries a decision: a payer that has not had the claim has not decided it"
            )
        if problem:
            out.append(("CLAIM_COB_PAYER_ORDER", n, {"position": n, "problem": problem}))
        if order is not None:
            seen.setdefault(other.responsibility, n)
    if mine is not None and mine > 1:
        # every payer before the claim's has decided it (a tertiary payer needs the primary's
        # and the secondary's decisions), with the amount it paid (2320 AMT*D, 0 when nothing)
        paid_by = {o.responsibility for o in others if o.paid_amount is not None}
        missing = [
            code for code, order in RESPONSIBILITY_ORDER.items() if order < mine and code not in paid_by
        ]
        if missing:
            out.append(
                (
                    "CLAIM_COB_PRIOR_DECISION_MISSING",
                    None,
                    {"responsibility": claim.payer_responsibility, "missing": ", ".join(missing)},
                )
            )
    numbers = {ln.line_number for ln in claim.lines if ln.line_number is not None}
    for n, other in enumerate(others, start=1):
        decided = {p.line_number for p in other.line_payments}
        problems = [f"decided line {p} that the claim does not have" for p in sorted(decided - numbers)]
        adjusted = {a.line_number for a in other.adjustments if a.line_number is not None}
        problems += [f"adjusted line {ln} that the claim does not have" for ln in sorted(adjusted - numbers)]
        problems += [
            f"adjusted line {ln} without its decision on that line (2430 SVD)"
            for ln in sorted((adjusted & numbers) - decided)
        ]
        if other.adjudicated_on is None:
            problems += [
                f"decided line {p.line_number} without the date it did (2430 DTP*573)"
                for p in other.line_payments
                if p.adjudicated_on is None
            ]
            if other.paid_amount is not None and not other.line_payments:
                # decided at the claim level only: 2330B DTP*573 is then required
                problems.append("decided the claim without the date it did (2330B DTP*573)")
        out += [("CLAIM_COB_DECISION_INCOMPLETE", n, {"position": n, "problem": p}) for p in problems]
    return out


def cob_imbalances(claim: ScrubbableClaim) -> list[tuple[int, str]]:
    """Earlier payers' decisions that do not balance (837P: the charges equal the payment plus
    every adjustment, for the claim in 2320 and for each line in 2430), as (position from 1, what
    does not add up)."""
    out: list[tuple[int, str]] = []
    charges = {ln.line_number: ln.charge for ln in claim.lines if ln.line_number is not None}
    total = claim.total_charge
    for n, other in enumerate(claim.other_payers, start=1):
        if other.paid_amount is None:
            continue
        adjusted = sum((a.amount for a in other.adjustments), Decimal("0"))
        if isinstance(total, Decimal) and total.is_finite() and other.paid_amount + adjusted != total:
            out.append(
                (n, f"its payment {other.paid_amount} and adjustments {adjusted} are not the charges {total}")
            )
        per_line: dict[int, Decimal] = {}
        for paid in other.line_payments:  # one line may be paid in several parts (SVDs)
            per_line[paid.line_number] = per_line.get(paid.line_number, Decimal("0")) + paid.paid_amount
        for number, paid_amount in per_line.items():
            charge = charges.get(number)
            if not isinstance(charge, Decimal) or not charge.is_finite():
                continue
            on_line = sum((a.amount for a in other.adjustments if a.line_number == number), Decimal("0"))
            if paid_amount + on_line != charge:
                out.append(
                    (
                        n,
                        f"on line {number} its payment {paid_amount} and adjustments {on_line} "
                        f"are not the line's charge {charge}",
                    )
                )
    return out


def x12_values(claim: ScrubbableClaim) -> list[tuple[str, str | None, int | None]]:
    """The claim's free-text values an 837P carries, as (field, value, line number or None): what
    the scrubber and the 837P writer both check against X12's characters and lengths."""
    return [
        ("claim_id", claim.claim_id, None),
        ("patient.last_name", claim.patient.last_name, None),
        ("patient.first_name", claim.patient.first_name, None),
        ("patient.member_id", claim.patient.member_id, None),
        ("payer.name", claim.payer.name, None),
        ("payer.payer_id", claim.payer.payer_id, None),
        ("prior_authorization", claim.prior_authorization, None),
        ("original_claim_number", claim.original_claim_number, None),
        ("encounter_id", claim.encounter_id, None),
        ("patient.address", claim.patient.address, None),
        ("patient.city", claim.patient.city, None),
        ("patient.state", claim.patient.state, None),
        ("patient.postal_code", claim.patient.postal_code, None),
        ("subscriber.last_name", claim.subscriber.last_name if claim.subscriber else None, None),
        ("subscriber.first_name", claim.subscriber.first_name if claim.subscriber else None, None),
        ("group_number", claim.group_number, None),
        *(("line_control_number", ln.line_control_number, ln.line_number) for ln in claim.lines),
        *(
            (f"other_payers[{n}].{name}", value, None)
            for n, other in enumerate(claim.other_payers)
            for name, value in (
                ("subscriber_member_id", other.subscriber_member_id),
                ("subscriber_last_name", other.subscriber_last_name),
                ("subscriber_first_name", other.subscriber_first_name),
                ("payer_id", other.payer_id),
                ("name", other.name),
                ("claim_number", other.claim_number),
                ("relationship", other.relationship),
            )
        ),
        *(
            (f"other_payers[{n}].line_payments[{m}].{name}", value, paid.line_number)
            for n, other in enumerate(claim.other_payers)
            for m, paid in enumerate(other.line_payments)
            for name, value in (
                ("procedure_code", paid.procedure_code),
                *((f"modifiers[{k}]", mod) for k, mod in enumerate(paid.modifiers)),
            )
        ),
    ]


# --- claims with values that cannot be read at all --------------------------------------------

#: the fields without which an event is not one (a claim without a readable claim_id is a dead letter)
IDENTITY_FIELDS = frozenset({"claim_id", "event_type"})
#: envelope fields: transport, not claim values; one that cannot be read is taken as absent (its
#: default) without an edit (an event id is then derived from the bytes)
ENVELOPE_FIELDS = frozenset({"event_id", "schema_version", "occurred_at", "source"})
_GONE, _ABSENT = object(), object()
#: where a salvaged claim keeps what was left out (``ClaimSubmitted.unreadable``)
UNREADABLE = "_unreadable"
MAX_SALVAGE_ROUNDS = 25


def salvage(data: dict[str, Any]) -> ClaimSubmitted:
    """Read a claim leniently (``ClaimSubmitted``), and when even the lenient contract refuses some
    of its values (a text field sent as a boolean or an object, a line that is not an object, a
    coordination-of-benefits amount that is not a number), leave each one out — a list item
    dropped, a field taken as absent, and an item left without a field it needs dropped with it —
    until the rest reads. What was left out is kept on the claim (``ClaimSubmitted.unreadable``,
    dotted paths with list positions from 1) and the scrubber holds the claim with an edit naming
    each (CLAIM_FIELD_UNREADABLE). The first round is the plain lenient read; ``data`` is copied
    only when something has to be left out. Raises ``ValidationError`` when the claim's identity
    (its claim_id) cannot be read."""
    unreadable: dict[str, str] = {}
    copied = False
    for _ in range(MAX_SALVAGE_ROUNDS):
        try:
            claim = ClaimSubmitted.model_validate(data)
        except ValidationError as exc:
            errors = exc.errors(include_input=False, include_url=False)
            if not copied:
                data, copied = copy.deepcopy(data), True
            removed = False
            for err in errors:
                loc, problem = tuple(err["loc"]), problem_of(err)
                if err["type"] == "missing":  # the item lacks a field it needs: the item goes
                    loc, problem = loc[:-1], f"it has no readable {loc[-1]}"
                if not loc or loc[0] in IDENTITY_FIELDS:
                    raise
                at = _remove(data, loc)
                if at is not None:
                    removed = True
                    if at[0] not in ENVELOPE_FIELDS:
                        if err["type"] == "extra_forbidden":  # the key itself may be a value
                            at = (*at[:-1], shown_key(str(at[-1])))
                        unreadable.setdefault(field_path(at), problem)
            if not removed:
                raise
            _drop_gone(data)
            continue
        if unreadable:
            claim.__dict__[UNREADABLE] = tuple(unreadable.items())
        return claim
    return ClaimSubmitted.model_validate(data)  # still refused after every round: raises


def _remove(data: Any, loc: tuple[Any, ...]) -> tuple[Any, ...] | None:
    """Mark gone the deepest value on ``loc`` that is in ``data`` (a loc may go on past the value,
    into a union's member or a validator step); return where it was, or None if nothing was there.
    List items are dropped after the round, so the positions of the round's other errors hold."""
    parent, found = data, 0
    for part in loc:
        child = _child(parent, part)
        if child is _GONE:
            return None  # left out already (an earlier error of the round was about it)
        if child is _ABSENT:
            break
        found += 1
        if not isinstance(child, dict | list):
            break
        parent = child
    if found == 0:
        return None
    at = loc[:found]
    holder = data
    for part in at[:-1]:
        holder = holder[part]
    holder[at[-1]] = _GONE
    return at


def _child(parent: Any, part: Any) -> Any:
    if isinstance(parent, dict) and part in parent:
        return parent[part]
    if isinstance(parent, list) and isinstance(part, int) and 0 <= part < len(parent):
        return parent[part]
    return _ABSENT


def _drop_gone(value: Any) -> None:
    if isinstance(value, dict):
        for key in [k for k, v in value.items() if v is _GONE]:
            del value[key]
        for v in value.values():
            _drop_gone(v)
    elif isinstance(value, list):
        value[:] = [v for v in value if v is not _GONE]
        for v in value:
            _drop_gone(v)
