"""Turn a denial or a rejection into a ResubmissionTask: root cause, action, priority, due date,
instructions, and, where the fix is mechanical, the corrected (re-scrubbed) claim."""

from __future__ import annotations

import dataclasses
import re
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Literal

from schemas import ClaimStatus, ClaimSubmitted, ClaimUnfiled, Denial, ResubmissionTask, ScrubEdit, ValidClaim
from schemas.claim import OtherPayer, ValidClaimLine
from schemas.codes import looks_like_procedure
from schemas.ids import derived_event_id
from schemas.outputs import TaskAction, UnfiledLine
from schemas.status import Adjustment, LineStatus
from streams.denials.corrections import CORRECTIONS
from streams.denials.reasons import PREDETERMINATION, UNMAPPED, Classified, ReasonMap, unexplained_shortfall
from streams.scrub.cms.tables import INTERPRETING
from streams.scrub.context import provider_of
from streams.scrub.packs import RulePack
from streams.scrub.payers import PayerProfile

Priority = Literal["urgent", "high", "normal", "low"]
Rescrub = Callable[[ClaimSubmitted], Sequence[ScrubEdit]]

_ATTEMPT_RE = re.compile(r"-R(\d+)$")

#: the task category of service lines rejected in an accepted claim
LINE_REJECTION = "line_rejection"

REJECTION_TEXT = {
    "A3": "returned as unprocessable",
    "A6": "missing information",
    "A7": "invalid information",
    "A8": "conflicting or inconsistent fields",
}
#: 277 categories by which the payer asks the provider for something before it decides: P3
#: (pending, waiting for provider information) and R0-R16 (requests for information: R4
#: documentation, R9 medical necessity, ...)
INFORMATION_REQUESTS = frozenset({"P3", *(f"R{i}" for i in range(17))})
INFORMATION_REQUEST = "information_request"

#: whom a 277CA status is about (STC01-3, X12 entity identifier codes; our own short labels)
ENTITY_LABELS = {
    "03": "the dependent",
    "40": "the receiver",
    "41": "the submitter",
    "77": "the service location",
    "82": "the rendering provider",
    "85": "the billing provider",
    "87": "the pay-to provider",
    "DK": "the ordering provider",
    "DN": "the referring provider",
    "IL": "the subscriber",
    "PR": "the payer",
    "QC": "the patient",
}


#: the shapes of a claim status code (STC01-2: digits) and an entity identifier code (STC01-3):
#: anything else is no code and is never repeated (a free-text field may hold a birth date)
_STATUS_CODE = re.compile(r"^[0-9]{1,4}$")
_ENTITY_CODE = re.compile(r"^[A-Z0-9]{2,3}$")


def _code(value: str | None, shape: re.Pattern[str]) -> str:
    return value if value and shape.match(value) else ("?" if value else "")


def status_codes(status: ClaimStatus | LineStatus) -> list[str]:
    """Every status the answer gives (STC01, then STC10 and STC11) as category:status[:entity]
    (a value not shaped like its code is ``?``)."""
    parts = [status, *status.more_statuses]
    return [
        ":".join(
            c
            for c in (
                p.category_code,
                _code(p.status_code, _STATUS_CODE),
                _code(p.entity_code, _ENTITY_CODE),
            )
            if c
        )
        for p in parts
    ]


def _about(status: ClaimStatus | LineStatus) -> str:
    """What the further statuses and entities add, for the root cause."""
    said = []
    for part in (status, *status.more_statuses):
        code = ":".join(c for c in (part.category_code, _code(part.status_code, _STATUS_CODE)) if c)
        entity = _code(part.entity_code, _ENTITY_CODE)
        label = ENTITY_LABELS.get(entity or "", f"entity {entity}") if entity else ""
        said.append(f"{code} about {label}" if label else code)
    return "; ".join(said)


@dataclass(frozen=True)
class PlanContext:
    """Everything a plan may look at, passed in explicitly."""

    claim_id: str
    payer: PayerProfile
    claim: ValidClaim | None  # the last submitted version, when the tracker has it
    payer_claim_number: str | None
    as_of: date
    now: datetime
    reasons: ReasonMap
    pack: RulePack
    max_resubmissions: int
    rescrub: Rescrub | None = None


def attempt_of(claim_id: str, claim: ClaimSubmitted | None = None) -> int:
    """Attempt number of a claim: C1 → 1, C1-R1 → 2 (the ids claimflow gives corrected claims).
    An original claim (``claim`` replacing nothing) is the first whatever its id (a practice's
    INV-2026-R3 is no third correction)."""
    if claim is not None and not claim.replaces_claim_id:
        return 1
    m = _ATTEMPT_RE.search(claim_id)
    return int(m.group(1)) + 1 if m else 1


def root_claim_id(claim_id: str, claim: ClaimSubmitted | None = None) -> str:
    """The claim id corrected claims are named after: an original's own, a correction's without
    its ``-R<n>``."""
    if claim is not None and not claim.replaces_claim_id:
        return claim_id
    return _ATTEMPT_RE.sub("", claim_id)


def _line_deadlines(ctx: PlanContext) -> list[tuple[int, date]]:
    """Each line's filing deadline (the limit runs per service: 42 CFR 424.44), in line order."""
    if ctx.claim is None:
        return []
    return [(ln.line_number, ctx.payer.filing_deadline(ln.service_date)) for ln in ctx.claim.lines]


def _filing_deadline(ctx: PlanContext, on: date | None = None) -> date | None:
    """The day a new or corrected claim must be filed by: the nearest line deadline not yet passed
    on ``on`` (a line past its own stays out of the resubmission), else the last one (all passed)."""
    deadlines = sorted(d for _, d in _line_deadlines(ctx))
    if not deadlines:
        return None
    upcoming = [d for d in deadlines if on is None or d >= on]
    return upcoming[0] if upcoming else deadlines[-1]


def due_date(action: TaskAction, ctx: PlanContext, decided_on: date) -> date | None:
    """Payer windows: timely filing for new/corrected claims, reopening 1 year, appeal window."""
    if action in (
        "replacement_claim",
        "new_claim",
        "fix_and_resubmit",
        "rebill_other_payer",
        "verify_eligibility",
    ):
        return _filing_deadline(ctx, decided_on) or decided_on + timedelta(days=30)
    if action == "reopening":
        return ctx.payer.reopening_deadline(decided_on)
    if action in ("appeal", "request_authorization"):
        return decided_on + timedelta(days=ctx.payer.appeal_days)
    if action == "bill_patient":
        return decided_on + timedelta(days=30)
    if action == "send_information":
        return decided_on + timedelta(days=ctx.payer.information_request_days)
    return None  # write_off: nothing to chase


def priority(recoverable: bool, amount: Decimal, due: date | None, as_of: date) -> Priority:
    """Money at stake and recoverability, then urgency of the deadline."""
    if not recoverable:
        return "low"
    days_left = (due - as_of).days if due else None
    if days_left is not None and days_left <= 14:
        return "urgent"
    if amount >= Decimal("200") or (days_left is not None and days_left <= 45):
        return "high"
    return "normal"


def _corrected_claim(ctx: PlanContext, lines: list[ValidClaimLine], attempt: int) -> ValidClaim | None:
    assert ctx.claim is not None
    total = sum((ln.charge for ln in lines), Decimal("0"))
    corrected = ctx.claim.model_copy(
        update={
            "other_payers": _other_payers_for(ctx.claim, lines),
            "event_id": derived_event_id(ctx.claim.event_id, f"corrected:{attempt}"),
            "occurred_at": ctx.now,
            "source": "claimflow-resubmission",
            "claim_id": f"{root_claim_id(ctx.claim.claim_id, ctx.claim)}-R{attempt}",
            "frequency_code": "7",
            "original_claim_number": ctx.payer_claim_number,
            "replaces_claim_id": ctx.claim.claim_id,
            "lines": lines,
            "total_charge": total,
        }
    )
    return ValidClaim.model_validate(corrected.model_dump())


def _other_payers_for(claim: ValidClaim, lines: list[ValidClaimLine]) -> list[OtherPayer]:
    """The claim's other payers as the corrected claim carries them: their decisions stay about
    what they decided — a line whose code the correction changed keeps the code the payer saw
    (2430 SVD03), and a line the correction left out takes its decision and adjustments along."""
    before = {ln.line_number: ln for ln in claim.lines}
    after = {ln.line_number: ln for ln in lines}
    out = []
    for other in claim.other_payers:
        payments = []
        for paid in other.line_payments:
            now, was = after.get(paid.line_number), before.get(paid.line_number)
            if now is None:
                continue
            if (
                paid.procedure_code is None
                and was is not None
                and (now.procedure_code, list(now.modifiers)) != (was.procedure_code, list(was.modifiers))
            ):
                paid = paid.model_copy(
                    update={"procedure_code": was.procedure_code, "modifiers": list(was.modifiers)}
                )
            payments.append(paid)
        adjustments = [a for a in other.adjustments if a.line_number is None or a.line_number in after]
        out.append(other.model_copy(update={"line_payments": payments, "adjustments": adjustments}))
    return out


def _task(
    ctx: PlanContext,
    cause: uuid.UUID,
    *,
    action: TaskAction,
    root_cause: str,
    category: str,
    reason_codes: list[str],
    remark_codes: list[str],
    recoverable: bool,
    patient_billable: bool,
    amount: Decimal,
    instructions: str,
    decided_on: date,
    corrected: ValidClaim | None = None,
    due: date | None = None,
    part: str = "",
) -> ResubmissionTask:
    """``due``: the task's deadline when not the action's own window; ``part``: which of the
    answer's tasks this is when it asks for several (ids derived from the answer and the part)."""
    due = due or due_date(action, ctx, decided_on)
    suffix = f":{part}" if part else ""
    return ResubmissionTask(
        event_id=derived_event_id(cause, f"resubmission_task{suffix}"),
        occurred_at=ctx.now,
        task_id=str(derived_event_id(cause, f"task{suffix}")),
        claim_id=ctx.claim_id,
        payer_id=ctx.payer.payer_id,
        plan_type=ctx.payer.plan_type,
        action=action,
        root_cause=root_cause,
        category=category,
        reason_codes=reason_codes,
        remark_codes=remark_codes,
        recoverable=recoverable,
        patient_billable=patient_billable,
        amount_at_stake=amount,
        # a patient statement has no payer window: its date is a billing office's, not a deadline
        priority=priority(recoverable, amount, due if action != "bill_patient" else None, ctx.as_of),
        due_date=due,
        instructions=instructions,
        attempt=attempt_of(ctx.claim_id, ctx.claim),
        corrected_claim=corrected,
        cause_event_id=cause,
    )


def rejected_lines(status: ClaimStatus) -> list[LineStatus]:
    """The service lines a 277CA rejects one by one (loop 2220D) in a claim it did not reject."""
    return [ls for ls in status.line_statuses if ls.category_code in REJECTION_TEXT]


def unfiled_by(status: ClaimStatus, claim: ValidClaim | None) -> ClaimUnfiled | None:
    """The lines a 277CA rejection leaves never filed, for the scrub agent to take out of the
    patient's history (``ClaimUnfiled``), or None. A claim rejected whole (A3/A6/A7/A8) was never
    filed, nor were its lines rejected one by one in an accepted claim (2220D, those the status
    names that ``_billed_line`` finds): the new claim the task asks for is no duplicate of them.

    Nothing for a replacement or a void (7/8): the claim it supersedes was adjudicated and stands
    billed; nor for a status older than the claim sent (it answers an earlier submission of it)."""
    if claim is None or claim.frequency_code in ("7", "8") or status.occurred_at < claim.occurred_at:
        return None
    whole = status.category_code in REJECTION_TEXT
    if whole:
        lines = list(claim.lines)
    else:
        found = (_billed_line(ls, claim) for ls in rejected_lines(status))
        lines = list({b.line_number: b for b in found if b is not None}.values())
    if not lines:
        return None
    return ClaimUnfiled(
        event_id=derived_event_id(status.event_id, "claim_unfiled"),
        occurred_at=status.occurred_at,
        claim_id=claim.claim_id,
        patient_key=claim.patient_key,
        submission_event_id=claim.event_id,
        whole_claim=whole,
        lines=[
            UnfiledLine(
                procedure_code=b.procedure_code,
                modifiers=list(b.modifiers),
                service_date=b.service_date,
                rendering_provider_npi=provider_of(claim, b),
            )
            for b in lines
        ],
        cause_event_id=status.event_id,
    )


def raises_task(answer: ClaimStatus | Denial, reasons: ReasonMap) -> bool:
    """Cheap pre-check: could this answer become a task (a rejection, or a denial)?"""
    if isinstance(answer, ClaimStatus):
        return (
            answer.category_code in REJECTION_TEXT
            or answer.category_code in INFORMATION_REQUESTS
            or bool(rejected_lines(answer))
        )
    if answer.claim_status_code == PREDETERMINATION:
        return False  # an estimate: nothing to act on yet
    if reasons.denies_claim(answer.claim_status_code, answer.adjustments):
        return True  # denied, and nothing the map knows says otherwise: a person reads it
    return any(c.is_denial for c in reasons.classify(answer.adjustments))


def plan_for_denials(denial: Denial, ctx: PlanContext) -> list[ResubmissionTask]:
    """Every task a remittance decision asks for: one per reason it denies something for (group
    code and CARC: CO-4 on one line and CO-50 on another are a correction and an appeal, each with
    its own window and stake), the largest first — that one alone may carry the corrected claim
    (a claim is corrected once). A remark that sets the action for the whole claim (MA130: a new
    claim) makes it one task."""
    groups: dict[tuple[str, str], list[Adjustment]] = {}
    correcting: set[tuple[str, str]] = set()  # reasons with a mechanical correction
    largest: tuple[Decimal, tuple[str, str]] | None = None
    for c in ctx.reasons.classify(denial.adjustments):
        if c.is_denial:
            key: tuple[str, str] = (c.adjustment.group_code, c.adjustment.reason_code)
            groups.setdefault(key, []).append(c.adjustment)
            if c.rule.correction and not c.patient_billable:
                correcting.add(key)
            if largest is None or c.adjustment.amount > largest[0]:
                largest = (c.adjustment.amount, key)
    whole_claim = any(
        (remark := ctx.reasons.remark(code)) is not None and remark.action is not None
        for code in denial.remark_codes
    )
    if len(groups) < 2 or whole_claim or largest is None:
        task = plan_for_denial(denial, ctx)
        return [task] if task is not None else []
    # the reason with the most at stake leads (its task carries the base id and the leftovers)
    first = max(groups, key=lambda k: (sum(a.amount for a in groups[k]), k == largest[1]))
    shortfall = unexplained_shortfall(denial)
    order = [
        first,
        *sorted((k for k in groups if k != first), key=lambda k: -sum(a.amount for a in groups[k])),
    ]
    # the corrected claim goes with the largest reason that has a mechanical one (CO-4 on 93000-26
    # beside a larger CO-50: the fix to 93010 is not lost behind the appeal)
    carrier = next((reason for reason in order if reason in correcting), first)
    tasks = []
    for reason in order:
        # the other adjustments (a contractual write-down, patient share) stay with the largest
        adjustments = (
            [
                a
                for a in denial.adjustments
                if (a.group_code, a.reason_code) not in groups or (a.group_code, a.reason_code) == reason
            ]
            if reason == first
            else groups[reason]
        )
        task = plan_for_denial(
            denial.model_copy(update={"adjustments": adjustments}),
            ctx,
            part="" if reason == first else "-".join(reason),
            corrects=reason == carrier,
            # what the whole decision leaves unexplained goes with the largest reason
            shortfall=shortfall if reason == first else Decimal("0"),
        )
        if task is not None:
            tasks.append(task)
    return tasks


def plan_for_denial(
    denial: Denial,
    ctx: PlanContext,
    *,
    part: str = "",
    corrects: bool | None = None,
    shortfall: Decimal | None = None,
) -> ResubmissionTask | None:
    """The task for a remittance decision, driven by its largest denial adjustment read by its group
    code (CO/PI: the provider's action, never a patient bill; PR: the patient may be billed).
    Returns None when nothing was denied (a payment with patient share, a contractual write-down,
    an OA adjustment that is not a denial such as a prior payer's adjudication). ``part`` names
    one of several tasks of the decision (``plan_for_denials``); ``corrects`` says whether this
    task carries the decision's one corrected claim (by default the task that is no part);
    ``shortfall``: what the decision leaves unpaid with no adjustment to say why (default: read
    from ``denial``, which a part of a decision carries only some adjustments of)."""
    if denial.claim_status_code == PREDETERMINATION:
        return None  # an estimate before the service, not a decision on a claim
    classified = ctx.reasons.classify(denial.adjustments)
    denials = [c for c in classified if c.is_denial]
    if shortfall is None:
        shortfall = unexplained_shortfall(denial)
    if (
        not denials
        and not shortfall
        and not ctx.reasons.denies_claim(denial.claim_status_code, denial.adjustments)
    ):
        # a CLP02 4 whose adjustments the map reads as no denial (OA-23, a prior payer's
        # adjudication; patient share) raises nothing; one that nothing explains asks a person, and
        # so does a payment short of the charges with no adjustment for the rest
        return None
    primary: Classified | None = max(denials, key=lambda c: c.adjustment.amount) if denials else None
    notes: list[str] = []
    if primary is not None and primary.patient_billable:
        why = _patient_not_liable(primary, denial, ctx)
        if why:  # the provider's loss after all: the reason code's provider-side action
            primary = dataclasses.replace(
                primary,
                patient_billable=False,
                action=primary.rule.action,
                recoverable=primary.rule.recoverable,
            )
            notes.append(why)
    rule = primary.rule if primary is not None else UNMAPPED
    patient_billable = primary.patient_billable if primary is not None else False
    recoverable = primary.recoverable if primary is not None else rule.recoverable
    amount = sum((c.adjustment.amount for c in denials), Decimal("0")) + shortfall
    if amount == 0 and ctx.claim is not None:
        amount = max(Decimal("0"), ctx.claim.total_charge - denial.paid_amount)
    is_medicare = ctx.payer.plan_type == "medicare"
    action: TaskAction = primary.action if primary is not None else rule.action
    lead = (
        primary.instructions
        if primary is not None
        else "The payer denied the claim without a reason code that says why: read the remittance and "
        "its remark codes, then correct the claim (a replacement claim; Medicare Part B: a reopening) "
        "or appeal; ask the payer if neither says why."
        if not shortfall or denial.paid_amount <= 0
        else f"The payer paid {denial.paid_amount} of {denial.charge_amount} with no adjustment that "
        f"says why the other {shortfall} was not paid (the remittance does not balance): ask the payer "
        "for the reason; then correct the claim (a replacement claim; Medicare Part B: a reopening) or "
        "appeal the underpayment."
    )
    if primary is not None and ctx.claim is not None and _line_level(primary):
        # a line's denial names the line a clerk opens — and its own rendering provider on a group's
        # claim (an N290 about line 2's NPI is not the claim's)
        about = _denied_lines(primary, ctx.claim)
        if about:
            notes.append("The denied line: " + "; ".join(_shown(ln, ctx.claim) for ln in about) + ".")
    if primary is not None and shortfall:
        notes.append(f"A further {shortfall} was not paid with no adjustment that says why: ask the payer.")
    if not patient_billable and is_medicare and (rule.medicare_action or rule.medicare_instructions):
        action = rule.medicare_action or action
        if primary is not None:
            lead = rule.medicare_instructions or lead
    if primary is not None and rule.override_instructions and not patient_billable:
        # reference §5, CO-97/CO-236: "write off, or modifier if the pair allows"
        allowed = _modifier_allowed(primary, ctx)
        if allowed:
            action, recoverable = "replacement_claim", True
            lead = (is_medicare and rule.medicare_override_instructions) or rule.override_instructions
        elif allowed is None:
            notes.append(
                "Without the claim the pair is not checked: if it allows a modifier (NCCI indicator 1) "
                "and the services were separate, a modifier may recover it."
            )
        elif _line_level(primary) and (across := _paired_only_across_providers(primary, ctx)):
            # reference §1: NCCI edits (a global with its component included) apply per provider;
            # the denied line pairs on the claim only with another physician's service — but a
            # second read the same day needs 77, which an unmarked one lacks
            action, recoverable = "appeal", True
            lead = (
                f"Bundled across providers: {across}. NCCI edits apply per provider, so neither "
                "service includes the other: appeal with the record showing each physician's own "
                "service (a second read of one tracing: 77 and the unusual circumstances documented)."
            )
            if _unmarked_second_read(primary, ctx):
                action, route = _correction_route(is_medicare)
                lead = (
                    f"Bundled across providers: {across}. NCCI edits apply per provider, but a second "
                    "read the same day needs 77 (a repeat by another physician; 76 is the same "
                    "physician's): if the record documents this physician's separate read, add 77 "
                    f"(in place of any 76) with its time and {route}; otherwise write off."
                )
    if (
        primary is not None
        and rule.marked_repeat_instructions
        and not patient_billable
        and ctx.claim
        and _line_level(primary)  # a whole claim denied as a duplicate may be a claim sent twice
    ):
        # reference §5 OA-18: "write off, or add 76/77 with times and reopen" — a line that carries
        # them already has nothing to add: the payer overlooked the modifier
        denied = _denied_lines(primary, ctx.claim)
        repeat = ctx.pack.repeat_modifiers
        if denied and all(repeat & set(ln.modifiers) for ln in denied):
            wrong = [ln for ln in denied if _other_physicians_test(ln, ctx) and "77" not in ln.modifiers]
            if wrong:
                # 76 says the same physician repeated it, but the day's other service of the test
                # is another physician's: the line needs 77
                (action, route), recoverable = _correction_route(is_medicare), True
                lead = (
                    "; ".join(_shown(ln, ctx.claim) for ln in wrong)
                    + ": 76 marks the same physician's repeat, but the day's other service of this "
                    "test is another physician's — replace 76 with 77 (with the documented time) and "
                    f"{route}; write off only if it was not a separate service."
                )
            else:
                action, recoverable = "appeal", True
                lead = rule.marked_repeat_instructions
    appealable = True
    for code in denial.remark_codes:
        remark = ctx.reasons.remark(code)
        if remark is None:
            continue
        if remark.action is not None and not patient_billable:
            action = remark.action
            lead = remark.instructions  # the reason code's words are for the action it replaced
        appealable = appealable and remark.appealable
        if remark.note:
            notes.append(f"{code}: {remark.note}")
    if action == "appeal" and not appealable:
        # the reason code's words are an appeal's: a decision the payer says cannot be appealed
        # (N211) is written off, and the task says only that
        action = "write_off"
        lead = "Not appealable per the remark codes (e.g. N211): write off; the patient cannot be billed."
    elif (
        not appealable
        and not patient_billable
        and action in ("write_off", "request_authorization")
        and "appeal" in lead.lower()
    ):
        # the reason's route runs through an appeal (CO-29: proof of timely filing; CO-197: a
        # retro-authorization, then an appeal; CO-B20: the performing provider's records): closed
        action = "write_off"
        lead = (
            "Not appealable per the remark codes (e.g. N211): the route through an appeal is closed; "
            "write off; the patient cannot be billed."
        )
    if action == "replacement_claim" and not ctx.payer.accepts_replacement_claims:
        action = "reopening"
    if rule.appeal_alternative and not appealable and action in ("replacement_claim", "reopening"):
        # the reason code's words offer "recode, or appeal": the payer has closed the appeal
        lead = (
            "Recode from the documentation and correct the claim "
            f"({'a reopening' if action == 'reopening' else 'a replacement claim'}): the remark codes "
            "say this decision cannot be appealed, so there is no appeal to fall back on."
        )

    corrected: ValidClaim | None = None
    attempt = attempt_of(ctx.claim_id, ctx.claim)
    root = rule.root_cause or rule.label
    if corrects is None:
        corrects = not part
    if rule.correction and ctx.claim is not None and not patient_billable and not corrects:
        notes.append(
            "Correct it with the claim's other task of this decision: one corrected claim per claim."
        )
    elif rule.correction and ctx.claim is not None and not patient_billable:
        fix = CORRECTIONS[rule.correction](ctx.claim, ctx.pack)
        if fix is None:
            notes.append("No mechanical correction applies: review the claim.")
        elif attempt > ctx.max_resubmissions:
            # the corrected claim would be resubmission number ``attempt`` (the original is 1)
            notes.append(
                f"Resubmission limit ({ctx.max_resubmissions}) reached: a person must review this claim."
            )
        elif action == "replacement_claim" and not ctx.payer_claim_number:
            notes.append("The payer claim number is unknown: a replacement claim needs it (REF*F8).")
        elif action == "replacement_claim":
            candidate = _corrected_claim(ctx, fix, attempt)
            edits = [
                e
                for e in (ctx.rescrub(candidate) if ctx.rescrub and candidate else [])
                if e.severity == "error"
            ]
            if candidate is not None and not edits:
                corrected = candidate
                notes.append(
                    f"Corrected claim {candidate.claim_id} attached (frequency 7, re-scrubbed clean)."
                )
            else:
                notes.append(
                    "The mechanical correction did not pass the scrubber: "
                    + "; ".join(e.rule_id for e in edits)
                )
        elif action in ("reopening", "new_claim"):
            notes.append(f"The correction: {_changes(ctx.claim, fix)}.")
    if action in ("new_claim", "fix_and_resubmit"):
        # a claim the payer could not process (MA130) was never filed: the new one must be in time
        late = _filing_passed(ctx, denial.occurred_at.date())
        if late:
            notes.append(late.strip())
    due = None
    if (
        rule.appeal_alternative
        and appealable  # N211: no appeal to offer, and no appeal window to be due by
        and action in ("replacement_claim", "reopening")
        and not patient_billable
    ):
        # the appeal route closes first (Medicare redetermination: 120 days; a reopening: a year)
        appeal_by = denial.occurred_at.date() + timedelta(days=ctx.payer.appeal_days)
        notes.append(f"To appeal instead: by {appeal_by.isoformat()} (the appeal window).")
        action_by = due_date(action, ctx, denial.occurred_at.date())
        due = appeal_by if action_by is None else min(appeal_by, action_by)
    instructions = " ".join([lead, *notes]).strip()
    return _task(
        ctx,
        denial.event_id,
        action=action,
        root_cause=root,
        category=rule.category,
        # the denials only: a contractual write-down (CO-45) or the patient's share (PR-2) beside
        # them is no reason for the task (all the codes when the map reads none as a denial)
        reason_codes=[c.label for c in denials] or [c.label for c in classified],
        remark_codes=list(denial.remark_codes),
        recoverable=recoverable,
        patient_billable=patient_billable,
        amount=amount,
        instructions=instructions,
        decided_on=denial.occurred_at.date(),
        corrected=corrected,
        due=due,
        part=part,
    )


def _correction_route(is_medicare: bool) -> tuple[TaskAction, str]:
    """How a person's correction of a processed claim goes back: a corrected (replacement) claim,
    or for Medicare Part B, which takes none, a reopening (reference §5)."""
    if is_medicare:
        return "reopening", "request a reopening (Medicare Part B takes no corrected claims)"
    return "replacement_claim", "send a corrected claim"


def _coded(line: ValidClaimLine) -> str:
    """A line's code with its modifiers, as a clerk reads it (93000-26-77)."""
    return "-".join([line.procedure_code, *line.modifiers])


def _shown(line: ValidClaimLine, claim: ValidClaim) -> str:
    """A line as a billing clerk finds it: number, code with modifiers, its own rendering provider."""
    code = _coded(line)
    own = line.rendering_provider_npi
    whose = f", rendering NPI {own}" if own and own != claim.rendering_provider_npi else ""
    return f"line {line.line_number} ({code}{whose})"


def _changes(claim: ValidClaim, fixed: list[ValidClaimLine]) -> str:
    """What a correction changes, line by line (the lines a person re-keys in a reopening)."""
    before = {ln.line_number: ln for ln in claim.lines}
    kept = {ln.line_number for ln in fixed}
    out = []
    for line in fixed:
        was = before.get(line.line_number)
        if was is None:
            out.append(f"line {line.line_number}: {_coded(line)}")
        elif _coded(was) != _coded(line):
            out.append(f"{_shown(was, claim)} → {_coded(line)}")
    out += [f"{_shown(ln, claim)} left out" for ln in claim.lines if ln.line_number not in kept]
    return "; ".join(out) or "no line changes"


def _pairs(code: str, other: str, day: date, pack: RulePack) -> bool:
    """Whether two codes of a day bundle: a global and its own component, or an NCCI PTP pair."""
    if pack.family_of(code) == other or pack.family_of(other) == code:
        return True
    ptp = pack.cms.ptp
    return ptp.in_force(other, code, day) is not None or ptp.in_force(code, other, day) is not None


def _denied_lines(primary: Classified, claim: ValidClaim) -> list[ValidClaimLine]:
    return [ln for ln in claim.lines if primary.adjustment.applies_to(ln.line_number, ln.line_control_number)]


def _line_level(primary: Classified) -> bool:
    """Whether the adjustment is about a line (835 SVC loop), not the whole claim."""
    return primary.adjustment.line_number is not None or bool(primary.adjustment.line_control_number)


def _same_test_that_day(line: ValidClaimLine, claim: ValidClaim, pack: RulePack) -> list[ValidClaimLine]:
    """The claim's other lines of ``line``'s test (``RulePack.same_test``) on its day."""
    return [
        other
        for other in claim.lines
        if other.line_number != line.line_number
        and other.service_date == line.service_date
        and pack.same_test(line.procedure_code, other.procedure_code)
    ]


def _other_physicians_test(line: ValidClaimLine, ctx: PlanContext) -> bool:
    """Whether another rendering provider billed the same test on ``line``'s day on the claim,
    and ``line``'s own provider did not (76 would then name the wrong physician)."""
    claim = ctx.claim
    if claim is None:
        return False
    mine = provider_of(claim, line)
    whose = {provider_of(claim, o) for o in _same_test_that_day(line, claim, ctx.pack)}
    return bool(whose) and mine not in whose


def _unmarked_second_read(primary: Classified, ctx: PlanContext) -> bool:
    """Whether a denied line is an interpretation without 77 (none, or 76: the same physician's
    repeat) beside another provider's interpretation of the same day on the claim (a second read,
    which needs 77)."""
    claim = ctx.claim
    if claim is None:
        return False
    pack = ctx.pack
    part = pack.cms.part
    for line in _denied_lines(primary, claim):
        if part(line.procedure_code, frozenset(line.modifiers)) not in INTERPRETING:
            continue
        if "77" in line.modifiers:
            continue  # marked as another physician's repeat (76 would be the same physician's)
        mine = provider_of(claim, line)
        if any(
            provider_of(claim, other) != mine
            and part(other.procedure_code, frozenset(other.modifiers)) in INTERPRETING
            for other in _same_test_that_day(line, claim, pack)
        ):
            return True
    return False


def _paired_only_across_providers(primary: Classified, ctx: PlanContext) -> str:
    """The denied lines whose bundling partners on the claim (same day) are all another rendering
    provider's (837P 2420A), described; "" when a denied line pairs with its own provider's line,
    or none pairs with anything on the claim (the payer's reason may be a claim not seen here)."""
    claim = ctx.claim
    if claim is None:
        return ""
    out = []
    for line in _denied_lines(primary, claim):
        partners = [
            other
            for other in claim.lines
            if other.line_number != line.line_number
            and other.service_date == line.service_date
            and other.procedure_code != line.procedure_code
            and _pairs(line.procedure_code, other.procedure_code, line.service_date, ctx.pack)
        ]
        if not partners:
            continue  # a line of a claim-level adjustment that pairs with nothing here
        mine = provider_of(claim, line)
        if any(provider_of(claim, other) == mine for other in partners):
            return ""
        out.append(f"{_shown(line, claim)} with " + ", ".join(_shown(o, claim) for o in partners))
    return "; ".join(out)


def _modifier_allowed(primary: Classified, ctx: PlanContext) -> bool | None:
    """Whether an NCCI modifier may overturn a pair denial: the denied line (every line, for a
    claim-level adjustment) pairs on its day only with codes whose edit allows one (modifier
    indicator 1) — its own rendering provider's lines (NCCI edits apply per provider). A component
    beside its own global (93010 with 93000) or an indicator-0 pair never does. None: the claim is
    not known."""
    claim = ctx.claim
    if claim is None:
        return None
    pack = ctx.pack
    ptp = pack.cms.ptp
    allowed = False
    for line in _denied_lines(primary, claim):
        code, day = line.procedure_code, line.service_date
        mine = provider_of(claim, line)
        for other in claim.lines:
            if (
                other.line_number == line.line_number
                or other.service_date != day
                or other.procedure_code == code
                or provider_of(claim, other) != mine
            ):
                continue
            if pack.family_of(code) == other.procedure_code or pack.family_of(other.procedure_code) == code:
                return False  # a global and its own component: never payable together
            for column1, column2 in ((other.procedure_code, code), (code, other.procedure_code)):
                edit = ptp.in_force(column1, column2, day)
                if edit is not None:
                    if edit.modifier_indicator != 1:
                        return False
                    allowed = True
    return allowed


#: what a liability modifier on the denied line stands for (the words of a task)
LIABILITY_MODIFIERS = {"GA": "a signed ABN", "GY": "a statutory exclusion"}


def _patient_not_liable(primary: Classified, denial: Denial, ctx: PlanContext) -> str:
    """Why a PR denial still cannot be billed to the patient, or "" when it can (reference §1,
    §5): a PTP or MUE denial by its remark codes (never the patient's, even with an ABN); a denied
    line billed with GZ (an expected denial without an ABN: the provider is liable); on a Medicare
    claim, a denied line without the modifier that makes the patient liable (GA for a signed ABN,
    GY for a statutory exclusion). Without the claim the modifiers cannot be checked: the task
    bills the patient and its words ask to check them."""
    for code in denial.remark_codes:
        remark = ctx.reasons.remark(code)
        if remark is not None and remark.provider_liable:
            return (
                f"{primary.label} with {code}: PTP and MUE denials cannot be billed to the patient, "
                "even with an advance beneficiary notice; the provider is liable."
            )
    if ctx.claim is None:
        return ""
    lines = [
        ln for ln in ctx.claim.lines if primary.adjustment.applies_to(ln.line_number, ln.line_control_number)
    ]
    modifiers = {m for ln in lines for m in ln.modifiers}
    if no_abn := sorted(modifiers & ctx.pack.provider_liable_modifiers):
        return (
            f"{primary.label} on a line billed with {no_abn[0]} (expected denial, no ABN): the "
            "provider is liable and the patient cannot be billed."
        )
    wanted = set(primary.rule.patient_modifiers)
    lacking = [ln for ln in lines if not wanted & set(ln.modifiers)]
    if wanted and ctx.payer.plan_type == "medicare" and lacking:
        # every line the adjustment applies to must carry it: a claim-level adjustment over a GA
        # line and a line without cannot be split, so none of it goes to the patient
        needed = " or ".join(f"{m} ({LIABILITY_MODIFIERS.get(m, m)})" for m in primary.rule.patient_modifiers)
        if len(lines) == 1:
            return (
                f"{primary.label}, but the denied line does not carry {needed}, which alone makes the "
                "patient liable for it: the patient cannot be billed; the provider is liable."
            )
        numbers = ", ".join(str(ln.line_number) for ln in lacking)
        return (
            f"{primary.label} applies to {len(lines)} lines and line(s) {numbers} do not carry {needed}, "
            "which alone makes the patient liable: an adjustment over the claim cannot be split, so the "
            "patient cannot be billed for it; the provider is liable (ask the payer for its decision by "
            "line to bill the patient for the lines that carry it)."
        )
    return ""


def plan_for_rejection(status: ClaimStatus, ctx: PlanContext) -> ResubmissionTask | None:
    """A3/A6/A7/A8: the claim never entered adjudication (not 'filed'): fix and resubmit. P3 and
    R* are the payer's requests for information; service lines rejected in an accepted claim
    have their own task."""
    text = REJECTION_TEXT.get(status.category_code)
    if text is None and status.category_code in INFORMATION_REQUESTS:
        return plan_for_information_request(status, ctx)
    if text is None:
        return plan_for_line_rejection(status, ctx)
    detail = (
        f" ({_about(status)})" if status.status_code or status.entity_code or status.more_statuses else ""
    )
    frequency = ctx.claim.frequency_code if ctx.claim is not None else "1"
    if frequency in ("7", "8"):
        # only this replacement (void) was never filed: the claim it supersedes was adjudicated, so
        # an original claim would bill the services twice (or re-bill a claim meant to be cancelled)
        kind = "replacement" if frequency == "7" else "void"
        instructions = (
            f"Correct the {kind} per the 277CA status and send it again as a {kind} (frequency "
            f"{frequency} with the payer's claim number, REF*F8): the claim it supersedes was "
            "adjudicated and stands. Never resend it as an original claim."
        )
    else:
        instructions = (
            "Correct the claim per the 277CA status and resubmit it as an original claim "
            "(a rejected claim was never filed, so no replacement frequency code)."
            + _filing_passed(ctx, status.occurred_at.date())
        )
    return _claim_status_task(
        status,
        ctx,
        action="fix_and_resubmit",
        root_cause=f"Rejected by the clearinghouse/payer: {text}{detail}.",
        category="rejection",
        instructions=instructions,
    )


def _claim_status_task(
    status: ClaimStatus,
    ctx: PlanContext,
    *,
    action: TaskAction,
    root_cause: str,
    category: str,
    instructions: str,
) -> ResubmissionTask:
    """The task for a claim-level 277 answer (a rejection, a request for information): the
    claim's whole charge at stake, every status the answer gives as its reason codes."""
    amount = ctx.claim.total_charge if ctx.claim is not None else (status.amount or Decimal("0"))
    return _task(
        ctx,
        status.event_id,
        action=action,
        root_cause=root_cause,
        category=category,
        reason_codes=status_codes(status),
        remark_codes=[],
        recoverable=True,
        patient_billable=False,
        amount=amount,
        instructions=instructions,
        decided_on=status.occurred_at.date(),
    )


def _filing_passed(ctx: PlanContext, answered: date) -> str:
    """The words for a rejection (or a claim the payer could not process) answered after the payer's
    filing limit has passed: the new claim it asks for comes too late."""
    lines = _line_deadlines(ctx)
    passed = [(n, d) for n, d in lines if d < answered]
    if not passed:
        return ""
    limit = ctx.payer.filing_limit()
    if len(passed) == len(lines):
        deadline = max(d for _, d in passed)
        return (
            f" The filing limit ({limit} from the date of service) passed on "
            f"{deadline.isoformat()}: a resubmission will be denied for timely filing (CO-29) unless you "
            "hold proof the claim was filed in time; otherwise write it off (the patient cannot be billed)."
        )
    numbers = ", ".join(str(n) for n, _ in passed)
    return (
        f" The filing limit ({limit} from the date of service) passed for line(s) {numbers} on "
        f"{max(d for _, d in passed).isoformat()}: resubmit the other lines without them — a late line "
        "is denied for timely filing (CO-29) unless you hold proof it was filed in time; write it off "
        "otherwise (the patient cannot be billed)."
    )


def plan_for_information_request(status: ClaimStatus, ctx: PlanContext) -> ResubmissionTask:
    """P3 / R*: the payer asks for something (documentation, medical records, a corrected
    detail) before it decides. Unanswered by its deadline, the claim is denied for it."""
    return _claim_status_task(
        status,
        ctx,
        action="send_information",
        root_cause=f"The payer asks for information before it decides ({_about(status)}).",
        category=INFORMATION_REQUEST,
        instructions="Send the payer what the status asks for (R4: documentation, R9: the medical "
        "necessity, R3: claim or line detail, ...) through its channel for additional documentation, "
        "by the due date: unanswered, the claim is denied for want of it. Do not resubmit the claim.",
    )


def _billed_line(status_line: LineStatus, claim: ValidClaim | None) -> ValidClaimLine | None:
    """The claim's line a 277CA line status names: by its line item control number (REF*6R echoed
    in REF*FJ), else by what the status repeats of the line (SVC procedure code, then its
    modifiers, date of service and charge, each only when given) when one line alone fits."""
    if claim is None:
        return None
    if status_line.line_control_number:
        for billed in claim.lines:
            if billed.line_control_number == status_line.line_control_number:
                return billed
    fits = [b for b in claim.lines if b.procedure_code == status_line.procedure_code]
    narrowing = (
        (bool(status_line.modifiers), lambda b: list(b.modifiers) == list(status_line.modifiers)),
        (status_line.service_date is not None, lambda b: b.service_date == status_line.service_date),
        (status_line.charge is not None, lambda b: b.charge == status_line.charge),
    )
    for given, same in narrowing:
        if len(fits) <= 1:
            break
        if given:
            fits = [b for b in fits if same(b)]
    return fits[0] if len(fits) == 1 else None


def plan_for_line_rejection(status: ClaimStatus, ctx: PlanContext) -> ResubmissionTask | None:
    """Service lines rejected in an accepted claim (277CA 2220D): the claim goes on to adjudication
    without them, so they were never filed. They are corrected and billed on a new original claim;
    the accepted claim is not replaced."""
    lines = rejected_lines(status)
    if not lines:
        return None
    named, codes, amount = [], [], Decimal("0")
    for ls in lines:
        billed = _billed_line(ls, ctx.claim)
        # the code the answer names, when it is one (a free-text field is never repeated)
        named_code = (
            ls.procedure_code if ls.procedure_code and looks_like_procedure(ls.procedure_code) else ""
        )
        code = named_code or (billed.procedure_code if billed else "") or "a service line"
        where = f"line {billed.line_number} " if billed else ""
        named.append(f"{where}{code} ({REJECTION_TEXT[ls.category_code]}: {_about(ls)})")
        codes.extend(status_codes(ls))
        charge = ls.charge if ls.charge is not None else (billed.charge if billed else None)
        amount += charge or Decimal("0")
    return _task(
        ctx,
        status.event_id,
        action="fix_and_resubmit",
        root_cause="Service lines rejected while the claim was accepted: " + "; ".join(named) + ".",
        category=LINE_REJECTION,
        reason_codes=codes,
        remark_codes=[],
        recoverable=True,
        patient_billable=False,
        amount=amount,
        instructions="The claim goes on to adjudication without these lines (a rejected line was "
        "never filed): correct them per the 277CA line status and bill them on a new original claim. "
        "Do not send a replacement of the accepted claim.",
        decided_on=status.occurred_at.date(),
    )
