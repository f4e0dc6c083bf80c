"""First-pass acceptance and first-pass resolution, defined once (reference §6) and used by the
tracker (and its metrics), the audit report and the demo's summary.

**Acceptance** = original claims accepted on the first pass ÷ original claims that received a first
acknowledgment ("A1 alone is not acceptance": a claim only acknowledged as received counts in the
denominator, not as accepted, until a decisive answer comes).

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

A claim has received its first **acknowledgment** with any 277CA A-category answer about it (A0
forwarded … A8) except A4 (the payer does not find it), or with any decisive answer.

**Resolution** ("paid on first pass: finalized paid with no CO denial and no resubmission"): an
original claim is *resolved* when the payer's first adjudication paid it (in full or in part) with
no denial under group CO, and it was sent once (all of it to the deductible, PR-1, paying nothing,
is such a payment: the payer finalized the claim, the patient owes); *unresolved* when that first
adjudication denied the claim or carried a CO denial, when the claim was sent again before it, or
when it was rejected
(A3/A6/A7/A8, MA130) before any adjudication — a rejected claim is paid, if ever, only after a
resubmission. A claim resolved and then sent again (a replacement of a paid claim under its id) is
*resubmitted*, and one whose payment the payer reversed (CLP02 22) and decided again without paying
is *reversed*: no longer resolved either way. A denial under PR (the patient's, e.g. PR-49 with GY) or a
contractual write-down (CO-45, not a denial) leaves a paid claim resolved. The adjudication is the
remittance's (835): a 277 status F1 says the claim was paid but not what was denied beside, so it
waits for the 835 (an F2, denied, paid nothing: decided).

A resubmission (frequency 7/8, or a claim that replaces another) is never first pass.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Literal, NamedTuple

Decisive = Literal["accepted", "rejected"]
Resolution = Literal["resolved", "unresolved"]
#: what a change decided about resolution: a resolved claim sent again is ``resubmitted``; one
#: whose payment the payer reversed and decided again without paying, ``reversed``
ResolutionOutcome = Literal["resolved", "unresolved", "resubmitted", "reversed"]
#: the outcome labels of ``claimflow_first_pass_total`` and ``claimflow_first_pass_resolution_total``
#: (a revision: an older answer read after the outcome was counted changed it)
FIRST_PASS_OUTCOMES = ("accepted", "rejected", "revised_to_accepted", "revised_to_rejected")
RESOLUTION_OUTCOMES = (
    "resolved",
    "unresolved",
    "resubmitted",
    "reversed",
    "revised_to_resolved",
    "revised_to_unresolved",
)
#: what a claim's first adjudication did: paid it with no CO denial, or not
FirstAdjudication = Literal["paid", "not_paid"]
#: claim states that prove acceptance into adjudication
ADJUDICATED_STATES = frozenset({"paid", "partially_paid", "denied"})
ACCEPTED_CATEGORIES = frozenset({"A2"})
REJECTION_CATEGORIES = frozenset({"A3", "A6", "A7", "A8"})
#: states of a decision that paid something
PAID_STATES = frozenset({"paid", "partially_paid"})
#: 277CA categories that acknowledge the claim (A4: the payer does not find it — no acknowledgment)
ACKNOWLEDGING_CATEGORIES = frozenset({"A0", "A1", "A2", "A3", "A5", "A6", "A7", "A8"})
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


def acknowledges(kind: str, code: str, target: str | None) -> bool:
    """The answer acknowledges the claim (puts it in the first-pass acceptance denominator)."""
    if kind == "status" and code in ACKNOWLEDGING_CATEGORIES:
        return True
    return decisive(kind, code, target) is not None


def adjudication(target: str | None, co_denial: bool, itemised: bool = True) -> FirstAdjudication | None:
    """What an answer moving the claim to ``target`` says as an adjudication (None: it is none, or
    a payment whose denials it cannot tell — a 277 F1 without its 835, ``itemised`` False)."""
    if target not in ADJUDICATED_STATES:
        return None
    if target not in PAID_STATES:
        return "not_paid"
    if not itemised:
        return None
    return "not_paid" if co_denial else "paid"


def resolution(
    first_pass: Decisive | None,
    first_adjudication: FirstAdjudication | None,
    submissions: int,
    rejected: bool = False,
) -> Resolution | None:
    """First-pass resolution of an original claim from its first-pass outcome, its first
    adjudication, how many times it was sent and whether it was rejected before any adjudication
    (None while undecided)."""
    if first_pass == "rejected" or rejected:
        return "unresolved"
    if first_adjudication is None:
        return None
    return "resolved" if first_adjudication == "paid" and submissions <= 1 else "unresolved"


#: an 835 reversal's remittance code (CLP02 22: the payer takes its decision back)
REVERSAL_CODE = "CLP02=22"


class Answer(NamedTuple):
    """A payer's answer as the definitions read it."""

    kind: str  # status (277CA/portal) or remittance (835)
    code: str  # the category code, or the remittance code (``remittance_code``)
    target: str | None  # the claim state it moves the claim to
    co_denial: bool = False  # a remittance with a denial under group CO
    itemised: bool = True  # False: a 277 status (F1) that does not say what was denied beside


class FirstPass(NamedTuple):
    """An original claim's first-pass figures from its answers (None: not yet decided)."""

    acknowledged: bool
    acceptance: Decisive | None
    resolution: Resolution | None


def is_original(frequency_code: str | None, replaces_claim_id: str | None) -> bool:
    return (frequency_code or "1") == "1" and not replaces_claim_id


def first_pass(original: bool, answers: Iterable[Answer], submissions: int = 1) -> FirstPass:
    """An original claim's first-pass figures from its answers in time order and the times it was
    sent; nothing decided for a resubmission."""
    if not original:
        return FirstPass(False, None, None)
    acknowledged = rejected = reversed_payment = False
    acceptance: Decisive | None = None
    first_adjudication: FirstAdjudication | None = None
    for a in answers:
        acknowledged = acknowledged or acknowledges(a.kind, a.code, a.target)
        if acceptance is None:
            acceptance = decisive(a.kind, a.code, a.target)
        if first_adjudication is None:
            first_adjudication = adjudication(a.target, a.co_denial, a.itemised)
            rejected = rejected or (first_adjudication is None and a.target == "rejected")
        elif a.kind == "remittance" and a.code == REVERSAL_CODE:
            reversed_payment = True
        elif reversed_payment and adjudication(a.target, a.co_denial, a.itemised) == "not_paid":
            # the payer took the payment back (CLP02 22) and decided again without paying: not
            # paid on the first pass after all (the tracker's "reversed")
            first_adjudication = "not_paid"
    return FirstPass(
        acknowledged, acceptance, resolution(acceptance, first_adjudication, submissions, rejected)
    )


def net_acceptance(counts: Mapping[str, float]) -> tuple[float, float]:
    """(accepted, rejected) from ``claimflow_first_pass_total`` by outcome: a revision moves one
    claim from the outcome counted before to the one it has now (the recording rules' arithmetic)."""
    to_accepted, to_rejected = counts.get("revised_to_accepted", 0), counts.get("revised_to_rejected", 0)
    return (
        counts.get("accepted", 0) + to_accepted - to_rejected,
        counts.get("rejected", 0) + to_rejected - to_accepted,
    )


def net_resolution(counts: Mapping[str, float]) -> tuple[float, float]:
    """(resolved, unresolved) from ``claimflow_first_pass_resolution_total`` by outcome: a claim
    counted resolved and sent again (resubmitted) or reversed is unresolved; a revision moves one
    claim from the outcome counted before to the one it has now."""
    taken_back = counts.get("resubmitted", 0) + counts.get("reversed", 0)
    moved = counts.get("revised_to_resolved", 0) - counts.get("revised_to_unresolved", 0)
    return (
        counts.get("resolved", 0) - taken_back + moved,
        counts.get("unresolved", 0) + taken_back - moved,
    )
