"""Normalisers and constrained types for the codes that appear on claims.

Only *format* is checked here (the contract); whether a code exists or is billable on a date is a
scrub edit (``streams/scrub``), because a claim with an unknown code is still a claim that a coder
must fix, not a broken event.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal
from functools import lru_cache
from typing import Annotated, Literal

from pydantic import AfterValidator, BeforeValidator, Field, StringConstraints

_ICD_RE = re.compile(r"^[A-Z][0-9][0-9A-Z][0-9A-Z]{0,4}$")
#: CPT: 5 digits (Category I), or 4 digits and the letter of its kind — A (vaccine product and
#: administration codes of Category I), F (Category II), M (multianalyte assays), T (Category III),
#: U (proprietary laboratory analyses); HCPCS Level II: a letter and 4 digits. "9300O" (the letter
#: O typed for a zero) is neither.
_PROC_RE = re.compile(r"^(?:[0-9]{4}[0-9AFMTU]|[A-Z][0-9]{4})$")
_MOD_RE = re.compile(r"^[0-9A-Z]{2}$")
_NPI_RE = re.compile(r"^[0-9]{10}$")
#: in front of a diagnosis sent as ICD-9-CM (837P HI qualifiers BK/BF): kept as sent, never
#: reshaped as ICD-10-CM, so the scrubber can name the code set
ICD9_PREFIX = "ICD-9 "


#: what an 837P element may carry: X12's extended character set (upper and lower case letters,
#: digits, space and ! " & ' ( ) + , - . / ; ? = % @ [ ] _ { } \\ | < > # $) without the delimiters
#: claimflow writes (* element, : component, ~ segment, ^ repetition)
_X12_UNSAFE = re.compile(r"[^A-Za-z0-9!\"&'()+,\-./;?= %@\[\]_{}\\|<>#$]")
#: the 837P's maximum length of the elements claim values go to (005010X222A1)
X12_MAX_LENGTHS = {
    "claim_id": 38,  # CLM01, the patient control number
    "patient.last_name": 60,  # NM103
    "patient.first_name": 35,  # NM104
    "patient.member_id": 80,  # NM109
    "payer.name": 60,  # NM103
    "payer.payer_id": 80,  # NM109
    "prior_authorization": 50,  # REF02
    "original_claim_number": 50,  # REF02
    "encounter_id": 50,  # REF02
    "line_control_number": 50,  # REF02 (2400 REF*6R)
    # the insured when the patient is a dependent (2010BA NM1*IL), the group number (2000B SBR03)
    "patient.address": 55,  # N301
    "patient.city": 30,  # N401
    "patient.state": 2,  # N402
    "patient.postal_code": 15,  # N403
    "subscriber.last_name": 60,
    "subscriber.first_name": 35,
    "group_number": 50,
    # another payer's (2320/2330): its subscriber (2330A NM1*IL), itself (2330B), its claim number
    "subscriber_member_id": 80,
    "subscriber_last_name": 60,
    "subscriber_first_name": 35,
    "payer_id": 80,
    "name": 60,
    "claim_number": 50,
    "relationship": 2,  # 2320 SBR02
    # what that payer decided on a line (2430 SVD03: HC:code:modifiers)
    "procedure_code": 48,
    "modifiers": 2,
}


#: the 837P's minimum length where it is more than one character (005010X222A1: NM109 2, N401 2,
#: N402 2, SVD01 2); a shorter value is a typo the payer's front end rejects
X12_MIN_LENGTHS = {
    "patient.member_id": 2,  # 2010BA NM109
    "payer.payer_id": 2,  # 2010BB NM109
    "patient.city": 2,  # N401
    "patient.state": 2,  # N402 (ID, 2/2)
    "subscriber_member_id": 2,  # 2330A NM109
    "payer_id": 2,  # 2330B NM109, 2430 SVD01
}


_CARC_SHAPE = re.compile(r"^(?:[0-9]{1,3}|[A-Z][0-9]{1,2})$")


def carc_shaped(code: str) -> bool:
    """Whether a claim adjustment reason code has a CARC's shape (1-3 digits, or a letter and 1-2
    digits: 50, B15, P2). The code set is open — a new code of that shape is kept and named — but
    anything else is free text from a field on the way in (a payer system's typo, or worse, a
    name), which outputs that carry no PHI never repeat."""
    return bool(_CARC_SHAPE.match(code))


def x12_minimum(field: str) -> int:
    """The 837P's minimum length for a claim field (1 unless the element asks for more)."""
    return X12_MIN_LENGTHS.get(_element_of(field), 1)


def x12_limit(field: str) -> int:
    """The 837P's maximum length for a claim field (``other_payers[n].name`` → ``name``,
    ``other_payers[n].line_payments[m].modifiers[k]`` → ``modifiers``)."""
    return X12_MAX_LENGTHS[_element_of(field)]


def _element_of(field: str) -> str:
    return field.rpartition(".")[2].partition("[")[0] if field.startswith("other_payers") else field


#: claim fields written as text, whose accented letters X12 carries without their accents (a
#: name, an address); any other field is an identifier or a code, where an accent is no character
#: X12 carries and stripping it would make another id
X12_TEXT_FIELDS = frozenset(
    {"last_name", "first_name", "subscriber_last_name", "subscriber_first_name", "name", "address",
     "city", "payer.name", "patient.last_name",
     "patient.first_name", "patient.address", "patient.city", "subscriber.last_name",
     "subscriber.first_name"}
)  # fmt: skip


def x12_unsafe_in(field: str, value: str) -> bool:
    """``x12_unsafe`` for a claim field: accents are stripped only from text (``X12_TEXT_FIELDS``)."""
    if not value.isascii() and _element_of(field) not in X12_TEXT_FIELDS:
        return True
    return x12_unsafe(value)


def x12_text(value: str) -> str:
    """A value as an 837P carries it: accented letters written without their accents (JOSÉ →
    JOSE), as clearinghouses do; anything else left as it is for ``x12_unsafe`` to judge."""
    if value.isascii():
        return value
    return "".join(c for c in unicodedata.normalize("NFKD", value) if not unicodedata.combining(c))


def x12_unsafe(value: str) -> bool:
    """Whether a value holds a character an 837P cannot carry (after ``x12_text``)."""
    return _X12_UNSAFE.search(x12_text(value)) is not None


def is_icd9(value: str) -> bool:
    """Whether a diagnosis was sent in the ICD-9-CM code set (see ``ICD9_PREFIX``)."""
    return value.startswith(ICD9_PREFIX)


def looks_like_icd10(value: str) -> bool:
    """Whether ``value`` has the shape of an ICD-10-CM code (with or without the dot)."""
    return bool(_ICD_RE.match(value.strip().upper().replace(".", "")))


def looks_like_procedure(value: str) -> bool:
    """CPT (5 digits, or 4 digits and A, F, M, T or U: 93000, 0591T, 3120F) or HCPCS Level II
    (a letter and 4 digits: G0403)."""
    return bool(_PROC_RE.match(value))


def looks_like_modifier(value: str) -> bool:
    return bool(_MOD_RE.match(value))


def looks_like_npi(value: str) -> bool:
    """10 digits, the first 1 or 2 (the check digit is the scrubber's business)."""
    return bool(_NPI_RE.match(value)) and value[0] in "12"


@lru_cache(maxsize=65536)
def npi_is_valid(npi: str) -> bool:
    """NPI check digit: Luhn over the 9 leading digits with the 80840 prefix (reference §3)."""
    if not looks_like_npi(npi) or npi[0] not in "12":  # an NPI starts with 1 or 2 (reference 3)
        return False
    total = 24  # the 80840 prefix's contribution to the Luhn sum
    for i, ch in enumerate(reversed(npi[:9])):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return (10 - total % 10) % 10 == int(npi[9])


def normalize_icd10(value: object) -> str:
    """``r079``, ``R079`` and ``R07.9`` are the same code; the canonical form has the dot."""
    if not isinstance(value, str):
        raise ValueError("ICD-10-CM code must be a string")
    raw = value.strip().upper().replace(".", "")
    if not _ICD_RE.match(raw):
        raise ValueError(f"{value!r} is not ICD-10-CM shaped (letter, digit, 1-5 more characters)")
    return raw if len(raw) <= 3 else f"{raw[:3]}.{raw[3:]}"


def normalize_procedure(value: object) -> str:
    if not isinstance(value, str):
        raise ValueError("procedure code must be a string")
    raw = value.strip().upper()
    if not _PROC_RE.match(raw):
        raise ValueError(f"{value!r} is not a CPT (5 characters) or HCPCS Level II (letter + 4 digits) code")
    return raw


def normalize_modifier(value: object) -> str:
    if not isinstance(value, str):
        raise ValueError("modifier must be a string")
    raw = value.strip().upper()
    if not _MOD_RE.match(raw):
        raise ValueError(f"{value!r} is not a two-character modifier")
    return raw


def _check_npi_shape(value: str) -> str:
    if not looks_like_npi(value):
        raise ValueError(f"{value!r} is not an NPI (10 digits, the first 1 or 2)")
    return value


def _strip(value: object) -> object:
    return value.strip() if isinstance(value, str) else value


IcdCode = Annotated[str, BeforeValidator(normalize_icd10)]
ProcedureCode = Annotated[str, BeforeValidator(normalize_procedure)]
Modifier = Annotated[str, BeforeValidator(normalize_modifier)]
# Shape only (10 digits, the first 1 or 2); the Luhn check digit is a scrub edit so a typo is
# explained, not dropped.
Npi = Annotated[str, BeforeValidator(_strip), AfterValidator(_check_npi_shape)]
PlaceOfService = Annotated[str, StringConstraints(pattern=r"^[0-9]{2}$")]
Identifier = Annotated[str, StringConstraints(min_length=1, max_length=64, strip_whitespace=True)]
#: a claim's id: its identity on every topic (the key), so a longer one than an 837P can carry
#: (CLM01, 38 characters) is still a claim — held with the field named (CLAIM_X12_TOO_LONG), never
#: a dead letter — up to a bound no id a system sends comes near
MAX_CLAIM_ID = 256
ClaimId = Annotated[str, StringConstraints(min_length=1, max_length=MAX_CLAIM_ID, strip_whitespace=True)]
Money = Annotated[Decimal, Field(ge=0, max_digits=12, decimal_places=2)]
PayerId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.-]{1,40}$")]

PlanType = Literal["medicare", "medicare_advantage", "medicaid", "commercial"]
PLAN_TYPES: tuple[str, ...] = PlanType.__args__  # type: ignore[attr-defined]
FrequencyCode = Literal["1", "7", "8"]


def code_text(value: object) -> object:
    """A code as payers' and practice systems' exports write it: a number is its text (CARC 50,
    CLP02 4), case and surrounding spaces do not matter (``" co "`` is CO)."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    return value.strip().upper() if isinstance(value, str) else value


#: CAS01 claim adjustment group code
GroupCode = Annotated[Literal["CO", "PR", "OA", "PI"], BeforeValidator(code_text)]

#: X12 claim status category codes (277CA / 276-277, code source 507): a letter, one or two digits,
#: optionally one more letter (A0-A8, D0, E0-E4, F0-F4, F3F, F3N, P0-P5, R0-R16, ...). The
#: contract accepts every code of this shape; the tracker decides what each one means.
STATUS_CATEGORY_RE = r"^[A-Z][0-9]{1,2}[A-Z]?$"
#: the category codes of the X12 list (code source 507) as of 005010: a bounded set for metric labels
KNOWN_STATUS_CATEGORIES: frozenset[str] = frozenset(
    [f"A{i}" for i in range(9)]
    + ["D0"]
    + [f"E{i}" for i in range(5)]
    + [f"F{i}" for i in range(5)]
    + ["F3F", "F3N"]
    + [f"P{i}" for i in range(6)]
    + [f"R{i}" for i in range(17)]
)
