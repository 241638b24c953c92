"""AXB: A and B talk to each other through X (reference section 4).

One X holds up to 5000 pairs, and on one X a real number appears in one pair only
(AXB + CXD fine; AXB + BXC or AXB + AXC refused with 1012010). Lifetime up to 90 days.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, ClassVar

from pydantic import Field

from reconciler.located import Pending
from reconciler.model import (
    NINETY_DAYS,
    CallDirection,
    CallLimits,
    Expires,
    FieldProblem,
    Located,
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


class AXBBinding(CallLimits, Located):
    """AXB: A and B talk to each other through X."""

    mode: ClassVar[Mode] = Mode.AXB

    b: RealNumber = Field(description="B: the other real number")
    call_direction: CallDirection = Field(CallDirection.both)
    expires: Expires | None = Field(None, description="When the platform removes it; omit: never")
    sms: bool = Field(True, description="SMS through X")
    pre_tone_a_calls: Tone | None = Field(None, description="Tone before connecting when A calls X")
    pre_tone_b_calls: Tone | None = Field(None, description="Tone before connecting when B calls X")

    def expiry(self) -> datetime | None:
        return self.expires

    def problems(self) -> list[FieldProblem]:
        return super().problems() + self.limit_problems() + pair_problems(self.a, self.b)


class AxbTable(DomainTable):
    mode = Mode.AXB
    model = AXBBinding
    limits = Limits(pairs_per_x=5000)
    max_lifetime = NINETY_DAYS

    def natural_key(self, binding: AXBBinding) -> str:
        return f"{binding.a}~{binding.b}"

    def identity(self, binding: AXBBinding) -> str:
        return f"{binding.a}~{binding.b}"

    def live_identities(self, live: Live, areas: Areas) -> list[str]:
        return [f"{live.a}~{live.b}"]

    def live_name(self, live: Live) -> str:
        return f"{live.a}~{live.b}"

    def held(self, live: Live) -> set[Slot]:
        return {("pair", live.x, live.a), ("pair", live.x, live.b or "")}

    def needed(self, binding: AXBBinding, x: str | None) -> set[Slot]:
        if x is None:
            return set()
        return {("pair", x, binding.a), ("pair", x, binding.b)}

    def check(self, name: str, app: App, items: list[DesiredBinding]) -> list[Pending]:
        limit = self.limits.pairs_per_x
        by_x = group(items, lambda d: d.binding.pinned_number())
        found = over_limit(
            by_x,
            limit,
            "x",
            f"x {{value}} is pinned by {{count}} pairs; one AXB number holds at most {limit}",
        )
        for x, members in by_x.items():
            seen: dict[str, DesiredBinding] = {}
            for item in members:
                binding = item.binding
                assert isinstance(binding, AXBBinding)
                for side, number in (("a", binding.a), ("b", binding.b)):
                    first = seen.get(number)
                    if first is not None and first is not item:
                        found.append(
                            Pending(
                                item.where.child(side),
                                f"{number} is in two pairs on x {x}; on one AXB number a real "
                                "number may appear in one pair only (the platform answers 1012010)",
                                (first.where,),
                            )
                        )
                    else:
                        seen[number] = item
        return found
