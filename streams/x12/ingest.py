"""A file of interchanges → verdicts, events and acknowledgments (the CLI and the ``x12-inbound``
agent share this).

Each interchange of a file is read on its own (``segments.read``): one that cannot be read as an
interchange is rejected with a TA1 and the others go on. Each functional group is checked against
its own guide (``validation``): 837P, 835 and 277CA groups are read; 999/997 groups are
recognised and read for what they say about the sets they acknowledge (``ack_received``: a
clearinghouse's 999 rejecting claimflow's 837P), never acknowledged themselves; anything else is
refused with a message naming what it is. Each transaction set the guide accepts is mapped to
events, and every event is validated against its contract: an event the contract refuses is
reported on its own (and dead-lettered by the caller) while the others go on. The 999 says
exactly that: AK9 A (accepted), E (accepted, with refused items noted), P (some transaction sets
rejected), R (rejected).
"""

from __future__ import annotations

import gc
import json
import multiprocessing
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from pydantic import ValidationError

from schemas import ClaimStatus, ClaimSubmitted, Denial, Envelope, ProviderAdjustment, read_claim
from schemas.codec import describe_validation_error, encode
from schemas.topics import Topic
from streams.x12.ack import NO_ERROR, SetVerdict, ack_999, ack_ta1, acknowledges
from streams.x12.ack277 import statuses_from_277ca
from streams.x12.ack_received import SetAcknowledged, read_acknowledgment
from streams.x12.claim837 import REFUSED, claims_from_837p
from streams.x12.context import GroupRejected, SetView
from streams.x12.guide import GUIDES
from streams.x12.remit835 import remittances_from_835
from streams.x12.segments import EnvelopeFailure, Interchange, read
from streams.x12.tolerance import read_past_all
from streams.x12.validation import GroupResult, InterchangeResult, SetResult, set_alone, validate

Verdict = Literal["accepted", "partly accepted", "rejected", "skipped"]
#: how many problems of one transaction set are listed (the 999 has them all)
MAX_PROBLEMS = 20
READS = ", ".join(f"{name} ({version})" for version, (name, _, _) in GUIDES.items())


class Routed:
    """One event and where it goes: logical topic, key, and the event as it goes on the bus.

    Kept encoded (a 16,000-claim file's events as models would hold ~90 MB; as bytes ~20 MB);
    ``event`` reads it back into its contract when someone asks."""

    __slots__ = ("_event", "key", "model", "payload", "topic")

    def __init__(self, topic: Topic, key: str, event: Envelope):
        self.topic = topic
        self.key = key
        self.payload = encode(event)
        self.model = type(event)
        self._event: Envelope | None = None

    @property
    def event(self) -> Envelope:
        if self._event is None:
            if issubclass(self.model, ClaimSubmitted):
                self._event = read_claim(self.payload)
            else:
                self._event = self.model.model_validate_json(self.payload)
        return self._event

    def __repr__(self) -> str:
        return f"<Routed {self.model.__name__} to {self.topic}>"


@dataclass(frozen=True)
class Refusal:
    """An item of an accepted transaction set that its contract refused."""

    transaction: str  # 837P, 835, 277CA
    item: str  # "claim X12-CLM-001" (claim ids are not PHI)
    reason: str
    payload: bytes  # the mapped event, for the dead letter


@dataclass
class InterchangeOutcome:
    number: int  # position of the interchange in the file, from 1
    verdict: Verdict
    transactions: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # why something was rejected: actionable
    notes: list[str] = field(default_factory=list)  # what was skipped or left out, and why
    events: list[Routed] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)
    ack: str | None = None
    ack_kind: Literal["999", "TA1"] | None = None
    #: a TA1 accepting the interchange, beside its 999, when its ISA14 asks for one ("1")
    ta1: str | None = None
    #: what the 999/997 groups of the interchange say about the sets they acknowledge
    acknowledged: list[SetAcknowledged] = field(default_factory=list)
    #: a payer's 277CA rejections of whole batches or providers' claims (no claim named)
    groups_rejected: list[GroupRejected] = field(default_factory=list)


@dataclass
class IngestResult:
    interchanges: list[InterchangeOutcome]

    @property
    def verdict(self) -> Verdict:
        verdicts = {i.verdict for i in self.interchanges if i.verdict != "skipped"}
        refused = any(i.refused for i in self.interchanges)
        if not verdicts:
            return "skipped"
        if verdicts == {"accepted"}:
            return "partly accepted" if refused else "accepted"
        if verdicts == {"rejected"}:
            return "rejected"
        return "partly accepted"

    @property
    def accepted(self) -> bool:
        """Nothing in the file was rejected or refused."""
        return self.verdict in ("accepted", "skipped")

    @property
    def events(self) -> list[Routed]:
        return [e for i in self.interchanges for e in i.events]

    @property
    def acknowledged(self) -> list[SetAcknowledged]:
        """The transaction sets the file's 999/997 groups acknowledge (sets sent elsewhere)."""
        return [a for i in self.interchanges for a in i.acknowledged]

    @property
    def groups_rejected(self) -> list[GroupRejected]:
        """The payer's rejections of whole batches or providers' claims (277CA above the claim)."""
        return [g for i in self.interchanges for g in i.groups_rejected]

    @property
    def refused(self) -> list[Refusal]:
        return [r for i in self.interchanges for r in i.refused]

    @property
    def problems(self) -> list[str]:
        many = len(self.interchanges) > 1
        return [f"interchange {i.number}: {p}" if many else p for i in self.interchanges for p in i.problems]

    @property
    def notes(self) -> list[str]:
        many = len(self.interchanges) > 1
        return [f"interchange {i.number}: {n}" if many else n for i in self.interchanges for n in i.notes]

    @property
    def transaction(self) -> str:
        names = list(dict.fromkeys(t for i in self.interchanges for t in i.transactions))
        return "+".join(names) or "unknown"

    def acks(self, kind: Literal["999", "TA1"]) -> str:
        """Every acknowledgment of that kind for the file, one interchange after the other."""
        if kind == "TA1":
            return "".join(i.ack if i.ack_kind == "TA1" else i.ta1 or "" for i in self.interchanges if i.ack)
        return "".join(i.ack for i in self.interchanges if i.ack and i.ack_kind == kind)

    def summary(self) -> str:
        counts: dict[str, int] = {}
        for routed in self.events:
            kind = str(routed.model.model_fields["event_type"].default)
            counts[kind] = counts.get(kind, 0) + 1
        events = ", ".join(f"{n} {kind}" for kind, n in sorted(counts.items())) or "no events"
        refused = f", {len(self.refused)} refused by the contracts" if self.refused else ""
        verdict = self.verdict
        if verdict == "rejected":
            return f"{self.transaction}: rejected"
        if verdict == "skipped":
            return f"{self.transaction}: skipped (nothing to ingest)"
        return f"{self.transaction}: {verdict}, {events}{refused}"


# ------------------------------------------------------------------------------------ mapping


Mapper = Callable[[SetView, bytes], list[dict[str, Any]]]
MAPPERS: dict[str, Mapper] = {
    "837P": claims_from_837p,
    "835": lambda view, _secret: remittances_from_835(view),
    "277CA": lambda view, _secret: statuses_from_277ca(view),
}


def route(raw: dict[str, Any]) -> Routed:
    """The event in ``raw`` validated against its contract (raises ``ValidationError``)."""
    kind = raw.get("event_type")
    if kind == "denial":
        denial = Denial.model_validate(raw)
        return Routed(Topic.CLAIM_DENIALS, denial.claim_id, denial)
    if kind == "claim_status":
        status = ClaimStatus.model_validate(raw)
        return Routed(Topic.CLAIM_STATUS, status.claim_id, status)
    if kind == "provider_adjustment":
        plb = ProviderAdjustment.model_validate(raw)
        return Routed(Topic.PROVIDER_ADJUSTMENTS, plb.provider_id, plb)
    claim = read_claim(raw)
    return Routed(Topic.CLAIMS_SUBMITTED, claim.patient_key or claim.claim_id, claim)


def _item(transaction: str, raw: dict[str, Any]) -> str:
    if raw.get("event_type") == "provider_adjustment":
        return "a provider-level adjustment (PLB)"
    what = "claim" if transaction == "837P" else f"{transaction} answer for claim"
    return f"{what} {raw.get('claim_id') or '(no id)'}"


def _where(group: GroupResult, gi: int, st: SetResult | None = None) -> str:
    label = f"group {gi + 1} ({group.transaction}, GS06 {group.control or '?'})"
    return f"{label}, transaction set {st.control or '?'}" if st is not None else label


@dataclass
class SetOutput:
    """What mapping one accepted transaction set gave."""

    code: str  # A (every item taken), E (some refused by the contracts), R (the mapping failed)
    events: list[Routed] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    groups_rejected: list[GroupRejected] = field(default_factory=list)


def _map(view: SetView, transaction: str, secret: bytes) -> SetOutput:
    try:
        raws = MAPPERS[transaction](view, secret)
    except Exception as exc:  # a claimflow defect: the set is not taken, the file goes on
        return SetOutput(
            "R", problems=[f"claimflow could not map it ({type(exc).__name__}); nothing was taken"]
        )
    out = SetOutput("A", notes=list(dict.fromkeys(view.notes)), groups_rejected=list(view.groups_rejected))
    for raw in raws:
        refused = raw.pop(REFUSED, None) if isinstance(raw, dict) else None
        if refused is not None:
            payload = json.dumps(raw, default=str).encode()
            out.refused.append(Refusal(transaction, _item(transaction, raw), refused, payload))
            continue
        if view.not_taken is not None:
            payload = json.dumps(raw, default=str).encode()
            out.refused.append(Refusal(transaction, _item(transaction, raw), view.not_taken, payload))
            continue
        try:
            out.events.append(route(raw))
        except ValidationError as exc:
            payload = json.dumps(raw, default=str).encode()
            out.refused.append(
                Refusal(transaction, _item(transaction, raw), describe_validation_error(exc), payload)
            )
    if out.refused:
        out.code = "E"
    return out


# ----------------------------------------------------------------------------- set by set, in parallel

#: an interchange at least this long is checked and mapped set by set in worker processes when the
#: caller allows several (the command does; the agent does not)
PARALLEL_SEGMENTS = 20_000
#: what the forked workers read (set before the pool forks: never pickled)
_SHARED: tuple[Interchange, bytes] | None = None


def _set_job(job: tuple[int, int, int, str, str]) -> tuple[SetResult, list[str], SetOutput | None]:
    """Check one set on its own and map it when accepted (runs in a worker process)."""
    gs, start, end, transaction, control = job
    assert _SHARED is not None
    interchange, secret = _SHARED
    alone, offset = set_alone(interchange, gs, start, end)
    result = validate(alone)
    read_past_all(result)
    (st,) = result.groups[0].sets
    output = None
    if not st.rejected:
        output = _map(SetView(alone, result.loops, st.start, st.end, control), transaction, secret)
    loops = result.loops[2 : 2 + end - start + 1]
    st.start, st.end = st.start + offset, st.end + offset
    return st, loops, output


def _can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


def _parallel(
    interchange: Interchange, result: InterchangeResult, secret: bytes, workers: int
) -> dict[int, SetOutput | None]:
    """Check and map every set of the supported groups in ``workers`` forked processes; the sets'
    results and loops are merged into ``result``. Returns each set's output by ``id`` of its result."""
    global _SHARED
    todo = [
        (group, st)
        for group in result.groups
        if group.supported
        for st in group.sets
        if not any(code in ("1", "6") for code, _ in st.codes)
    ]
    outputs: dict[int, SetOutput | None] = {}
    if not todo:
        return outputs
    jobs = [(group.start, st.start, st.end, group.transaction, group.control) for group, st in todo]
    _SHARED = (interchange, secret)
    try:
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=min(workers, len(jobs)), mp_context=context) as pool:
            done = list(pool.map(_set_job, jobs))
    finally:
        _SHARED = None
    for (_group, st), (checked, loops, output) in zip(todo, done, strict=True):
        st.codes.extend(c for c in checked.codes if c not in st.codes)
        st.findings = checked.findings
        result.loops[st.start : st.start + len(loops)] = loops
        outputs[id(st)] = output
    return outputs


def _interchange(
    interchange: Interchange, text: str, secret: bytes, now: datetime | None, workers: int = 1
) -> InterchangeOutcome:
    parallel = workers > 1 and len(interchange) >= PARALLEL_SEGMENTS and _can_fork()
    result = validate(interchange, check_sets=not parallel)
    read_past_all(result)
    outputs = _parallel(interchange, result, secret, workers) if parallel and result.envelope_ok else {}
    outcome = InterchangeOutcome(interchange.number, "rejected")
    outcome.notes.extend(interchange.notes)
    outcome.transactions = list(dict.fromkeys(g.transaction for g in result.groups)) or ["empty interchange"]
    if not result.groups and result.ta1_segments:
        outcome.verdict, outcome.transactions = "skipped", ["TA1"]
        outcome.notes.append("an interchange acknowledgment (TA1): recognised and skipped")
        outcome.notes.extend(f"(in it: {message})" for _, message in result.codes)
        return outcome
    if not result.envelope_ok:
        outcome.problems.extend(f"interchange envelope: {message}" for _, message in result.codes)
        outcome.ack, outcome.ack_kind = ack_ta1(interchange.isa, result.codes[0][0], text, now), "TA1"
        return outcome
    verdicts: dict[int, list[SetVerdict]] = {}
    accepted = rejected = 0
    for gi, group in enumerate(result.groups):
        where = _where(group, gi)
        if group.skipped:
            outcome.notes.append(
                f"{where}: an acknowledgment, recognised and skipped (acknowledgments are not acknowledged)"
            )
            for st in group.sets:
                acks = read_acknowledgment(interchange.segment(i) for i in range(st.start, st.end + 1))
                outcome.acknowledged.extend(acks)
                rejected_sets = [a for a in acks if a.outcome == "rejected"]
                outcome.notes.extend(f"{where}: {a.describe()}" for a in rejected_sets)
                if len(acks) > len(rejected_sets):
                    outcome.notes.append(
                        f"{where}: {len(acks) - len(rejected_sets)} transaction sets acknowledged as accepted"
                    )
            continue
        if not group.supported:
            outcome.problems.append(
                f"{where}: {group.transaction} is not a transaction claimflow reads (it reads {READS})"
            )
            if not acknowledges(group):
                outcome.notes.append(f"{where}: not a health care group, so no 999 can acknowledge it")
            rejected += 1
            verdicts[gi] = [SetVerdict(st, "R") for st in group.sets]
            continue
        outcome.problems.extend(f"{where}: {p}" for p in group.problems())
        group_verdicts = []
        for st in group.sets:
            at = _where(group, gi, st)
            if group.codes or st.rejected:
                problems = st.problems()
                outcome.problems.extend(f"{at}: {p}" for p in problems[:MAX_PROBLEMS])
                if len(problems) > MAX_PROBLEMS:
                    outcome.problems.append(
                        f"{at}: ... and {len(problems) - MAX_PROBLEMS} more (see the 999)"
                    )
                if not group.codes and not problems:
                    outcome.problems.append(f"{at}: rejected by the guide")
                group_verdicts.append(SetVerdict(st, "R"))
                rejected += 1
                continue
            if parallel:
                output = outputs.get(id(st))
                assert output is not None
            else:
                view = SetView(interchange, result.loops, st.start, st.end, group.control)
                output = _map(view, group.transaction, secret)
            outcome.events.extend(output.events)
            outcome.refused.extend(output.refused)
            outcome.notes.extend(f"{at}: {note}" for note in output.notes)
            outcome.groups_rejected.extend(
                GroupRejected(g.level, f"{at}: {g.description}") for g in output.groups_rejected
            )
            # syntax errors that change nothing the set says: read, and noted in the 999 (IK5 E)
            noted = st.noted()
            outcome.notes.extend(f"{at}: {note} (read as if left out; noted in the 999)" for note in noted)
            outcome.problems.extend(f"{at}: {problem}" for problem in output.problems)
            group_verdicts.append(SetVerdict(st, "E" if noted and output.code == "A" else output.code))
            if output.code == "R":
                rejected += 1
            else:
                accepted += 1
        if not group.sets:
            outcome.problems.append(f"{where}: the group holds no transaction set")
            rejected += 1
        verdicts[gi] = group_verdicts
    outcome.ack = ack_999(result, verdicts, text, now)
    outcome.ack_kind = "999" if outcome.ack else None
    if outcome.ack and interchange.isa.get(14) == "1":  # ISA14: an interchange acknowledgment asked for
        outcome.ta1 = ack_ta1(interchange.isa, NO_ERROR, text, now)
    if accepted and (rejected or outcome.refused):
        outcome.verdict = "partly accepted"
    elif accepted:
        outcome.verdict = "accepted"
    elif rejected:
        outcome.verdict = "rejected"
    else:
        outcome.verdict = "skipped"
    return outcome


@contextmanager
def _gc_paused() -> Iterator[None]:
    """A file is hundreds of thousands of small lists: the cyclic collector would walk them again
    and again while they are made (three quarters of the reading time on a 5 MB file). Nothing
    here makes reference cycles worth collecting mid-file; collection resumes afterwards."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


#: TA105 025: duplicate interchange control number
DUPLICATE_INTERCHANGE = "025"


def ingest_text(text: str, secret: bytes, now: datetime | None = None, workers: int = 1) -> IngestResult:
    """Every interchange of a file: verdicts, events, refusals and acknowledgments. With
    ``workers`` > 1, a large interchange's transaction sets are checked and mapped in that many
    forked processes (same verdicts, same events, in the same order)."""
    with _gc_paused():
        return _ingest(text, secret, now, workers)


def _ingest(text: str, secret: bytes, now: datetime | None, workers: int) -> IngestResult:
    outcomes: list[InterchangeOutcome] = []
    #: (sender, ISA13) of the interchanges read: a control number a sender uses twice is a duplicate
    seen: set[tuple[str, str]] = set()
    for item in read(text):
        if isinstance(item, Interchange):
            key = (item.isa.get(6).strip(), item.isa.get(13))
            if key in seen:
                outcome = InterchangeOutcome(
                    item.number,
                    "rejected",
                    ["duplicate"],
                    [f"interchange control number {key[1]} of sender {key[0]} was already read in this file"],
                )
                outcome.ack, outcome.ack_kind = ack_ta1(item.isa, DUPLICATE_INTERCHANGE, text, now), "TA1"
                outcomes.append(outcome)
                continue
            seen.add(key)
        if isinstance(item, EnvelopeFailure):
            outcome = InterchangeOutcome(item.number, "rejected", ["unreadable"], [item.reason])
            if item.isa is not None:
                outcome.ack, outcome.ack_kind = ack_ta1(item.isa, item.ta1_code, text, now), "TA1"
            else:
                outcome.notes.append("no acknowledgment: the ISA that would address it could not be read")
            outcomes.append(outcome)
            continue
        outcomes.append(_interchange(item, text, secret, now, workers))
    return IngestResult(outcomes)
