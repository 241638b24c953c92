"""AXE: A gets X plus an extension E; callers dial X, then E (reference section 5).

Many A per X, one extension per A per X; the extension's digit count is set per app.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, ClassVar

from pydantic import Field

from reconciler.model import (
    NINETY_DAYS,
    CalleeDisplay,
    Expires,
    Extension,
    FieldProblem,
    Located,
    Mode,
    RealNumber,
    Tone,
)
from reconciler.modes.base import Areas, DomainTable, Limits, Slot, group, over_limit

if TYPE_CHECKING:
    from reconciler.config import App
    from reconciler.located import Pending
    from reconciler.platform.live import Live
    from reconciler.rules import DesiredBinding


class AXEBinding(Located):
    """AXE: A gets X plus an extension; callers dial X then the extension."""

    mode: ClassVar[Mode] = Mode.AXE

    extension: Extension | None = Field(
        None, description="Requested extension, 1-4 digits; omit to let the platform assign one"
    )
    callee_display: CalleeDisplay = Field(CalleeDisplay.x)
    expires: Expires | None = Field(None, description="When the platform removes it; omit: never")
    callback_tone: Tone | None = Field(
        None, description="Tone when A calls X and nobody called A recently"
    )
    callback_number: RealNumber | None = Field(
        None, description="Number A reaches when calling X and nobody called A recently"
    )
    callback_window_minutes: Annotated[int, Field(ge=0, le=129_600, strict=True)] | None = Field(
        None, description="How long the platform remembers who last called A (callback records)"
    )

    def expiry(self) -> datetime | None:
        return self.expires

    def problems(self) -> list[FieldProblem]:
        found = super().problems()
        if self.callback_tone is not None and self.callback_number is not None:
            found.append(
                (
                    "callback_number",
                    "give callback_tone or callback_number, not both: the platform refuses "
                    "the pair",
                )
            )
        return found


class AxeTable(DomainTable):
    mode = Mode.AXE
    model = AXEBinding
    limits = Limits()
    # [I] AXE's bindExpiredTime range is not documented; privcall applies the same 90 days.
    max_lifetime = NINETY_DAYS

    def natural_key(self, binding: AXEBinding) -> str:
        return f"{binding.a}@{binding.x if binding.x is not None else binding.area_code}"

    def identity(self, binding: AXEBinding) -> str:
        if binding.x is not None:
            return f"{binding.a}@{binding.x}"
        return f"{binding.a}@area:{binding.area_code}"

    def live_identities(self, live: Live, areas: Areas) -> list[str]:
        return [f"{live.a}@{live.x}", f"{live.a}@area:{areas.get(live.x)}"]

    def live_name(self, live: Live) -> str:
        return f"{live.a}@{live.x}#{live.extension}"

    def held(self, live: Live) -> set[Slot]:
        return {("ext", live.x, live.extension or ""), ("a", live.x, live.a)}

    def needed(self, binding: AXEBinding, x: str | None) -> set[Slot]:
        if x is None:
            return set()
        found: set[Slot] = {("a", x, binding.a)}
        if binding.extension:
            found.add(("ext", x, binding.extension))
        return found

    def mode_replace_reason(self, binding: AXEBinding, live: Live, areas: Areas) -> str | None:
        if binding.extension is not None and live.extension != binding.extension:
            return f"extension changes from {live.extension} to {binding.extension}"
        if live.a != binding.a:
            return "a changes, and AXE cannot modify a"
        return None

    def check(self, name: str, app: App, items: list[DesiredBinding]) -> list[Pending]:
        found: list[Pending] = []
        for x, members in group(items, lambda d: d.binding.pinned_number()).items():
            found += over_limit(
                group(members, _extension),
                1,
                "extension",
                f"extension {{value}} is used by {{count}} bindings on x {x}",
            )
            found += over_limit(
                group(members, lambda d: d.binding.a),
                1,
                "a",
                f"a {{value}} is bound {{count}} times on x {x}; one A has one extension per "
                "AXE number",
            )
            if app.extension_digits is not None:
                room = 10**app.extension_digits - 1
                found += over_limit(
                    {x: members},
                    room,
                    "x",
                    f"x {{value}} is pinned by {{count}} bindings but has only {room} "
                    f"{app.extension_digits}-digit extensions",
                )
        return found

    def import_values(self, values: dict[str, Any], live: Live, areas: Areas) -> None:
        values["x"] = live.x
        if live.extension is not None:
            values["extension"] = live.extension


def _extension(item: DesiredBinding) -> str | None:
    binding = item.binding
    return binding.extension if isinstance(binding, AXEBinding) else None
