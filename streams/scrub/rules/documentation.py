"""component and documentation: does the record show the parts of the ECG that are billed?"""

from __future__ import annotations

from collections.abc import Iterator

from streams.scrub.context import ClaimFacts, ScrubContext
from streams.scrub.rules import Finding, checks


@checks(
    "DOC_ENCOUNTER_MISSING",
    "DOC_NO_ECG_RECORD",
    "COMPONENT_GLOBAL_TRACING_ONLY",
    "COMPONENT_GLOBAL_INTERPRETATION_ONLY",
    "COMPONENT_TRACING_NOT_DOCUMENTED",
    "COMPONENT_INTERPRETATION_NOT_DOCUMENTED",
    "DOC_REPORT_UNSIGNED",
)
def ecg_components(facts: ClaimFacts, ctx: ScrubContext) -> Iterator[Finding]:
    pack = ctx.pack
    codes = pack.spec.codes
    ecg_lines = [
        line
        for line in facts.claim.lines
        if (info := codes.get(line.procedure_code)) is not None and info.needs_ecg_documentation
    ]
    if not ecg_lines:
        return
    enc = ctx.encounter
    if enc is None:
        yield Finding("DOC_ENCOUNTER_MISSING", None, {"encounter_id": facts.claim.encounter_id or "(none)"})
        return
    ecg = enc.ecg
    for line in ecg_lines:
        n, code = line.line_number, line.procedure_code
        base = {"line": n, "code": code}
        if ecg is None:
            yield Finding("DOC_NO_ECG_RECORD", n, base)
            continue
        part = codes[code].part
        if part == "global":
            if ecg.tracing_recorded and not ecg.interpretation_documented:
                yield Finding(
                    "COMPONENT_GLOBAL_TRACING_ONLY",
                    n,
                    {**base, "technical": pack.part_code(code, "technical") or "the tracing code"},
                )
            elif ecg.interpretation_documented and not ecg.tracing_recorded:
                yield Finding(
                    "COMPONENT_GLOBAL_INTERPRETATION_ONLY",
                    n,
                    {
                        **base,
                        "professional": pack.part_code(code, "professional") or "the interpretation code",
                    },
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


@checks("DOC_DIAGNOSIS_NOT_IN_RECORD", needs=("encounter",))
def diagnoses_documented(facts: ClaimFacts, ctx: ScrubContext) -> Iterator[Finding]:
    enc = ctx.encounter
    if enc is None or not enc.diagnoses:
        return
    documented = set(enc.diagnoses)
    for dx in facts.claim.diagnoses:
        if dx not in documented:
            yield Finding("DOC_DIAGNOSIS_NOT_IN_RECORD", None, {"dx": dx})
