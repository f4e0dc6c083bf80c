"""A one-pass screen in front of the checkers: which of them could have anything to say?

Most claims are clean, and most checkers have nothing to say about most claims; asking each of
25 checkers costs a generator, a pass over the lines and their own lookups every time. The screen
walks the claim once and names the checkers that *might* fire; the engine runs only those (and
every checker the screen does not cover). A checker named here still decides whether it fires and
what it says, so the rules' wording and logic stay in one place (the checker and the pack).

The screen is deliberately **conservative**: each test below is a necessary condition for its
checker to fire (wider is fine: it only costs the checker's run), never a sufficient one. Tests
pin that it never drops a finding: a differential test runs the screened and the unscreened engine
on the simulator's defect mix and on arbitrary claims (hypothesis), and the rule tests' failing
cases all go through the screen. ``CLAIMFLOW_SCRUB_SCREEN=off`` runs every checker (for
diagnosing a suspected screen bug in production without a deploy).

A new checker is unscreened (always run) until a test is added here and to ``SCREENED``.
"""

from __future__ import annotations

from datetime import date, timedelta

from schemas import ClaimSubmitted
from streams.scrub.context import ScrubContext
from streams.scrub.packs import RulePack
from streams.scrub.rules import Checker
from streams.scrub.rules.bundling import global_and_components, ncci_pairs
from streams.scrub.rules.claim_data import (
    encounter_date,
    frequency_code,
    line_fields,
    mbi_is_valid,
    npis_valid,
    patient,
    providers,
    total_matches_lines,
)
from streams.scrub.rules.codes import diagnoses_valid, procedure_known
from streams.scrub.rules.denial_risk import learned_denial_risk
from streams.scrub.rules.documentation import diagnoses_documented, ecg_components
from streams.scrub.rules.modifiers import (
    em_needs_25,
    modifier_validity,
    override_needs_pair,
    repeat_documented,
)
from streams.scrub.rules.necessity import supporting_diagnosis
from streams.scrub.rules.payer import coverage, duplicates, frequency_limits, timely_filing
from streams.scrub.rules.place_of_service import facility_pos
from streams.scrub.rules.units import mue, repeats
from streams.trends.windows import diagnosis_key

#: Checkers the screen answers for; any other checker always runs.
SCREENED: frozenset[Checker] = frozenset(
    {
        global_and_components,
        ncci_pairs,
        learned_denial_risk,
        total_matches_lines,
        line_fields,
        frequency_code,
        encounter_date,
        patient,
        providers,
        procedure_known,
        diagnoses_valid,
        ecg_components,
        diagnoses_documented,
        modifier_validity,
        override_needs_pair,
        repeat_documented,
        em_needs_25,
        supporting_diagnosis,
        coverage,
        frequency_limits,
        timely_filing,
        duplicates,
        facility_pos,
        mue,
        repeats,
    }
)


def suspects(claim: ClaimSubmitted, ctx: ScrubContext) -> set[Checker]:
    """The screened checkers that might fire on ``claim`` (a superset of those that do)."""
    pack, payer, enc = ctx.pack, ctx.payer, ctx.encounter
    codes = pack.spec.codes
    out: set[Checker] = set()
    add = out.add
    lines = claim.lines
    dx = claim.diagnoses
    dx_count = len(dx)
    as_of = ctx.as_of
    ecg = enc.ecg if enc is not None else None
    documented = (
        ecg is not None and ecg.tracing_recorded and ecg.interpretation_documented and ecg.report_signed
    )
    reader = ecg.interpreting_provider_npi if ecg is not None else None
    other_reader = reader is not None and reader != claim.rendering_provider_npi
    facility = claim.place_of_service in pack.facility_pos
    non_covered, covered = payer.non_covered_codes, payer.covered_codes
    prior_auth = payer.prior_authorization_codes if not claim.prior_authorization else ()
    all_supporting = pack.supporting_dx.issuperset(dx)
    mue_limits = pack.mue
    ptp = pack.ptp_by_code
    first = last = lines[0].service_date
    total = lines[0].charge
    dates: set[date] = set()
    claim_codes: set[str] = set()
    parted_here: set[str] = set()
    in_ptp = has_em = has_ecg = False
    for line in lines:
        code, day = line.procedure_code, line.service_date
        dates.add(day)
        claim_codes.add(code)
        if day < first:
            first = day
        elif day > last:
            last = day
        info = codes.get(code)
        if info is None:
            add(procedure_known)
        else:
            if info.part is not None:
                parted_here.add(code)
            if info.needs_ecg_documentation:
                has_ecg = True
                if not documented:
                    add(ecg_components)
                if enc is not None and day != enc.service_date:
                    add(encounter_date)
                if facility and info.part in ("global", "technical"):
                    add(facility_pos)
                if other_reader and info.part in ("global", "professional"):
                    add(providers)
            elif info.family == "em" and "25" not in line.modifiers:
                has_em = True
        if code in ptp:
            in_ptp = True
        pointers = line.diagnosis_pointers
        if line.charge <= 0 or not pointers or day > as_of:
            add(line_fields)
        for p in pointers:
            if not 1 <= p <= dx_count:
                add(line_fields)
                break
        if not all_supporting and pointers and code in pack.necessity_codes:
            pointed = [dx[p - 1] for p in pointers if 1 <= p <= dx_count]
            if pointed and pack.supporting_dx.isdisjoint(pointed):
                add(supporting_diagnosis)
        if code in non_covered or (covered is not None and code not in covered) or code in prior_auth:
            add(coverage)
        limit = mue_limits.get(code)
        if limit is not None and line.units > limit.units:
            add(mue)
        if line.modifiers:
            for mod in line.modifiers:
                if mod not in pack.known_modifiers or mod in pack.component_modifiers:
                    add(modifier_validity)
                if mod in pack.override_modifiers:
                    add(override_needs_pair)
                if mod in pack.repeat_modifiers and enc is not None:
                    add(repeat_documented)

    n_lines = len(lines)
    if n_lines > 1:
        for line in lines[1:]:
            total += line.charge
        if len(claim_codes) < n_lines:
            # a code billed twice: a repeat, and (the only way past the per-line test) units summed
            # over lines beyond the MUE
            add(repeats)
            add(mue)
        if has_em and has_ecg and payer.em_same_day_requires_25:
            add(em_needs_25)
        if in_ptp and _ncci_partners(pack, claim_codes, claim_codes):
            add(ncci_pairs)
    if len(parted_here) >= 2:
        add(global_and_components)

    history = ctx.history
    if history and not dates.isdisjoint([h.service_date for h in history]):
        same_day = [h for h in history if h.service_date in dates]
        payer_id, npi = claim.payer.payer_id, claim.rendering_provider_npi
        keys = {(line.service_date, line.procedure_code) for line in lines}
        if any(
            (h.service_date, h.procedure_code) in keys
            and h.payer_id == payer_id
            and h.rendering_provider_npi == npi
            for h in same_day
        ):
            add(duplicates)  # the checker also leaves out 76/77 repeats and the claim this replaces
        if in_ptp and _ncci_partners(pack, claim_codes, {h.procedure_code for h in same_day}):
            add(ncci_pairs)
        if (
            parted_here
            and len(parted_here.union([h.procedure_code for h in same_day]) & pack.parted_codes) >= 2
        ):
            add(global_and_components)
    limited = payer.frequency_limit_codes
    if limited and not limited.isdisjoint(claim_codes):
        payer_id = claim.payer.payer_id
        for freq in payer.frequency_limits:
            # the checker counts this claim and the patient's earlier claims of the code at this
            # payer in the period ending on the code's first date (a window inside this one)
            if freq.code not in claim_codes:
                continue
            lo = None if freq.period == "lifetime" else first - timedelta(days=(freq.period_days or 1) - 1)
            seen = {
                (h.claim_id, h.service_date)
                for h in history
                if h.procedure_code == freq.code
                and h.payer_id == payer_id
                and (lo is None or lo <= h.service_date <= last)
            }
            if len(seen) + 1 > freq.count:
                add(frequency_limits)
                break

    # header
    if claim.total_charge != total:
        add(total_matches_lines)
    if claim.frequency_code in ("7", "8"):
        add(frequency_code)
    if claim.patient.birth_date > first or (payer.requires_mbi and not mbi_is_valid(claim.patient.member_id)):
        add(patient)
    referring = claim.referring_provider_npi
    npis = (claim.billing_provider_npi, claim.rendering_provider_npi)
    if not npis_valid(npis if referring is None else (*npis, referring)):
        add(providers)
    icd = ctx.icd
    if not icd.always_ok.issuperset(dx) and not icd.all_ok(dx, first):
        add(diagnoses_valid)
    if enc is not None and enc.diagnoses and not set(enc.diagnoses).issuperset(dx):
        add(diagnoses_documented)
    if payer.timely_filing_days - (as_of - first).days <= pack.spec.timely_filing_warning_days:
        add(timely_filing)
    learned = ctx.learned
    if learned is not None:
        covers = getattr(learned, "covers", None)  # a lookup that can say "nothing learned here"
        if covers is None:
            add(learned_denial_risk)
        else:
            payer_id = claim.payer.payer_id
            for line in lines:
                if covers(payer_id, line.procedure_code):
                    pointed = [dx[p - 1] for p in line.diagnosis_pointers if 1 <= p <= dx_count]
                    if pointed and learned(diagnosis_key(payer_id, line.procedure_code, pointed)) is not None:
                        add(learned_denial_risk)  # the checker also weighs the rate and its volume
                        break
    return out


def _ncci_partners(pack: RulePack, codes: set[str], others: set[str]) -> bool:
    """Whether a code in ``codes`` is column 2 of a PTP pair whose column 1 is in ``others``, on
    any date (``RulePack.ptp_partners`` leaves out the pairs ``ncci_pairs`` skips)."""
    partners = pack.ptp_partners
    for code in codes:
        column1 = partners.get(code)
        if column1 is not None and not column1.isdisjoint(others):
            return True
    return False
