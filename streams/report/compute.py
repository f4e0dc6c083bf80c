"""Figures of the audit report, computed from events (pure: dicts in, a ``Report`` out).

* clean-claim rate: original claims whose first scrub passed, per day of that scrub (each claim
  once: a claim held and scrubbed again after its fix counts as held);
* first-pass acceptance: original claims whose first decisive answer accepted them over original
  claims that received a first acknowledgment (one acknowledged only as received, A1, is not
  accepted), and first-pass resolution (paid on the first adjudication with no CO denial and no
  resubmission, over the claims decided), per day the claim was submitted — read from the
  tracker's state records (``claim-states``) when the input has them; an export without them is
  judged by the same definitions (``streams.lifecycle.first_pass``) from the payers' answers;
* claims by state (``claim-states``);
* denials: 835 adjustments that are denials (contractual write-downs and patient share are not),
  by group-CARC (Pareto) and by payer, with the amounts at stake;
* top scrub edits with their fixes; resubmission tasks by action and outcome (recovered when a
  later decision paid the claim, or its corrected claim); money at risk (what the tasks had at
  stake) and recovered (paid by a later decision net of reversals, at most each task's stake).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from schemas import Adjustment, Denial
from schemas.claim import RESPONSIBILITY_ORDER
from schemas.topics import Topic
from streams.denials import ReasonMap
from streams.denials.reasons import PREDETERMINATION, REVERSAL
from streams.lifecycle.events import from_denial
from streams.lifecycle.first_pass import Answer, FirstPass, first_pass, is_original
from streams.lifecycle.machine import FORWARDED, OWN_STEPS, PROCESSED_AS, STATUS_CATEGORY_STATE


def event_time(event: dict[str, Any]) -> datetime:
    """An event's ``occurred_at``, aware: with the offset it was written with, UTC when written
    without one (as the contracts read it — never the machine's own zone)."""
    at = datetime.fromisoformat(str(event["occurred_at"]).replace("Z", "+00:00"))
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at


def event_day(event: dict[str, Any]) -> date:
    """The sender's calendar day (the offset it wrote), as the scrubber and the tasks count days."""
    return event_time(event).date()


def _readable(event: dict[str, Any]) -> bool:
    """Whether the values the report computes with can be read (a date, amounts, adjustments):
    an event that cannot is left out and counted, never the end of the report."""
    try:
        event_time(event)
        for name in ("paid_amount", "charge_amount", "amount", "amount_at_stake"):
            if event.get(name) is not None:
                Decimal(str(event[name]))
        for adjustment in event.get("adjustments") or []:
            Adjustment.model_validate(adjustment)
    except (ValueError, TypeError, ArithmeticError, AttributeError):  # (ValidationError is a ValueError)
        return False
    return True


@dataclass
class Report:
    period_from: date
    period_to: date
    totals: dict[str, Any] = field(default_factory=dict)
    daily: list[dict[str, Any]] = field(default_factory=list)
    denials_by_reason: list[dict[str, Any]] = field(default_factory=list)
    denials_by_payer: list[dict[str, Any]] = field(default_factory=list)
    denials_by_category: list[dict[str, Any]] = field(default_factory=list)
    top_edits: list[dict[str, Any]] = field(default_factory=list)
    tasks: list[dict[str, Any]] = field(default_factory=list)
    trends: list[dict[str, Any]] = field(default_factory=list)
    dead_letters: dict[str, int] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["period_from"], out["period_to"] = self.period_from.isoformat(), self.period_to.isoformat()
        return out


#: what an edit's words may carry of one claim: its dates (of service, of birth: HIPAA identifiers)
#: and other claims' ids; the report's example shows the words without them
_DATES = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
#: a claim id after "claim": any token but a lower-case word ("this claim bills 1 unit" keeps its verb)
_CLAIM_IDS = re.compile(r"\b(claims?) (?![a-z]+\b)[A-Za-z0-9][\w./-]*")


def masked(message: str) -> str:
    """An edit's message with the claim's own values masked (the report holds no patient data)."""
    return _CLAIM_IDS.sub(r"\1 [claim]", _DATES.sub("[date]", message))


def compute(events: list[dict[str, Any]], period_from: date, period_to: date, reasons: ReasonMap) -> Report:
    report = Report(period_from, period_to)
    by_type: dict[str, list[dict[str, Any]]] = defaultdict(list)
    unreadable = 0
    for n, e in enumerate(events):
        if not e.get("occurred_at") or not e.get("event_type"):
            continue  # not an event (the contracts always carry both once validated)
        if not _readable(e):
            unreadable += 1
            continue
        e.setdefault("event_id", f"#{n}")
        by_type[e["event_type"]].append(e)

    # what each claim is: payer, submission day, original or not (claims-submitted, else scrubbing)
    payer_of: dict[str, str] = {}
    submitted_on: dict[str, date] = {}
    original: dict[str, bool] = {}
    for c in sorted(by_type["claim_submitted"], key=event_time):
        cid = c["claim_id"]
        # the claim's payer is its first submission's, as the tracker keeps it (the same claim id
        # billed on to a secondary payer stays the primary's claim)
        payer_of.setdefault(cid, (c.get("payer") or {}).get("payer_id", "unknown"))
        submitted_on.setdefault(cid, event_day(c))
        original.setdefault(cid, is_original(c.get("frequency_code"), c.get("replaces_claim_id")))
    # claimflow's own lifecycle steps make a claim known to the tracker, with its origin; claims a
    # practice's own system sent are known only so
    for step in sorted(by_type["lifecycle"], key=event_time):
        if step.get("stage") not in OWN_STEPS:
            continue
        cid = step["claim_id"]
        payer_of.setdefault(cid, step.get("payer_id", "unknown"))
        submitted_on.setdefault(cid, event_day(step))
        original.setdefault(cid, is_original(step.get("frequency_code"), step.get("replaces_claim_id")))
    for r in by_type["scrub_result"]:  # scrubbed, so known; an export without its claim: an original
        payer_of.setdefault(r["claim_id"], r["payer_id"])
        submitted_on.setdefault(r["claim_id"], event_day(r))
        original.setdefault(r["claim_id"], True)

    def in_period(d: date) -> bool:
        return period_from <= d <= period_to

    # clean-claim rate per day (reference §6: passing every edit with no manual touch): each
    # original claim once, on the day of its first scrub, by how that scrub went — a claim held,
    # fixed and scrubbed again is one claim, held; a replacement claim is a resubmission
    scrubbed: dict[date, Counter[str]] = defaultdict(Counter)
    first_scrub: dict[str, dict[str, Any]] = {}
    for r in sorted(by_type["scrub_result"], key=event_time):
        if original.get(r["claim_id"], True):
            first_scrub.setdefault(r["claim_id"], r)
    for r in first_scrub.values():
        if in_period(d := event_day(r)):
            scrubbed[d][r["status"]] += 1
    # the edits: every scrub's (a held claim's edits count again if they fire again)
    edit_counts: Counter[str] = Counter()
    edit_info: dict[str, dict[str, Any]] = {}
    seen_results: set[str] = set()
    for r in by_type["scrub_result"]:
        if not in_period(event_day(r)) or r["event_id"] in seen_results:
            continue
        seen_results.add(r["event_id"])
        for edit in r.get("edits", []):
            edit_counts[edit["rule_id"]] += 1
            edit_info.setdefault(edit["rule_id"], edit)

    answers = sorted(by_type["claim_status"] + by_type["denial"], key=event_time)
    billed_on, billing_on, responsibility = _billed_on(by_type["lifecycle"])
    states = latest_states(by_type["claim_state"])
    if states:  # first pass as the tracker decided it
        decided = {cid: _state_first_pass(s) for cid, s in states.items()}
        for cid, s in states.items():
            if s.get("submitted_at"):
                submitted_on.setdefault(cid, event_day({"occurred_at": s["submitted_at"]}))
    else:  # each claim's answers in time order, judged by the tracker's own definitions
        by_claim: dict[str, list[Answer]] = defaultdict(list)
        seen_ids: set[str] = set()
        for a in answers:
            if a["event_id"] in seen_ids:
                continue
            seen_ids.add(a["event_id"])
            by_claim[a["claim_id"]].append(_answer(a, reasons))
        sent: Counter[str] = Counter()  # times each claim was sent (claimflow's ready steps)
        for step in {e["event_id"]: e for e in by_type["lifecycle"]}.values():
            if step.get("stage") == "ready" and step["event_id"] not in billing_on:
                sent[step["claim_id"]] += 1  # (billed on to the next payer: coordination of benefits)
        # a claim replaced or voided under a claim id of its own was sent again (reference §6:
        # "no resubmission"), as the tracker counts it
        for c in [*by_type["claim_submitted"], *by_type["lifecycle"]]:
            replaced = c.get("replaces_claim_id")
            if replaced and not is_original(c.get("frequency_code"), replaced):
                sent[replaced] = max(sent[replaced], 1) + 1
        decided = {
            cid: first_pass(original.get(cid, False), found, sent[cid]) for cid, found in by_claim.items()
        }
    first_passes: dict[date, Counter[str]] = defaultdict(Counter)
    for cid, fp in decided.items():
        sub = submitted_on.get(cid)
        if sub is None or not in_period(sub):
            continue
        first_passes[sub]["acknowledged"] += fp.acknowledged
        if fp.acceptance is not None:
            first_passes[sub][fp.acceptance] += 1
        if fp.resolution is not None:
            first_passes[sub][fp.resolution] += 1

    for d in sorted(set(scrubbed) | set(first_passes)):
        s, f = scrubbed[d], first_passes[d]
        n_s, n_r = s["clean"] + s["held"], f["resolved"] + f["unresolved"]
        report.daily.append(
            {
                "day": d.isoformat(),
                "scrubbed": n_s,
                "clean": s["clean"],
                "clean_claim_rate": _ratio(s["clean"], n_s),
                "first_pass_acknowledged": f["acknowledged"],
                "first_pass_accepted": f["accepted"],
                "first_pass_acceptance": _ratio(f["accepted"], f["acknowledged"]),
                "first_pass_resolved": f["resolved"],
                "first_pass_resolution": _ratio(f["resolved"], n_r),
            }
        )

    # denials (Pareto by reason, by payer) and payments
    reason_count: Counter[str] = Counter()
    reason_amount: dict[str, Decimal] = defaultdict(Decimal)
    reason_label: dict[str, str] = {}
    payer_count: Counter[str] = Counter()
    payer_amount: dict[str, Decimal] = defaultdict(Decimal)
    at_risk = Decimal("0")
    # denial rates (reference §6: by count and by dollars, by reason category and by payer): the
    # decisions of the period and their charges, overall, per payer and per reason category
    payer_decided: Counter[str] = Counter()  # payer -> decisions
    charged: dict[str, Decimal] = defaultdict(Decimal)  # payer -> charges decided
    denied_decisions: Counter[str] = Counter()  # payer -> decisions denying something
    category_decisions: Counter[str] = Counter()  # category -> decisions denying for it
    category_amount: dict[str, Decimal] = defaultdict(Decimal)
    #: whose remittance each is: the claim's payer's or another's (a crossover's, a secondary's)
    whose = _Payers(billed_on, responsibility)
    payments: list[tuple[datetime, str, Decimal, str]] = []  # (when, claim, amount, answer's event id)
    seen_answers: set[str] = set()
    seen_decisions: set[tuple[Any, ...]] = set()
    for a in answers:
        if a["event_id"] in seen_answers:
            continue
        seen_answers.add(a["event_id"])
        # the same answer re-sent under another event id (an ERA in a new interchange: the same
        # code, amount, time and payer claim number) is one decision, as the tracker counts it
        decision = (
            a["event_type"],
            a["claim_id"],
            a.get("claim_status_code", a.get("category_code")),
            Decimal(str(a.get("paid_amount", a.get("amount")) or 0)),
            event_time(a),
            a.get("payer_claim_number"),
        )
        if decision in seen_decisions:
            continue
        seen_decisions.add(decision)
        payer = payer_of.get(a["claim_id"], "unknown")
        if a["event_type"] == "claim_status":
            if a.get("source") == "835" and whose.other({**a, "claim_status_code": "1"}):
                continue  # another payer's 835 paid in full (bridged as an F1): not the claim's money
            if a["category_code"].startswith("F") and a.get("amount"):
                payments.append((event_time(a), a["claim_id"], Decimal(str(a["amount"])), a["event_id"]))
                if a.get("source") == "835" and a["category_code"] == "F1" and in_period(event_day(a)):
                    payer_decided[payer] += 1  # an 835 paid in full: a decision, nothing denied
                    charged[payer] += Decimal(str(a["amount"]))
            continue
        code = str(a.get("claim_status_code"))
        if code == PREDETERMINATION:
            continue  # an estimate before the service: no decision
        if whose.other(a):
            continue  # another payer's remittance: neither counted under the claim's payer nor paid
        if code == REVERSAL:
            # a decision taken back is no decision, but it takes its payment back (signed or not):
            # a recovery later reversed is not money recovered
            taken_back = abs(Decimal(str(a.get("paid_amount") or 0)))
            if taken_back:
                payments.append((event_time(a), a["claim_id"], -taken_back, a["event_id"]))
            continue
        if Decimal(str(a.get("paid_amount", "0"))) > 0:
            payments.append((event_time(a), a["claim_id"], Decimal(str(a["paid_amount"])), a["event_id"]))
        if not in_period(event_day(a)):
            continue
        adjustments = [Adjustment.model_validate(x) for x in a.get("adjustments", [])]
        payer_decided[payer] += 1
        charged[payer] += (
            Decimal(str(a["charge_amount"]))
            if a.get("charge_amount") is not None
            else Decimal(str(a.get("paid_amount", "0"))) + sum((x.amount for x in adjustments), Decimal("0"))
        )
        categories: set[str] = set()
        for cl in reasons.classify(adjustments):
            if not cl.is_denial:
                continue
            key = cl.label  # a code without a CARC's shape counts as CO-other
            reason_count[key] += 1
            reason_amount[key] += cl.adjustment.amount
            reason_label[key] = cl.rule.label
            payer_count[payer] += 1
            payer_amount[payer] += cl.adjustment.amount
            categories.add(cl.rule.category)
            category_amount[cl.rule.category] += cl.adjustment.amount
        if categories:
            denied_decisions[payer] += 1
            category_decisions.update(categories)
    total = sum(reason_count.values())
    running = 0
    for key, n in reason_count.most_common():
        running += n
        report.denials_by_reason.append(
            {
                "reason": key,
                "label": reason_label[key],
                "count": n,
                "amount": float(reason_amount[key]),
                "cumulative_share": round(running / total, 4),
            }
        )
    report.denials_by_payer = [
        {
            "payer": p,
            "count": n,
            "amount": float(payer_amount[p]),
            "claims_decided": payer_decided[p],
            "claims_denied": denied_decisions[p],
            "denial_rate": _ratio(denied_decisions[p], payer_decided[p]),
            "denial_rate_dollars": _money_ratio(payer_amount[p], charged[p]),
        }
        for p, n in payer_count.most_common()
    ]
    all_decided, all_charged = sum(payer_decided.values()), sum(charged.values(), Decimal("0"))
    report.denials_by_category = [
        {
            "category": c,
            "claims_denied": n,
            "amount": float(category_amount[c]),
            "denial_rate": _ratio(n, all_decided),
            "denial_rate_dollars": _money_ratio(category_amount[c], all_charged),
        }
        for c, n in category_decisions.most_common()
    ]

    # tasks: by action and outcome
    by_action: dict[str, Counter[str]] = defaultdict(Counter)
    stake: dict[str, Decimal] = defaultdict(Decimal)
    recovered_total = Decimal("0")
    seen_tasks: set[str] = set()
    for t in sorted(by_type["resubmission_task"], key=event_time):
        if t["task_id"] in seen_tasks or not in_period(event_day(t)):
            continue
        seen_tasks.add(t["task_id"])
        claims = {t["claim_id"]}
        if t.get("corrected_claim"):
            claims.add(t["corrected_claim"]["claim_id"])
        after, cause = event_time(t), str(t.get("cause_event_id", ""))
        at_stake = Decimal(str(t.get("amount_at_stake", "0")))
        at_risk += at_stake
        # money recovered: what later decisions paid on the claim (or its corrected claim), net of
        # the payments reversed since, never the payment of the answer that raised the task, and at
        # most what the task had at stake
        paid_after = sum(
            (amt for at, cid, amt, eid in payments if cid in claims and at > after and eid != cause),
            Decimal("0"),
        )
        recovered = max(Decimal("0"), min(paid_after, at_stake))
        if t["action"] == "write_off":
            outcome = "written_off"  # nothing to recover: the provider absorbs it
        elif recovered > 0:
            outcome = "recovered"
            recovered_total += recovered
        else:
            outcome = "open"
        by_action[t["action"]][outcome] += 1
        stake[t["action"]] += at_stake
    for action, outcomes in sorted(by_action.items(), key=lambda kv: -sum(kv[1].values())):
        report.tasks.append(
            {
                "action": action,
                "total": sum(outcomes.values()),
                "open": outcomes["open"],
                "recovered": outcomes["recovered"],
                "written_off": outcomes["written_off"],
                "amount_at_stake": float(stake[action]),
            }
        )

    report.top_edits = [
        {
            "rule_id": rule,
            "category": edit_info[rule]["category"],
            "severity": edit_info[rule]["severity"],
            "count": n,
            "message": masked(edit_info[rule]["message"]),
            "fix": masked(edit_info[rule]["fix"]),
        }
        for rule, n in edit_counts.most_common(15)
    ]
    report.trends = [
        {
            k: t.get(k)
            for k in (
                "as_of",
                "payer_id",
                "procedure_code",
                "category",
                "diagnoses",
                "denied",
                "adjudicated",
                "rate",
                "baseline_rate",
                "top_reasons",
            )
        }
        for t in by_type["denial_trend"]
        if in_period(date.fromisoformat(t["as_of"]))
    ]
    report.dead_letters = dict(
        Counter(d["reason"] for d in by_type["dead_letter"] if in_period(event_day(d)))
    )
    n_scrubbed = sum(sum(c.values()) for c in scrubbed.values())
    n_clean = sum(c["clean"] for c in scrubbed.values())
    fp_total: Counter[str] = sum(first_passes.values(), Counter())
    report.totals = {
        "claims_scrubbed": n_scrubbed,
        "clean_claim_rate": _ratio(n_clean, n_scrubbed),
        "first_pass_acknowledged": fp_total["acknowledged"],
        "first_pass_accepted": fp_total["accepted"],
        "first_pass_rejected": fp_total["rejected"],
        "first_pass_acceptance": _ratio(fp_total["accepted"], fp_total["acknowledged"]),
        "first_pass_resolved": fp_total["resolved"],
        "first_pass_unresolved": fp_total["unresolved"],
        "first_pass_resolution": _ratio(fp_total["resolved"], fp_total["resolved"] + fp_total["unresolved"]),
        "first_pass_source": Topic.CLAIM_STATES.value if states else "answers",
        "claims_by_state": dict(Counter(str(s.get("state")) for s in states.values()).most_common()),
        "denials": total,
        "claims_decided": all_decided,
        "claims_denied": sum(denied_decisions.values()),
        "denial_rate": _ratio(sum(denied_decisions.values()), all_decided),
        "denial_rate_dollars": _money_ratio(sum(reason_amount.values(), Decimal("0")), all_charged),
        "money_at_risk": float(at_risk),
        "money_recovered": float(recovered_total),
        "tasks": len(seen_tasks),
        "denial_trends": len(report.trends),
        "dead_letters": sum(report.dead_letters.values()),
        "unreadable_events": unreadable,
    }
    return report


def latest_states(records: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The latest state record per claim (a compacted topic may still hold older ones): the last
    one read (a claim's records are in one partition, in order) unless it is older."""
    latest: dict[str, dict[str, Any]] = {}
    for r in records:
        cid = r["claim_id"]
        seen = latest.get(cid)
        if seen is None or _updated(r) >= _updated(seen):
            latest[cid] = r
    return latest


def _updated(record: dict[str, Any]) -> tuple[datetime, int]:
    return event_time({"occurred_at": record.get("updated_at") or record["occurred_at"]}), len(
        record.get("history", [])
    )


def _billed_on(steps: list[dict[str, Any]]) -> tuple[dict[str, datetime], set[str], dict[str, int]]:
    """When each claim was billed on to a later payer under its own id (the tracker's rule: a ready
    step whose claim is billed to a payer later in the order of payment, carrying the claim's
    payer's decision among its other payers), those steps' event ids, and each claim's place in
    its payer's order of payment (SBR01 of its first ready step: 1 primary, 2 secondary, ...)."""
    first: dict[str, tuple[str | None, int]] = {}
    when: dict[str, datetime] = {}
    ids: set[str] = set()
    for step in sorted({e["event_id"]: e for e in steps}.values(), key=event_time):
        if step.get("stage") != "ready":
            continue
        claim = step.get("claim") or {}
        cid, payer = step["claim_id"], step.get("payer_id")
        rank = RESPONSIBILITY_ORDER.get(claim.get("payer_responsibility") or "P", 1)
        if cid not in first:
            first[cid] = (payer, rank)
            continue
        was_payer, was_rank = first[cid]
        others = {o.get("payer_id") for o in claim.get("other_payers") or []}
        if payer not in (None, was_payer) and rank > was_rank and was_payer in others:
            when.setdefault(cid, event_time(step))
            ids.add(step["event_id"])
    return when, ids, {cid: rank for cid, (_, rank) in first.items()}


@dataclass
class _Payers:
    """Whose remittance each answer is, read in time order — the tracker's rules: another payer's
    when processed later in the order of payers than the claim's payer's decision (CLP02 2 after a
    1), when under another payer claim number after that payer forwarded the claim (CLP02 19-21)
    or after the claim was billed on to the next payer — until the claim's payer takes its decision
    back — and when under a number another payer's answers came under."""

    billed_on: dict[str, datetime]
    #: each claim's place in the order of payment (SBR01): what a denial (CLP02 4) was processed as
    responsibility: dict[str, int] = field(default_factory=dict)
    #: each claim's payer's decision in force: (order of processing, payer claim number, forwarded)
    decisions: dict[str, tuple[int, str | None, bool]] = field(default_factory=dict)
    #: the claims whose payer took its decision back since (its next decision is its own)
    reversed: set[str] = field(default_factory=set)
    others: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))

    def other(self, answer: dict[str, Any]) -> bool:
        cid = answer["claim_id"]
        code = str(answer.get("claim_status_code"))
        number = answer.get("payer_claim_number")
        first = self.decisions.get(cid)
        if first is None:
            if code != REVERSAL:
                # a denial (CLP02 4) does not say the order it was processed in: the claim's SBR01
                as_of = PROCESSED_AS.get(code, self.responsibility.get(cid, 1))
                self.decisions[cid] = (as_of, number, code in FORWARDED)
            return False
        rank, first_number, forwarded = first
        if number and number in self.others[cid] and number != first_number:
            return True
        moved_on = forwarded or (cid in self.billed_on and event_time(answer) > self.billed_on[cid])
        elsewhere = bool(moved_on and number and first_number and number != first_number)
        later = code != REVERSAL and PROCESSED_AS.get(code, rank) > rank
        if (later or elsewhere) and cid not in self.reversed:
            if number:
                self.others[cid].add(number)
            return True
        if code == REVERSAL:
            self.reversed.add(cid)
        elif cid in self.reversed:  # the claim's payer decided again: the decision in force
            self.reversed.discard(cid)
            as_of = PROCESSED_AS.get(code, self.responsibility.get(cid, 1))
            self.decisions[cid] = (as_of, number or first_number, code in FORWARDED)
        return False


def _money_ratio(part: Decimal, whole: Decimal) -> float | None:
    return round(float(part / whole), 4) if whole > 0 else None


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _state_first_pass(state: dict[str, Any]) -> FirstPass:
    """A claim's first-pass figures from its tracker state record. A record written before the
    acknowledgment was kept counts as acknowledged once its first pass was decided."""
    acceptance = state.get("first_pass")
    acknowledged = bool(state.get("acknowledged", acceptance is not None))
    return FirstPass(acknowledged, acceptance, state.get("first_pass_resolution"))


def _answer(event: dict[str, Any], reasons: ReasonMap) -> Answer:
    """A status or remittance event as the tracker reads it."""
    if event["event_type"] == "claim_status":
        code = str(event.get("category_code", ""))
        # a 277 status announces a decision its 835 itemises; an 835 paid in full comes as an F1
        return Answer("status", code, STATUS_CATEGORY_STATE.get(code), itemised=event.get("source") == "835")
    fields = ("claim_id", "claim_status_code", "adjustments", "paid_amount", "remark_codes")
    change = from_denial(Denial.model_validate({k: event[k] for k in fields if k in event}), reasons)
    return Answer("remittance", change.code, change.target, change.co_denial)
