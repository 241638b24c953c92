"""AX: anyone calling X reaches A; A calls out through X (reference section 3).

One X holds one A; one A holds up to 5 X. AX bindings never expire.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from pydantic import Field

from reconciler.model import (
    CallDirection,
    CalleeDisplay,
    CallLimits,
    FieldProblem,
    Located,
    Mode,
    Tone,
)
from reconciler.modes.base import Areas, DomainTable, Limits, Slot, group, over_limit

if TYPE_CHECKING:
    from reconciler.config import App
    from reconciler.located import Pending
    from reconciler.platform.live import Live
    from reconciler.rules import DesiredBinding


class AXBinding(CallLimits, Located):
    """AX: anyone calling X reaches A; A calls out through X. Never expires."""

    mode: ClassVar[Mode] = Mode.AX

    call_direction: CallDirection = Field(
        CallDirection.both,
        description="both; a_only: A may only call out; b_only: others may only call A",
    )
    callee_display: CalleeDisplay = Field(
        CalleeDisplay.x, description="What A sees when called through X"
    )
    sms: bool = Field(True, description="SMS through X")
    active: bool = Field(True, description="false switches the privacy number off (turnFlag)")
    pre_tone_a_calls: Tone | None = Field(None, description="Tone before connecting when A calls X")
    pre_tone_others_call: Tone | None = Field(
        None, description="Tone before connecting when someone else calls X"
    )

    def problems(self) -> list[FieldProblem]:
        return super().problems() + self.limit_problems()


class AxTable(DomainTable):
    mode = Mode.AX
    model = AXBinding
    limits = Limits(x_per_a=5, pairs_per_x=1)
    exclusive_x = True

    def natural_key(self, binding: AXBinding) -> str:
        return f"{binding.a}@{binding.x if binding.x is not None else binding.area_code}"

    def identity(self, binding: AXBinding) -> str:
        if binding.x is not None:
            return f"{binding.a}@{binding.x}"
        return f"{binding.a}@area:{binding.area_code}"

    def live_identities(self, live: Live, areas: Areas) -> list[str]:
        return [f"{live.a}@{live.x}", f"{live.a}@area:{areas.get(live.x)}"]

    def live_name(self, live: Live) -> str:
        return f"{live.a}@{live.x}"

    def held(self, live: Live) -> set[Slot]:
        return {("x", live.x)}

    def needed(self, binding: AXBinding, x: str | None) -> set[Slot]:
        return {("x", x)} if x is not None else set()

    def check(self, name: str, app: App, items: list[DesiredBinding]) -> list[Pending]:
        limit = self.limits.x_per_a
        found = over_limit(
            group(items, lambda d: d.binding.a),
            limit,
            "a",
            "a {value} has {count} AX bindings; the platform gives one A at most "
            f"{limit} X numbers",
        )
        found += over_limit(
            group(items, lambda d: d.binding.pinned_number()),
            1,
            "x",
            "x {value} is pinned by {count} bindings; an AX number holds one A",
        )
        return found
