"""documentation and component: is there a record to check, and does it show what is billed?

The encounter policy (data: ``conventions.require_encounter`` in the core pack, a payer profile's
``require_encounter``): a claim that references **no** encounter cannot have its documentation
verified — a warning by default, an error where the pack or the payer asks for the encounter. A
claim that references an encounter that never arrived is a real gap (error). Without a clinical
feed at all (an offline scrub given no encounters), a referenced encounter is unverified, not
missing.

The ECG record (``Encounter.ecg``) shows a tracing, a physician interpretation and a signed report;
each maps to a part of the test (PC/TC indicator from the fee schedule): the global needs all of
them, the technical code the tracing, the professional code the interpretation and the report.
"""

from __future__ import annotations

from collections.abc import Iterator

from schemas.codes import looks_like_icd10
from streams.scrub.context import ClaimFacts, ScrubContext
from streams.scrub.registry import Finding, checks
from streams.scrub.rules.place_of_service import is_pos_code


@checks("DOC_NOT_VERIFIED", "DOC_NO_ENCOUNTER_FEED", "DOC_ENCOUNTER_REQUIRED", "DOC_ENCOUNTER_MISSING")
def encounter_policy(facts: ClaimFacts, ctx: ScrubContext) -> Iterator[Finding]:
    if ctx.encounter is not None:
        return
    pack = ctx.pack
    documented = sorted(
        {line.procedure_code for line in facts.claim.lines if pack.needs_documentation(line.procedure_code)}
    )
    if not documented:
        return
    claim, payer = facts.claim, ctx.payer
    codes = ", ".join(documented)
    if payer.require_encounter is not None:
        required = payer.require_encounter
        policy = f"payer profile {payer.payer_id}: require_encounter"
    else:
        required = pack.conventions.require_encounter
        policy = "rule pack conventions: require_encounter"
    if claim.encounter_id is None:
        if required:
            yield Finding(
                "DOC_ENCOUNTER_REQUIRED", None, {"codes": codes, "payer": payer.name, "policy": policy}
            )
        else:
            yield Finding("DOC_NOT_VERIFIED", None, {"codes": codes})
    elif ctx.encounter_feed:
        yield Finding("DOC_ENCOUNTER_MISSING", None, {"encounter_id": claim.encounter_id})
    elif required:
        yield Finding("DOC_ENCOUNTER_REQUIRED", None, {"codes": codes, "payer": payer.name, "policy": policy})
    else:
        yield Finding("DOC_NO_ENCOUNTER_FEED", None, {"codes": codes})


@checks(
    "DOC_NO_ECG_RECORD",
    "COMPONENT_GLOBAL_TRACING_ONLY",
    "COMPONENT_GLOBAL_INTERPRETATION_ONLY",
    "COMPONENT_TRACING_NOT_DOCUMENTED",
    "COMPONENT_INTERPRETATION_NOT_DOCUMENTED",
    "DOC_REPORT_UNSIGNED",
    needs=("encounter",),
)
def ecg_components(facts: ClaimFacts, ctx: ScrubContext) -> Iterator[Finding]:
    enc = ctx.encounter
    if enc is None:
        return
    pack = ctx.pack
    cms = pack.cms
    ecg = enc.ecg
    for line, part in zip(facts.claim.lines, facts.parts, strict=True):
        code = line.procedure_code
        if not pack.needs_documentation(code):
            continue
        n = line.line_number
        base = {"line": n, "code": code}
        if ecg is None:
            yield Finding("DOC_NO_ECG_RECORD", n, base)
            continue
        if part == "global":
            if ecg.tracing_recorded and not ecg.interpretation_documented:
                technical = cms.component_code(code, "technical") or "the tracing code"
                yield Finding("COMPONENT_GLOBAL_TRACING_ONLY", n, {**base, "technical": technical})
            elif ecg.interpretation_documented and not ecg.tracing_recorded:
                professional = cms.component_code(code, "professional") or "the interpretation code"
                yield Finding(
                    "COMPONENT_GLOBAL_INTERPRETATION_ONLY", n, {**base, "professional": professional}
                )
            elif not ecg.tracing_recorded and not ecg.interpretation_documented:
                yield Finding("DOC_NO_ECG_RECORD", n, base)
                continue
        elif part == "technical" and not ecg.tracing_recorded:
            yield Finding("COMPONENT_TRACING_NOT_DOCUMENTED", n, base)
        elif part == "professional" and not ecg.interpretation_documented:
            yield Finding("COMPONENT_INTERPRETATION_NOT_DOCUMENTED", n, base)
        if part in ("global", "professional") and ecg.interpretation_documented and not ecg.report_signed:
            yield Finding("DOC_REPORT_UNSIGNED", n, base)


@checks(
    "DOC_DIAGNOSIS_NOT_IN_RECORD",
    "DOC_ENCOUNTER_OTHER_PATIENT",
    "DOC_NO_INDICATION_IN_RECORD",
    needs=("encounter",),
)
def diagnoses_documented(facts: ClaimFacts, ctx: ScrubContext) -> Iterator[Finding]:
    """The record documents this patient and why the test was done (reference §3: "symptoms /
    diagnosis ... present in the encounter"; §2: coverage needs documented signs or symptoms)."""
    enc = ctx.encounter
    if enc is None:
        return
    claim = facts.claim
    if claim.patient_key and enc.patient_key != claim.patient_key:
        # a mistyped encounter id: another patient's record documents nothing of this claim
        yield Finding("DOC_ENCOUNTER_OTHER_PATIENT", None, {"encounter": enc.encounter_id})
        return
    if not enc.diagnoses:
        if not enc.symptoms and any(ctx.pack.needs_documentation(ln.procedure_code) for ln in claim.lines):
            yield Finding("DOC_NO_INDICATION_IN_RECORD", None, {"encounter": enc.encounter_id})
        return
    documented = set(enc.diagnoses)
    for dx in facts.claim.diagnoses:
        if looks_like_icd10(dx) and dx not in documented:
            yield Finding("DOC_DIAGNOSIS_NOT_IN_RECORD", None, {"dx": dx})


@checks("CLAIM_ENCOUNTER_DATE_MISMATCH", needs=("encounter",))
def encounter_date(facts: ClaimFacts, ctx: ScrubContext) -> Iterator[Finding]:
    enc = ctx.encounter
    if enc is None:
        return
    for line in facts.claim.lines:
        if ctx.pack.needs_documentation(line.procedure_code) and line.service_date != enc.service_date:
            yield Finding(
                "CLAIM_ENCOUNTER_DATE_MISMATCH",
                line.line_number,
                {
                    "line": line.line_number,
                    "line_date": line.service_date,
                    "encounter_date": enc.service_date,
                },
            )


@checks("CLAIM_ENCOUNTER_POS_MISMATCH", needs=("encounter",))
def encounter_place(facts: ClaimFacts, ctx: ScrubContext) -> Iterator[Finding]:
    """The record says where the service was performed: a line billed elsewhere is a typo or the
    wrong encounter — and a facility's test billed at an office place of service is paid as a
    global the facility also bills (the place-of-service edits judge the claim's, not the
    record's)."""
    enc = ctx.encounter
    if enc is None:
        return
    claim, facility = facts.claim, ctx.pack.facility_pos
    for line in claim.lines:
        pos = claim.place_of_service_of(line)
        if (
            not ctx.pack.needs_documentation(line.procedure_code)
            or pos == enc.place_of_service
            or not is_pos_code(pos)  # CLAIM_POS_INVALID's, never repeated (it may be PHI)
        ):
            continue
        if enc.place_of_service in facility and pos not in facility:
            why = "a facility: the facility bills the tracing and the physician the interpretation"
        else:
            why = "where the record says the service was performed"
        yield Finding(
            "CLAIM_ENCOUNTER_POS_MISMATCH",
            line.line_number,
            {"line": line.line_number, "pos": pos, "encounter_pos": enc.place_of_service, "why": why},
        )


@checks("PROVIDER_INTERPRETER_MISMATCH", needs=("encounter",))
def interpreter(facts: ClaimFacts, ctx: ScrubContext) -> Iterator[Finding]:
    enc = ctx.encounter
    reader = enc.ecg.interpreting_provider_npi if enc is not None and enc.ecg is not None else None
    if reader is None:
        return
    for line, part in zip(facts.claim.lines, facts.parts, strict=True):
        rendering = facts.provider_of(line)
        if not rendering or reader == rendering:
            continue  # no rendering NPI at all: PROVIDER_NPI_MISSING says so
        if part in ("global", "professional") and ctx.pack.needs_documentation(line.procedure_code):
            yield Finding(
                "PROVIDER_INTERPRETER_MISMATCH",
                line.line_number,
                {"line": line.line_number, "code": line.procedure_code},
            )


@checks("MOD_REPEAT_UNDOCUMENTED", needs=("modifiers", "encounter"))
def repeat_documented(facts: ClaimFacts, ctx: ScrubContext) -> Iterator[Finding]:
    """76/77 on a line the record does not document as a repeat: its encounter documents fewer
    ECGs that day than are billed against it (this claim's lines of the test, and other claims'
    lines from the same encounter), or there is no other ECG that day at all. An ECG is one test
    whatever code billed it: the IPPE's screening ECG (G0403–G0405) counts as the day's first
    ECG for a 76 on 93000–93010 (``RulePack.same_test``)."""
    enc = ctx.encounter
    pack = ctx.pack
    if enc is None or enc.ecg is None:
        return
    if not (facts.all_mods & pack.repeat_modifiers):
        return
    claim = facts.claim
    documented = enc.ecg.repeat_count
    for line, mods in zip(claim.lines, facts.mods, strict=True):
        used = mods & pack.repeat_modifiers
        if not used or not pack.needs_documentation(line.procedure_code):
            continue
        day = line.service_date
        code = line.procedure_code
        # a second physician's read (77) of an interpretation reads the same tracing again
        # (reference §1: "a second read … needs 77 and documented unusual circumstances"): the
        # first read — on another claim, or another provider's line of this one — does not use
        # up one of the record's ECGs
        second_read = "77" in used and pack.cms.part(line.procedure_code, mods) == "professional"
        npi = facts.provider_of(line)
        here = sum(
            1
            for other in claim.lines
            if other.service_date == day
            and pack.same_test(code, other.procedure_code)
            and not (second_read and facts.provider_of(other) != npi)
        )
        earlier = [
            h for h in ctx.same_day_history(claim, day, None) if pack.same_test(code, h.procedure_code)
        ]
        same_record = sum(
            1
            for h in earlier
            if claim.encounter_id is not None
            and h.encounter_id == claim.encounter_id
            and not (second_read and h.rendering_provider_npi != npi)
        )
        # the record documents the repeat (more than one ECG that day): the first may be billed
        # where claimflow does not see it. So may another physician's first ECG behind a 77 (its
        # claim may come later, or through another billing office): this record's own ECG is
        # the repeat, and one documented is enough
        if here + same_record <= documented and (here > 1 or earlier or documented > 1 or "77" in used):
            continue
        for mod in sorted(used):
            yield Finding(
                "MOD_REPEAT_UNDOCUMENTED", line.line_number, {"modifier": mod, "line": line.line_number}
            )
