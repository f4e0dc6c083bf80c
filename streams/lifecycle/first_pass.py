"""First-pass acceptance, defined once (reference §6) and used by the tracker (and its metric),
the audit report and the demo's summary.

An *original* claim (frequency 1, replacing nothing) is accepted on the first pass when its first
**decisive** answer accepts it into adjudication:

* 277CA A2 — accepted;
* A3, A6, A7, A8 — rejected (returned, missing, invalid or conflicting information): not filed;
* an adjudication (paid, partially paid, denied) that arrives before any decisive 277CA proves the
  claim was accepted into adjudication — except a denial with MA130 (unprocessable, no appeal
  rights: "fixed and sent as a new claim", reference §5), which is a rejection: not filed;
* anything else decides nothing: A0/A1 (forwarded, received), A4/A5, P* (pending), R* (requests for
  information), D0, E*, F0 and F4 (finalized without an adjudication to show), F3* (revised), and
  an 835 reversal (CLP02 22: a payment taken back).

A resubmission (frequency 7/8, or a claim that replaces another) is never first pass.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

Decisive = Literal["accepted", "rejected"]
#: claim states that prove acceptance into adjudication
ADJUDICATED_STATES = frozenset({"paid", "partially_paid", "denied"})
ACCEPTED_CATEGORIES = frozenset({"A2"})
REJECTION_CATEGORIES = frozenset({"A3", "A6", "A7", "A8"})
#: the remark that makes a remittance a return as unprocessable (a rejection, not a decision)
UNPROCESSABLE = "MA130"


def remittance_code(claim_status_code: str, remark_codes: Iterable[str]) -> str:
    """How the tracker (and the report) name a remittance: ``CLP02=4``, with ``+MA130`` when the
    payer returned the claim as unprocessable."""
    code = f"CLP02={claim_status_code}"
    return f"{code}+{UNPROCESSABLE}" if UNPROCESSABLE in remark_codes else code


def decisive(kind: str, code: str, target: str | None) -> Decisive | None:
    """What one answer decides about first pass: ``kind`` is ``status`` (a 277CA/portal category
    ``code``) or ``remittance`` (an 835), ``target`` the claim state it moves the claim to."""
    if kind == "status":
        if code in ACCEPTED_CATEGORIES:
            return "accepted"
        if code in REJECTION_CATEGORIES:
            return "rejected"
    if kind == "remittance" and code.endswith(f"+{UNPROCESSABLE}"):
        return "rejected"
    if target in ADJUDICATED_STATES:
        return "accepted"
    return None


def is_original(frequency_code: str | None, replaces_claim_id: str | None) -> bool:
    return (frequency_code or "1") == "1" and not replaces_claim_id


def first_pass(original: bool, answers: Iterable[tuple[str, str, str | None]]) -> Decisive | None:
    """The first-pass outcome of a claim from its answers in order (``(kind, code, target)`` each):
    the first decisive one, for an original claim; None while undecided or for a resubmission."""
    if not original:
        return None
    for kind, code, target in answers:
        outcome = decisive(kind, code, target)
        if outcome is not None:
            return outcome
    return None
