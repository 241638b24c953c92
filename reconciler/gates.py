"""Safety gates, checked on every apply before any call (DESIGN section 4).

Per app: unbinds and modifies as a share of the bindings privcall manages there (only
above ``min_existing``), and absolute caps. A replace counts as an unbind: the old binding
goes, and the customer-facing number may change. An adopt counts as a modify.

An override names the exact count it accepts (``--allow-unbinds 37``): it lifts the gate
only when the plan has exactly that many unbinds in all, never as a blanket force.
"""

from __future__ import annotations

from dataclasses import dataclass

from reconciler.config import Config
from reconciler.plan import AppPlan, Kind, Plan

UNBINDING = frozenset({Kind.unbind, Kind.replace})
"""Counted as unbinds. ``dedupe`` is not: removing a second binding of a declared key
restores the declared state, and a gate on it would leave the duplicates in place."""
MODIFYING = frozenset({Kind.modify, Kind.adopt})


@dataclass(frozen=True)
class Breach:
    app: str
    what: str
    count: int
    existing: int
    limit: str

    def __str__(self) -> str:
        return (
            f"app {self.app!r}: {self.count} {self.what} of {self.existing} existing bindings "
            f"exceeds {self.limit}"
        )


def _app_breaches(app_plan: AppPlan, config: Config) -> list[Breach]:
    safety = config.apps[app_plan.app].safety
    counts = {
        "unbinds": sum(op.kind in UNBINDING for op in app_plan.operations),
        "modifies": sum(op.kind in MODIFYING for op in app_plan.operations),
    }
    limits = {
        "unbinds": (safety.max_unbind_percent, safety.max_unbinds),
        "modifies": (safety.max_modify_percent, safety.max_modifies),
    }
    found = []
    existing = app_plan.existing
    for what, count in counts.items():
        percent, cap = limits[what]
        if cap is not None and count > cap:
            found.append(Breach(app_plan.app, what, count, existing, f"the cap of {cap}"))
        elif existing > safety.min_existing and count * 100 > percent * existing:
            found.append(
                Breach(app_plan.app, what, count, existing, f"{percent:g}% ({what} / existing)")
            )
    return found


def check(
    plan: Plan,
    config: Config,
    *,
    allow_unbinds: int | None = None,
    allow_modifies: int | None = None,
) -> list[str]:
    """Why the plan may not be applied, or [] (each reason says how to override it)."""
    breaches = [b for app in plan.apps for b in _app_breaches(app, config)]
    totals = {
        "unbinds": sum(op.kind in UNBINDING for op in plan.operations),
        "modifies": sum(op.kind in MODIFYING for op in plan.operations),
    }
    allowed = {"unbinds": allow_unbinds, "modifies": allow_modifies}
    reasons = []
    for what in ("unbinds", "modifies"):
        mine = [b for b in breaches if b.what == what]
        total = totals[what]
        given = allowed[what]
        if given is not None and given != total:
            reasons.append(
                f"--allow-{what} {given} does not match the plan, which has {total} {what}; "
                "re-read the plan and pass its exact count"
            )
        elif mine and given is None:
            reasons += [
                f"{breach}; if this is intended, run apply again with --allow-{what} {total}"
                for breach in mine
            ]
    return reasons
