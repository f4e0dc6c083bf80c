"""medical_necessity and coverage: does the payer cover the line, for the diagnoses it points to?
And do the liability modifiers (GY, GX, GA, GZ) fit the denial the provider expects?

Necessity follows the reference: the payer's own list where its profile has one (strict: an error
off the list; else a warning), otherwise the family pack's starter list plus covered ranges — a
pointed diagnosis outside both is a warning only (the starter list is not an allow-list).
Screening-only diagnoses on a code whose payer does not cover screening are a statutory exclusion.

A claim billed on purpose so the denial assigns liability is not held: with GY/GX a statutory
exclusion (screening, a non-covered code) is a warning, and with GA/GZ a necessity doubt is too.
Who is then liable follows the modifier (reference §1): GY, GX and GA (an ABN on file) the patient;
GZ (an expected denial without an ABN) the provider — its warnings say the patient cannot be billed.
A liability modifier that does not fit is an edit: GY/GX on a covered, supported line would make
the patient liable for a covered service (error); GA/GZ on an exclusion (GY fits) or GY/GX on a
necessity doubt (GA/GZ fit) are noted.

On a plan outside Medicare the fixes do not offer what only Medicare has (an ABN, GY, the IPPE's
G0403-G0405): the rules' ``fix_outside_medicare``.
"""

from __future__ import annotations

from collections.abc import Iterator

from schemas.codes import looks_like_icd10
from streams.scrub.context import ClaimFacts, ScrubContext
from streams.scrub.packs import NecessityPolicy
from streams.scrub.registry import OUTSIDE_MEDICARE, Finding, checks


def _screening_advice(policy: NecessityPolicy) -> str:
    """The first sentence of a not-covered screening's fix: the policy's own, or where screening
    belongs (its screening codes)."""
    if policy.screening_advice:
        return policy.screening_advice
    codes = policy.screening_codes
    if codes:
        where = codes[0] if len(codes) == 1 else f"{codes[0]}-{codes[-1]}"
        return f"Bill the screening on {where} where the payer covers it there."
    return "The payer does not cover a screening test on this code."


#: an exclusion billed on purpose for the denial, by (screening?, the provider liable?) -> its warning
BILLED_FOR_DENIAL = {
    (True, False): "NEC_SCREENING_BILLED_FOR_DENIAL",
    (True, True): "NEC_SCREENING_BILLED_PROVIDER_LIABLE",
    (False, False): "COV_BILLED_FOR_DENIAL",
    (False, True): "COV_BILLED_PROVIDER_LIABLE",
}


@checks(
    "COV_NOT_COVERED",
    "COV_MEDICARE_NON_COVERED",
    "COV_BILLED_FOR_DENIAL",
    "COV_BILLED_PROVIDER_LIABLE",
    "COV_CODE_NOT_FOR_PLAN",
    "NEC_UNLISTED_DIAGNOSIS",
    "NEC_NOT_ON_PAYER_LIST",
    "NEC_SCREENING_NOT_COVERED",
    "NEC_SCREENING_BILLED_FOR_DENIAL",
    "NEC_SCREENING_BILLED_PROVIDER_LIABLE",
    "NEC_BILLED_WITH_ABN",
    "NEC_BILLED_WITHOUT_ABN",
    "MOD_LIABILITY_MISMATCH",
    "MOD_ABN_ON_EXCLUSION",
    "MOD_EXCLUSION_ON_NECESSITY",
)
def coverage_and_necessity(facts: ClaimFacts, ctx: ScrubContext) -> Iterator[Finding]:
    pack, payer = ctx.pack, ctx.payer
    plan = payer.plan_type
    medicare = plan in pack.medicare_plans
    liability = pack.liability_modifiers
    provider_liable = pack.provider_liable_modifiers
    payer_lists = payer.necessity.by_code if payer.necessity is not None else {}
    strict = payer.necessity is not None and payer.necessity.strict
    for line, mods in zip(facts.claim.lines, facts.mods, strict=True):
        code, n = line.procedure_code, line.line_number
        base: dict[str, object] = {"line": n, "code": code, "payer": payer.name, "payer_id": payer.payer_id}
        if not medicare:
            base[OUTSIDE_MEDICARE] = True
        allowed = pack.plan_limited.get(code)
        if allowed is not None and plan not in allowed:
            yield Finding("COV_CODE_NOT_FOR_PLAN", n, {**base, "plan_type": plan})
            continue
        exclusion_mod = next((m for m in sorted(mods) if liability.get(m) == "exclusion"), None)
        # GA (an ABN: the patient is liable) before GZ (none: the provider is) when both are there
        necessity_mod = next(
            (m for m in sorted(mods, key=lambda m: m in provider_liable) if liability.get(m) == "necessity"),
            None,
        )

        # what the payer will say about the line: an exclusion, a necessity doubt, or neither
        exclusion: tuple[str, dict[str, object]] | None = None
        doubt: tuple[str, dict[str, object]] | None = None
        supported = False
        if code in payer.non_covered_codes or (
            payer.covered_codes is not None and code not in payer.covered_codes
        ):
            exclusion = ("COV_NOT_COVERED", base)
        elif (
            medicare
            and (row := pack.cms.fees.on(code, line.service_date)[0]) is not None
            and pack.conventions.fee_status_rules.get(row.status) == "COV_MEDICARE_NON_COVERED"
        ):
            exclusion = ("COV_MEDICARE_NON_COVERED", base)
        else:
            policy = pack.necessity_by_code.get(code)
            payer_list = payer_lists.get(code)
            pointed = [dx for dx in facts.pointed_diagnoses(line) if looks_like_icd10(dx)]
            if pointed and (policy is not None or payer_list is not None):
                if payer_list is not None:
                    supported = not payer_list.isdisjoint(pointed)
                else:
                    assert policy is not None
                    supported = any(policy.supports(dx) for dx in pointed)
                screening_only = policy is not None and all(dx in policy.screening for dx in pointed)
                if supported:
                    pass
                elif screening_only:
                    if not payer.covers_screening(code):
                        assert policy is not None
                        exclusion = (
                            "NEC_SCREENING_NOT_COVERED",
                            {
                                **base,
                                "dx": ", ".join(pointed),
                                # NCD 20.15 is Medicare's; another plan's exclusion is its profile's
                                "authority": policy.policy.authority
                                if medicare
                                else f"payer profile {payer.payer_id}: screening_covered_codes",
                                "screening_advice": _screening_advice(policy.policy),
                            },
                        )
                elif payer_list is not None and strict:
                    doubt = ("NEC_NOT_ON_PAYER_LIST", base)
                else:
                    authority = (
                        f"payer profile {payer.payer_id}: necessity list"
                        if payer_list is not None or policy is None
                        else policy.policy.authority
                    )
                    doubt = ("NEC_UNLISTED_DIAGNOSIS", {**base, "authority": authority})

        if exclusion is not None:
            rule, params = exclusion
            marked = exclusion_mod or necessity_mod
            if marked is None:
                yield Finding(rule, n, params)
                continue
            downgraded = BILLED_FOR_DENIAL[(rule.startswith("NEC_"), marked in provider_liable)]
            yield Finding(downgraded, n, {**params, "modifier": marked})
            if exclusion_mod is None and necessity_mod is not None:
                yield Finding("MOD_ABN_ON_EXCLUSION", n, {**base, "modifier": necessity_mod})
        elif doubt is not None:
            rule, params = doubt
            if necessity_mod is not None:
                yield Finding(
                    "NEC_BILLED_WITHOUT_ABN" if necessity_mod in provider_liable else "NEC_BILLED_WITH_ABN",
                    n,
                    {**params, "modifier": necessity_mod, "liability": pack.liability_meaning(necessity_mod)},
                )
            else:
                yield Finding(rule, n, params)
            if exclusion_mod is not None:
                yield Finding("MOD_EXCLUSION_ON_NECESSITY", n, {**base, "modifier": exclusion_mod})
        elif exclusion_mod is not None and supported:
            yield Finding("MOD_LIABILITY_MISMATCH", n, {**base, "modifier": exclusion_mod})


@checks("COV_SCREENING_WITHOUT_VISIT")
def screening_without_visit(facts: ClaimFacts, ctx: ScrubContext) -> Iterator[Finding]:
    """A code payable only with a qualifying service (the IPPE screening ECG, G0403-G0405, with the
    IPPE, G0402) billed without it on the claim or in the patient's history: the payer will deny it
    (CO-B15). A warning: the visit may have been billed where claimflow does not see it. A plan
    that does not take the code at all is the plan edit's (COV_CODE_NOT_FOR_PLAN)."""
    pack = ctx.pack
    claim = facts.claim
    plan = ctx.payer.plan_type
    billed = {line.procedure_code for line in claim.lines}
    earlier = None
    for line in claim.lines:
        needs = pack.qualifying_services.get(line.procedure_code)
        allowed = pack.plan_limited.get(line.procedure_code)
        if not needs or (allowed is not None and plan not in allowed) or not needs.isdisjoint(billed):
            continue
        if earlier is None:
            skip = (claim.claim_id, claim.replaces_claim_id)
            earlier = {h.procedure_code for h in ctx.history if h.claim_id not in skip}
        if needs.isdisjoint(earlier):
            yield Finding(
                "COV_SCREENING_WITHOUT_VISIT",
                line.line_number,
                {"line": line.line_number, "code": line.procedure_code, "needs": " or ".join(sorted(needs))},
            )
