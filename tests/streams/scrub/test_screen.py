"""The screen never hides a finding: every checker that fires was named, and the screened engine
says exactly what the engine asking every checker says."""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schemas import ClaimSubmitted, Encounter, ScrubbableClaim, read_claim
from schemas.ids import derived_event_id
from streams.scrub import HistoryEntry, Scrubber
from streams.scrub.context import ClaimFacts, ScrubContext
from streams.scrub.engine import plan, render, run_rules
from streams.scrub.registry import CHECKERS, NEEDS, Finding, facts_flags
from streams.scrub.rules.claim_format import examine
from streams.scrub.screen import SCREENED
from streams.trends.windows import LearnedRate, diagnosis_key
from tests.builders import VALID_NPIS, claim_dict, encounter_dict, line
from tests.streams.scrub.helpers import MODIFIERS, PAYERS, PROCEDURE_CODES

CODES, MODS = PROCEDURE_CODES, MODIFIERS
DX = [
    "R07.9",
    "I10",
    "I48.91",
    "I48.92",
    "Z00.00",
    "Z01.810",
    "I47.1",
    "M54.50",
    "R00.2",
    "R07.99",
    "Z13.6",
    "RO7.9",
]
NPIS = [*VALID_NPIS[:3], "1234567890", "155859879"]  # the last two: a failed check digit, 9 digits
BASE = date(2025, 6, 1)


def checkers_that_fire(claim: ScrubbableClaim, ctx: ScrubContext) -> set[str]:
    facts = ClaimFacts(claim, ctx.pack)
    flags = facts_flags(facts, ctx)
    return {c.__name__ for c in CHECKERS if NEEDS[c] <= flags and list(c(facts, ctx))}


def workable(claim: ClaimSubmitted) -> ScrubbableClaim | None:
    """The claim the rules see (a lenient claim after the format step), or None if it is held there."""
    if isinstance(claim, ScrubbableClaim):
        return claim
    return examine(claim)[1]


@st.composite
def cases(draw: st.DrawFn) -> tuple[ClaimSubmitted, Encounter | None, list[HistoryEntry], date]:
    """A claim with neighbours that make checkers fire: history on the same days with the same
    codes, payers and providers; an encounter that may disagree; dates around the deadlines."""
    days = [BASE + timedelta(days=draw(st.integers(0, 3))) for _ in range(2)]
    dx = draw(st.lists(st.sampled_from(DX), min_size=1, max_size=4, unique=True))
    payer = draw(st.sampled_from(PAYERS))
    rendering = draw(st.sampled_from(NPIS))

    def lines() -> list[dict[str, Any]]:
        out = []
        for n in range(1, draw(st.integers(1, 4)) + 1):
            out.append(
                line(
                    n,
                    draw(st.sampled_from(CODES)),
                    modifiers=draw(st.lists(st.sampled_from(MODS), max_size=2, unique=True)),
                    units=draw(st.integers(1, 4)),
                    charge=draw(st.sampled_from(["0.00", "45.00", "120.50"])),
                    service_date=draw(st.sampled_from(days)),
                    pointers=draw(st.lists(st.integers(1, 5), max_size=3)),
                )
            )
        return out

    claim_lines = lines()
    total = sum(Decimal(ln["charge"]) for ln in claim_lines)
    claim = read_claim(
        claim_dict(
            claim_id="C-NOW",
            encounter_id=draw(st.sampled_from(["ENC-0001", "ENC-0002", None])),
            diagnoses=dx,
            lines=claim_lines,
            total_charge=str(total + draw(st.sampled_from([Decimal(0), Decimal(0), Decimal("5.00")]))),
            payer=payer,
            rendering_provider_npi=rendering,
            billing_provider_npi=draw(st.sampled_from(NPIS)),
            referring_provider_npi=draw(st.none() | st.sampled_from(NPIS)),
            place_of_service=draw(st.sampled_from(["11", "19", "21", "22", "23", "31", "32", "51"])),
            frequency_code=draw(st.sampled_from(["1", "1", "7", "8"])),
            original_claim_number=draw(st.none() | st.just("PCN-1")),
            replaces_claim_id=draw(st.none() | st.just("C-0")),
            prior_authorization=draw(st.none() | st.just("AUTH-1") | st.just("AUTH-" + "9" * 50)),
            patient={
                "member_id": draw(st.sampled_from(["1EG4TE5MK73", "XJK123456789", "1EG4TE5MK7"])),
                "first_name": "TEST",
                # an accent is written without it; a delimiter cannot be written at all
                "last_name": draw(st.sampled_from(["PATIENT", "PATIENT", "MÜLLER", "O*BRIEN"])),
                "birth_date": draw(st.sampled_from(["1950-04-01", (BASE + timedelta(days=2)).isoformat()])),
                "sex": "F",
            },
        )
    )
    history: list[HistoryEntry] = []
    for i in range(draw(st.integers(0, 4))):
        earlier = read_claim(
            claim_dict(
                claim_id=draw(st.sampled_from([f"C-{i}", "C-NOW"])),
                encounter_id=draw(st.sampled_from(["ENC-0001", "ENC-0002", None])),
                diagnoses=["R07.9"],
                lines=lines(),
                payer=draw(st.sampled_from([payer, *PAYERS[:2]])),
                rendering_provider_npi=draw(st.sampled_from([rendering, NPIS[0], NPIS[2]])),
            )
        )
        history.extend(HistoryEntry.from_claim(earlier))
    encounter = None
    if draw(st.booleans()):
        fields: dict[str, Any] = {
            "service_date": draw(st.sampled_from(days)).isoformat(),
            "diagnoses": draw(st.lists(st.sampled_from(DX[:-1]), max_size=4, unique=True)),
        }
        if draw(st.booleans()):
            fields["ecg"] = None
        else:
            fields["ecg_fields"] = {
                "tracing_recorded": draw(st.booleans()),
                "interpretation_documented": draw(st.booleans()),
                "report_signed": draw(st.booleans()),
                "interpreting_provider_npi": draw(st.sampled_from([None, NPIS[1], NPIS[2]])),
                "repeat_count": draw(st.integers(1, 2)),
            }
        encounter = Encounter.model_validate(encounter_dict(**fields))
    as_of = BASE + timedelta(days=draw(st.sampled_from([-1, 5, 300, 340, 366, 800])))
    return claim, encounter, history, as_of


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    case=cases(),
    learn=st.sampled_from(["none", "this claim", "other diagnoses"]),
    rate=st.sampled_from([1, 6, 15]),
)
def test_the_screen_names_every_checker_that_fires(
    scrubber: Scrubber,
    case: tuple[ClaimSubmitted, Encounter | None, list[HistoryEntry], date],
    learn: str,
    rate: int,
) -> None:
    claim, encounter, history, as_of = case
    learned = None
    if learn != "none":
        keys = []
        for ln in claim.lines:
            pointed = [
                claim.diagnoses[p - 1] for p in ln.diagnosis_pointers if 1 <= p <= len(claim.diagnoses)
            ]
            dx = pointed if learn == "this claim" else ["Z99.89"]
            keys.append(diagnosis_key(claim.payer.payer_id, ln.procedure_code, dx))
        learned = _Learned(*keys)
        learned.rates = {k: LearnedRate(20, rate, 30, ["CO-11"]) for k in keys}
    ctx = scrubber.context(claim, as_of, encounter, history, learned=learned)
    seen = workable(claim)
    if seen is not None:
        named = {c.__name__ for c in plan(seen, ctx)}
        assert checkers_that_fire(seen, ctx) <= named
    assert run_rules(claim, ctx, screen=True) == run_rules(claim, ctx, screen=False)


def test_screened_and_unscreened_engines_agree_on_the_simulator_mix(scrubber: Scrubber) -> None:
    """Three thousand simulated claims with their encounters and growing patient histories, on the
    day they were made and a year later (timely filing)."""
    from streams.dev.sim.generator import generate

    cases = generate(3000, seed=5)
    history: dict[str, list[HistoryEntry]] = defaultdict(list)
    fired: set[str] = set()
    for case in cases:
        claim = read_claim(case.claim)
        encounter = Encounter.model_validate(case.encounter)
        for as_of in (
            claim.lines[0].service_date + timedelta(days=3),
            claim.lines[0].service_date + timedelta(days=360),
        ):
            ctx = scrubber.context(claim, as_of, encounter, tuple(history[claim.patient_key]))
            screened = run_rules(claim, ctx, screen=True)
            assert screened == run_rules(claim, ctx, screen=False), claim.claim_id
            fired.update(e.rule_id for e in screened)
        history[claim.patient_key].extend(HistoryEntry.from_claim(claim))
    assert len(fired) >= 15  # the mix exercised most rules, not just the clean path


def test_every_checker_is_screened_or_always_run() -> None:
    assert set(CHECKERS) >= SCREENED
    claim = read_claim(claim_dict())
    assert isinstance(claim, ScrubbableClaim)
    ctx = Scrubber.load().context(claim, BASE)
    unscreened = [c for c in CHECKERS if c not in SCREENED]
    assert set(unscreened) <= set(plan(claim, ctx))


def test_a_clean_claim_asks_no_checker(scrubber: Scrubber) -> None:
    claim = read_claim(claim_dict())
    assert isinstance(claim, ScrubbableClaim)
    ctx = scrubber.context(
        claim, claim.lines[0].service_date + timedelta(days=2), Encounter.model_validate(encounter_dict())
    )
    assert list(plan(claim, ctx)) == []
    assert list(plan(claim, ctx, screen=False)) == CHECKERS


def test_rendered_edits_are_reused_only_when_the_words_would_be_the_same(scrubber: Scrubber) -> None:
    pack = scrubber.pack
    first = render(
        pack, Finding("CLAIM_TOTAL_MISMATCH", None, {"total": Decimal("100.0"), "lines_total": Decimal("90")})
    )
    second = render(
        pack,
        Finding("CLAIM_TOTAL_MISMATCH", None, {"total": Decimal("100.00"), "lines_total": Decimal("90")}),
    )
    assert first is not None and second is not None
    assert "100.0" in first.message and "100.00" in second.message  # equal Decimals, different words
    a = render(pack, Finding("PROVIDER_NPI_INVALID", None, {"role": "billing"}))
    b = render(pack, Finding("PROVIDER_NPI_INVALID", None, {"role": "billing"}))
    c = render(pack, Finding("PROVIDER_NPI_INVALID", None, {"role": "rendering"}))
    assert a is b and a != c


def test_derived_event_ids_are_ordinary_uuids() -> None:
    cause = uuid.uuid4()
    derived = derived_event_id(cause, "scrub_result")
    assert derived == uuid.UUID(int=derived.int) and hash(derived) == hash(uuid.UUID(int=derived.int))
    assert str(derived) == str(uuid.UUID(int=derived.int)) and derived.is_safe == uuid.SafeUUID.unknown
    assert derived == derived_event_id(cause, "scrub_result") != derived_event_id(cause, "claim_ready")


class _Learned:
    """A learned-rates lookup as the worker passes it: by ``payer|code|dx`` and ``covers``."""

    def __init__(self, *keys: str):
        self.rates = {key: LearnedRate(20, 6, 30, ["CO-11"]) for key in keys}

    def __call__(self, key: str) -> LearnedRate | None:
        return self.rates.get(key)

    def covers(self, payer_id: str, code: str) -> bool:
        return any(key.startswith(f"{payer_id}|{code}|") for key in self.rates)


def test_the_learned_rates_are_asked_only_where_something_was_learned(scrubber: Scrubber) -> None:
    from streams.scrub.rules.denial_risk import learned_denial_risk

    claim = read_claim(claim_dict())  # Medicare 93000 for R07.9
    assert isinstance(claim, ScrubbableClaim)
    enc = Encounter.model_validate(encounter_dict())
    on = claim.lines[0].service_date + timedelta(days=2)

    def asked(learned: Any) -> bool:
        return learned_denial_risk in plan(claim, scrubber.context(claim, on, enc, learned=learned))

    assert not asked(_Learned())
    assert not asked(_Learned("MCR-JH|93010|R07.9"))  # another code
    assert not asked(_Learned("MCR-JH|93000|I10"))  # this code, other diagnoses
    assert asked(_Learned("MCR-JH|93000|R07.9"))
    assert asked(lambda key: None)  # a lookup that cannot say where it learned: always asked
