"""ICD-10-CM validity and billability on a date of service.

The bundled CDC release (``simple-icd-10-cm``, loaded once at import) answers for service dates
on/after the pack's ``icd.release_effective``; the pack's ``icd.history`` records codes whose
status changed across releases (e.g. I47.1 billable until 2023-09-30, a header since FY2024).
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from typing import Literal

import simple_icd_10_cm as _cm

from streams.scrub.packs import IcdSettings

IcdStatus = Literal["ok", "invalid", "header"]


@lru_cache(maxsize=65536)
def release_status(code: str) -> IcdStatus:
    """Status of a (dotted, normalised) code in the bundled release."""
    if not _cm.is_valid_item(code):
        return "invalid"
    return "ok" if _cm.is_leaf(code) else "header"


@lru_cache(maxsize=4096)
def billable_child_example(code: str) -> str:
    """The first billable code under a header (breadth-first over children: cheap, unlike
    ``get_descendants`` which walks the whole subtree)."""
    queue = [code]
    while queue:
        current = queue.pop(0)
        try:
            children = _cm.get_children(current)
        except ValueError:
            return code
        for child in children:
            if _cm.is_leaf(child):
                return str(_cm.add_dot(child))
        queue.extend(children)
    return code


class IcdValidator:
    def __init__(self, settings: IcdSettings):
        self.release_effective = settings.release_effective
        self.history = {h.code: h for h in settings.history}
        #: codes billable on every date this validator answers for (no history entry, a leaf in
        #: the bundled release): a set lookup answers for them on the hot path
        self.always_ok: set[str] = set()

    def all_ok(self, codes: list[str], on: date) -> bool:
        """Whether every code is valid and billable on ``on`` (fast for codes seen before)."""
        if self.always_ok.issuperset(codes):
            return True
        ok = True
        for code in codes:
            if self.status(code, on) != "ok":
                ok = False
            elif code not in self.history:
                self.always_ok.add(code)
        return ok

    def status(self, code: str, on: date) -> IcdStatus:
        entry = self.history.get(code)
        if entry is not None:
            starts_ok = entry.billable_from is None or entry.billable_from <= on
            ends_ok = entry.billable_until is None or on <= entry.billable_until
            if starts_ok and ends_ok:
                return "ok"
            return "header" if release_status(code) == "header" else "invalid"
        return release_status(code)
