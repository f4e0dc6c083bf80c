"""A one-pass screen in front of the checkers: which of them could have anything to say?

Most claims are clean, and most checkers have nothing to say about most claims; asking each
checker costs a generator, a pass over the lines and their own lookups every time. The screen
walks the claim once and names the checkers that *might* fire; the engine runs only those (and
every checker the screen does not cover). A checker named here still decides whether it fires and
what it says, so the rules' wording and logic stay in one place (the checker and the pack).

The screen is deliberately **conservative**: each test below is a necessary condition for its
checker to fire (wider is fine: it only costs the checker's run), never a sufficient one. Tests
pin that it never drops a finding: a differential test runs the screened and the unscreened engine
on the simulator's defect mix and on arbitrary claims (hypothesis), and the rule tests' failing
cases all go through the screen. ``CLAIMFLOW_SCRUB_SCREEN=false`` runs every checker (for
diagnosing a suspected screen bug in production without a deploy).

A new checker is unscreened (always run) until a test is added here and to ``SCREENED``.
"""

from __future__ import annotations

from datetime import date, timedelta

from schemas import ScrubbableClaim
from streams.scrub.context import ScrubContext
from streams.scrub.packs import RulePack
from streams.scrub.registry import Checker
from streams.scrub.rules.bundling import global_and_components, ncci_pairs, same_service_two_codes
from streams.scrub.rules.claim_data import (
    fits_an_837p,
    frequency_code,
    line_fields,
    mbi_is_valid,
    npis_valid,
    oldest_birth_date,
    patient,
    providers,
    total_matches_lines,
    x12_suspect,
)
from streams.scrub.rules.codes import diagnoses_valid, procedure_in_force
from streams.scrub.rules.denial_risk import learned_denial_risk
from streams.scrub.rules.documentation import (
    diagnoses_documented,
    ecg_components,
    encounter_date,
    encounter_place,
    encounter_policy,
    interpreter,
    repeat_documented,
)
from streams.scrub.rules.duplicates import duplicates, other_provider_reads
from streams.scrub.rules.modifiers import (
    em_needs_25,
    modifier_validity,
    override_needs_pair,
    repeat_by_same_provider,
    visit_needs_25,
)
from streams.scrub.rules.necessity import coverage_and_necessity, screening_without_visit
from streams.scrub.rules.payer import frequency_limits, prior_authorization, timely_filing
from streams.scrub.rules.place_of_service import assigned_pos, facility_pos
from streams.scrub.rules.units import mue, repeats
from streams.trends.windows import diagnosis_key

#: Checkers the screen answers for; any other checker always runs.
SCREENED: frozenset[Checker] = frozenset(
    {
        global_and_components,
        ncci_pairs,
        same_service_two_codes,
        total_matches_lines,
        line_fields,
        frequency_code,
        patient,
        providers,
        fits_an_837p,
        procedure_in_force,
        diagnoses_valid,
        learned_denial_risk,
        encounter_policy,
        ecg_components,
        diagnoses_documented,
        encounter_date,
        encounter_place,
        interpreter,
        repeat_documented,
        duplicates,
        other_provider_reads,
        modifier_validity,
        override_needs_pair,
        repeat_by_same_provider,
        em_needs_25,
        visit_needs_25,
        coverage_and_necessity,
        prior_authorization,
        frequency_limits,
        timely_filing,
        facility_pos,
        assigned_pos,
        mue,
        repeats,
        screening_without_visit,
    }
)

_SPLIT = (1, 2, 3, 4)  # PC/TC indicators of codes with a professional/technical part
_FACILITY_PARTS = (1, 3, 4)  # those billing a global or technical part (indicator 1: unless -26)


def suspects(claim: ScrubbableClaim, ctx: ScrubContext) -> set[Checker]:
    """The screened checkers that might fire on ``claim`` (a superset of those that do)."""
    lines = claim.lines
    own = claim.rendering_provider_npi
    if any(line.rendering_provider_npi not in (None, own) for line in lines):
        # lines of several rendering providers (837P 2420A): each provider's edits are judged on
        # its own lines and across the providers — rare enough to ask every checker
        return set(SCREENED)
    pack, payer, enc = ctx.pack, ctx.payer, ctx.encounter
    screen = pack.screen_data
    out: set[Checker] = set()
    add = out.add
    dx = claim.diagnoses
    dx_count = len(dx)
    as_of = ctx.as_of
    ecg = enc.ecg if enc is not None else None
    documented = (
        ecg is not None and ecg.tracing_recorded and ecg.interpretation_documented and ecg.report_signed
    )
    reader = ecg.interpreting_provider_npi if ecg is not None else None
    other_reader = reader is not None and reader != claim.rendering_provider_npi
    non_covered, covered = payer.non_covered_codes, payer.covered_codes
    prior_auth = payer.prior_authorization_codes if not claim.prior_authorization else ()
    medicare = payer.plan_type in pack.medicare_plans
    payer_lists = payer.necessity.by_code if payer.necessity is not None else None
    pctc_of = screen.pctc
    mue_limits = pack.cms.mue.smallest  # MUE tables by date: the smallest value of a code
    per_service = pack.per_service_codes
    qualifying = pack.qualifying_services
    hcpcs = pack.cms.hcpcs.codes
    hcpcs_official = "hcpcs" in pack.cms.official
    known_mods = pack.cms.modifiers
    first = last = lines[0].service_date
    total = lines[0].charge
    dates: set[date] = set()
    claim_codes: set[str] = set()
    split_lines = interpreting = 0
    needs_doc = em_without_25 = has_test = visit_here = False
    same_service: set[str] = set()  # codes of another family that would bill the same service
    for line in lines:
        code, day = line.procedure_code, line.service_date
        dates.add(day)
        claim_codes.add(code)
        if day < first:
            first = day
        elif day > last:
            last = day
        mods = line.modifiers
        pctc = pctc_of.get(code)
        if pctc in _SPLIT:
            split_lines += 1
            has_test = True
            if pctc != 3:
                interpreting += 1  # a global or a professional part (or, with 26, a split code)
            if pctc in _FACILITY_PARTS and claim.place_of_service_of(line) in pack.facility_pos:
                add(facility_pos)
        if pack.assigned_pos and (
            claim.place_of_service_of(line) not in pack.assigned_pos
            or (claim.place_of_service and claim.place_of_service not in pack.assigned_pos)
        ):
            add(assigned_pos)
        if code in pack.documented_codes:
            needs_doc = True
            has_test = True
            if enc is not None:
                if not documented:
                    add(ecg_components)
                if day != enc.service_date:
                    add(encounter_date)
                if claim.place_of_service_of(line) != enc.place_of_service:
                    add(encounter_place)
                if other_reader:
                    add(interpreter)
                if mods and not pack.repeat_modifiers.isdisjoint(mods):
                    add(repeat_documented)
        partners = screen.same_service_partners.get(code)
        if partners is not None:
            same_service |= partners
        if code in pack.visit_codes:
            visit_here = True
        if "25" not in mods and pack.is_em(code):
            em_without_25 = True
        pointers = line.diagnosis_pointers
        if (
            line.charge <= 0
            or line.units < 1
            or not pointers
            or day > as_of
            or (line.service_end_date is not None and line.service_end_date > as_of)
        ):
            add(line_fields)
        for p in pointers:
            if not 1 <= p <= dx_count:
                add(line_fields)
                break
        # coverage and necessity
        if (
            code in pack.plan_limited
            or code in non_covered
            or (covered is not None and code not in covered)
            or (medicare and code in screen.status_non_covered)
        ):
            add(coverage_and_necessity)
        elif pointers:
            payer_list = payer_lists.get(code) if payer_lists is not None else None
            policy = pack.necessity_by_code.get(code)
            if payer_list is not None or policy is not None:
                pointed = [dx[p - 1] for p in pointers if 1 <= p <= dx_count]
                if payer_list is not None:
                    if payer_list.isdisjoint(pointed):
                        add(coverage_and_necessity)
                elif policy is not None and not any(policy.supports(d) for d in pointed):
                    add(coverage_and_necessity)
        if code in prior_auth:
            add(prior_authorization)
        if code in screen.in_force_flagged:
            add(procedure_in_force)
        elif code[:1].isalpha():
            span = hcpcs.get(code)
            if (span is not None and not span.on(day)) or (span is None and hcpcs_official):
                add(procedure_in_force)
        limit = mue_limits.get(code)
        if limit is not None and line.units > limit:
            add(mue)
        if code in per_service and (line.units > 1 or line.units != line.units.to_integral_value()):
            add(repeats)  # repeats billed as units on one line; a part of one service
        if code in qualifying:
            add(screening_without_visit)
        if mods:
            for mod in mods:
                if (
                    mod not in known_mods
                    or mod in screen.modifier_suspects
                    or (mod in pack.em_only_modifiers and not pack.is_em(code))
                ):
                    add(modifier_validity)
                if mod in pack.override_modifiers:
                    add(override_needs_pair)
                if mod in pack.liability_modifiers:
                    add(coverage_and_necessity)
            if "77" in mods:
                add(repeat_by_same_provider)

    n_lines = len(lines)
    if n_lines > 1:
        for line in lines[1:]:
            total += line.charge
        if len(claim_codes) < n_lines:
            # a code billed twice: a repeat, and (the only way past the per-line test) units summed
            # over lines beyond the MUE
            add(repeats)
            add(mue)
        if em_without_25 and has_test and payer.em_same_day_requires_25:
            add(em_needs_25)
        if _ncci_partners(pack, claim_codes, claim_codes):
            add(ncci_pairs)
        if split_lines >= 2:
            add(global_and_components)
        if not same_service.isdisjoint(claim_codes):
            add(same_service_two_codes)
    if em_without_25 and visit_here:
        add(visit_needs_25)

    history = ctx.history
    if history and not dates.isdisjoint([h.service_date for h in history]):
        same_day = [h for h in history if h.service_date in dates]
        payer_id, npi = claim.payer.payer_id, claim.rendering_provider_npi
        keys = {(line.service_date, line.procedure_code) for line in lines}
        history_codes = {h.procedure_code for h in same_day}
        if any(
            (h.service_date, h.procedure_code) in keys
            and h.payer_id == payer_id
            and h.rendering_provider_npi == npi
            for h in same_day
        ):
            add(duplicates)  # the checker also leaves out 76/77 repeats and the claim this replaces
        if _ncci_partners(pack, claim_codes, history_codes) or _ncci_partners(
            pack, history_codes, claim_codes
        ):
            add(ncci_pairs)  # either order: the pair is per provider and day, whichever came first
        if split_lines and not history_codes.isdisjoint(screen.split_codes):
            add(global_and_components)
            if interpreting and any(h.rendering_provider_npi != npi for h in same_day):
                add(other_provider_reads)
        if not same_service.isdisjoint(history_codes):
            add(same_service_two_codes)
        if em_without_25 and not history_codes.isdisjoint(pack.visit_codes):
            add(visit_needs_25)
        if visit_here and any(pack.is_em(h.procedure_code) and "25" not in h.modifiers for h in same_day):
            add(visit_needs_25)  # the E/M went out first, on another claim
        if em_without_25 and payer.em_same_day_requires_25:
            add(em_needs_25)  # the test may be on this provider's earlier claim of the day
        if not claim_codes.isdisjoint(history_codes) and not claim_codes.isdisjoint(pack.cms.mue.codes):
            add(mue)  # units of a code summed over this provider's claims of the day
    limited = payer.frequency_limit_codes
    if limited and not limited.isdisjoint(claim_codes):
        payer_id = claim.payer.payer_id
        for freq in payer.frequency_limits:
            # the checker counts this claim and the patient's earlier claims of the code at this
            # payer (at any, for a limit per patient) in the busiest period that contains the
            # code's first date (a window inside this one)
            if freq.code not in claim_codes:
                continue
            lifetime = freq.period == "lifetime"
            period = timedelta(days=(freq.period_days or 1) - 1)
            lo, hi = first - period, last + period
            # services: units of the earlier lines and of this claim's lines (a superset of
            # what the checker counts)
            family = pack.family_of(freq.code)  # the screening ECG counts its family's parts
            seen = sum(
                h.units
                for h in history
                if (
                    h.procedure_code == freq.code
                    or (family is not None and pack.family_of(h.procedure_code) == family)
                )
                and (freq.per_patient or h.payer_id == payer_id)
                and (lifetime or lo <= h.service_date <= hi)
            )
            billed = sum(
                ln.units if ln.units is not None else 1
                for ln in claim.lines
                if ln.procedure_code == freq.code
            )
            if seen + billed > freq.count:
                add(frequency_limits)
                break

    # header
    if claim.total_charge is not None and claim.total_charge != total:
        add(total_matches_lines)
    if claim.frequency_code in ("7", "8"):
        add(frequency_code)
    member_id = claim.patient.member_id
    birth = claim.patient.birth_date
    if (birth is not None and (birth > first or birth < oldest_birth_date(first))) or (
        payer.requires_mbi and member_id and not mbi_is_valid(member_id)
    ):
        add(patient)
    if x12_suspect(claim):
        add(fits_an_837p)
    npis = [claim.billing_provider_npi, claim.rendering_provider_npi, claim.referring_provider_npi]
    npis += [line.referring_provider_npi for line in lines if line.referring_provider_npi is not None]
    if not npis_valid(tuple(npi for npi in npis if npi is not None)):
        add(providers)
    icd = ctx.icd
    if not icd.always_ok.issuperset(dx) and not icd.all_ok(list(dx), first):
        add(diagnoses_valid)
    if enc is None:
        if needs_doc:
            add(encounter_policy)
    elif (
        (enc.diagnoses and not set(enc.diagnoses).issuperset(dx))
        or (needs_doc and not enc.diagnoses and not enc.symptoms)
        or (claim.patient_key and enc.patient_key != claim.patient_key)
    ):
        add(diagnoses_documented)
    if (payer.filing_deadline(first) - as_of).days <= pack.conventions.timely_filing_warning_days:
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
    any date, leaving out a global with its own component (the pairs ``ncci_pairs`` skips)."""
    ptp = pack.cms.ptp
    if not ptp:
        return False
    for code in codes:
        for other in others:
            if other != code and ptp.pair_exists(other, code) and not pack.same_family(other, code):
                return True
    return False
