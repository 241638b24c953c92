"""AXYB: A is reached on X, B on Y (reference section 6).

X is exclusive to one relation and A holds up to 5 X; a Y carries up to 1000 relations,
each with a different B. Bind is two calls (AX step, then YB step); there is no modify
API, so every change re-binds.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import Field

from reconciler.located import Pending
from reconciler.model import (
    NINETY_DAYS,
    AreaCode,
    AreaMatch,
    BindingBase,
    CallDirection,
    Expires,
    FieldProblem,
    Mode,
    RealNumber,
    Tone,
    pair_problems,
)
from reconciler.modes.base import Areas, DomainTable, Limits, Slot, group, over_limit

if TYPE_CHECKING:
    from reconciler.config import App
    from reconciler.platform.live import Live
    from reconciler.rules import DesiredBinding


class AXYBBinding(BindingBase):
    """AXYB: A is reached on X, B on Y; no modify API, so every change re-binds."""

    mode: ClassVar[Mode] = Mode.AXYB

    b: RealNumber = Field(description="B: the other real number")
    area_code: AreaCode = Field(description="City of the X number")
    y_area_code: AreaCode | None = Field(
        None, description="City of the Y number; default area_code"
    )
    area_match: AreaMatch | None = Field(None)
    call_direction: CallDirection = Field(CallDirection.both)
    expires: Expires | None = Field(None, description="When the whole binding ends; omit: never")
    b_expires: Expires | None = Field(
        None, description="When only B's side (Y) ends; at most expires; omit: with the binding"
    )
    pre_tone_x: Tone | None = Field(None, description="Tone before connecting through X")
    pre_tone_y: Tone | None = Field(None, description="Tone before connecting through Y")

    def area(self) -> str | None:
        return self.area_code

    def loose(self) -> bool:
        return self.area_match is AreaMatch.loose

    def expiry(self) -> datetime | None:
        return self.expires

    def problems(self) -> list[FieldProblem]:
        found = super().problems() + pair_problems(self.a, self.b)
        if (
            self.b_expires is not None
            and self.expires is not None
            and self.b_expires > self.expires
        ):
            found.append(
                ("b_expires", "b_expires is after expires: B's side cannot outlive the binding")
            )
        return found


class AxybTable(DomainTable):
    mode = Mode.AXYB
    model = AXYBBinding
    limits = Limits(x_per_a=5, pairs_per_x=1, relations_per_y=1000)
    can_modify = False
    max_lifetime = NINETY_DAYS
    min_lifetime = timedelta(seconds=60)
    exclusive_x = True
    two_step = True

    def natural_key(self, binding: AXYBBinding) -> str:
        return f"{binding.a}~{binding.b}"

    def identity(self, binding: AXYBBinding) -> str:
        return f"{binding.a}~{binding.b}"

    def live_identities(self, live: Live, areas: Areas) -> list[str]:
        return [f"{live.a}~{live.b}"]

    def live_name(self, live: Live) -> str:
        return f"{live.a}~{live.b}"

    def held(self, live: Live) -> set[Slot]:
        return set()

    def needed(self, binding: AXYBBinding, x: str | None) -> set[Slot]:
        return set()

    def can_bind_first(self, binding: AXYBBinding, live: Live) -> bool:
        # Y is chosen by the platform: the same B may need the very place the old one holds.
        return binding.b != live.b

    def mode_replace_reason(self, binding: AXYBBinding, live: Live, areas: Areas) -> str | None:
        if live.b is None:
            return "incomplete: only its AX step was bound (B was never bound on a Y)"
        y_area = binding.y_area_code or binding.area_code
        if not binding.loose() and live.y is not None and areas.get(live.y, y_area) != y_area:
            return f"the Y area changes from {areas.get(live.y)} to {y_area}"
        return None

    def incomplete(self, live: Live) -> bool:
        return live.b is None

    def check(self, name: str, app: App, items: list[DesiredBinding]) -> list[Pending]:
        limits = self.limits
        found = over_limit(
            group(items, lambda d: d.binding.a),
            limits.x_per_a,
            "a",
            "a {value} has {count} AXYB bindings; the platform gives one A at most "
            f"{limits.x_per_a} X numbers",
        )
        capacity = limits.relations_per_y * len(app.y_numbers)
        if len(items) > capacity:
            found.append(
                Pending(
                    items[capacity].where,
                    f"app {name!r} has {len(items)} AXYB bindings but its {len(app.y_numbers)} "
                    f"Y numbers hold at most {capacity} ({limits.relations_per_y} each); add "
                    "y_numbers",
                )
            )
        return found + _x_capacity(name, app, items)

    def import_values(self, values: dict[str, Any], live: Live, areas: Areas) -> None:
        values.pop("x", None)
        values["area_code"] = areas.get(live.x)
        y_area = areas.get(live.y) if live.y is not None else None
        if y_area is not None and y_area != values["area_code"]:
            values["y_area_code"] = y_area


def _x_capacity(name: str, app: App, items: list[DesiredBinding]) -> list[Pending]:
    """Every binding holds an X of its own; strict areas need enough X in that city."""
    per_area: dict[str, int] = defaultdict(int)
    for entry in app.numbers:
        per_area[entry.area_code] += 1
    found = []
    strict = group(items, lambda d: d.binding.area() if not d.binding.loose() else None)
    for area, members in strict.items():
        room = per_area.get(area, 0)
        if len(members) > room:
            found.append(
                Pending(
                    members[room].where.child("area_code"),
                    f"{len(members)} AXYB bindings need an X number in area {area} but app "
                    f"{name!r} has {room} there; each binding holds its own X",
                )
            )
    return found
