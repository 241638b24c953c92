"""Rules across the bindings of one app, checked on load, before any API call.

Each rule is a platform limit that would otherwise fail at apply time, half-way through:
keys unique per app, and per mode the limits of a virtual number (DESIGN section 1,
reference section 10). Every check is a single pass with dictionaries: linear in the
number of bindings.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from reconciler.config import App
from reconciler.located import Pending, Where
from reconciler.model import (
    AXBBinding,
    AXBinding,
    AXEBinding,
    AXYBBinding,
    Binding,
    Mode,
)

AX_MAX_X_PER_A = 5
AXB_MAX_PAIRS_PER_X = 5000
AXYB_MAX_X_PER_A = 5
AXYB_MAX_RELATIONS_PER_Y = 1000


@dataclass(frozen=True, slots=True)
class DesiredBinding:
    """A valid binding as declared, with its app, key and place."""

    app: str
    key: str
    binding: Binding
    where: Where


def check_app(name: str, app: App, items: list[DesiredBinding]) -> list[Pending]:
    """Every cross-binding rule of ``app`` that ``items`` break."""
    found = _unique_keys(name, items)
    checks: dict[Mode, Callable[[str, App, list[DesiredBinding]], list[Pending]]] = {
        Mode.AX: _ax,
        Mode.AXB: _axb,
        Mode.AXE: _axe,
        Mode.AXYB: _axyb,
    }
    return found + checks[app.mode](name, app, items)


def _group(
    items: Iterable[DesiredBinding], by: Callable[[DesiredBinding], str | None]
) -> dict[str, list[DesiredBinding]]:
    groups: dict[str, list[DesiredBinding]] = defaultdict(list)
    for item in items:
        value = by(item)
        if value is not None:
            groups[value].append(item)
    return groups


def _unique_keys(name: str, items: list[DesiredBinding]) -> list[Pending]:
    found = []
    for key, group in _group(items, lambda d: d.key).items():
        for dup in group[1:]:
            explicit = dup.binding.key is not None
            where = dup.where.child("key") if explicit else dup.where
            how = "" if explicit else " (derived from its numbers: give the bindings explicit keys)"
            found.append(
                Pending(
                    where,
                    f"key {key!r} is used twice in app {name!r}{how}",
                    (group[0].where,),
                )
            )
    return found


def _over_limit(
    groups: dict[str, list[DesiredBinding]], limit: int, field: str, message: str
) -> list[Pending]:
    """One problem per group larger than ``limit``, at its first binding over the limit.

    ``message`` is formatted with ``value`` (what the group shares) and ``count``.
    """
    found = []
    for value, group in groups.items():
        if len(group) > limit:
            found.append(
                Pending(
                    group[limit].where.child(field),
                    message.format(value=value, count=len(group)),
                    tuple(d.where for d in group[:limit] + group[limit + 1 :]),
                )
            )
    return found


def _pinned_x(item: DesiredBinding) -> str | None:
    binding = item.binding
    return binding.x if isinstance(binding, (AXBinding, AXBBinding, AXEBinding)) else None


def _extension(item: DesiredBinding) -> str | None:
    binding = item.binding
    return binding.extension if isinstance(binding, AXEBinding) else None


def _ax(name: str, app: App, items: list[DesiredBinding]) -> list[Pending]:
    found = _over_limit(
        _group(items, lambda d: d.binding.a),
        AX_MAX_X_PER_A,
        "a",
        "a {value} has {count} AX bindings; the platform gives one A at most "
        f"{AX_MAX_X_PER_A} X numbers",
    )
    found += _over_limit(
        _group(items, _pinned_x),
        1,
        "x",
        "x {value} is pinned by {count} bindings; an AX number holds one A",
    )
    return found


def _axb(name: str, app: App, items: list[DesiredBinding]) -> list[Pending]:
    by_x = _group(items, _pinned_x)
    found = _over_limit(
        by_x,
        AXB_MAX_PAIRS_PER_X,
        "x",
        f"x {{value}} is pinned by {{count}} pairs; one AXB number holds at most "
        f"{AXB_MAX_PAIRS_PER_X}",
    )
    for x, group in by_x.items():
        seen: dict[str, DesiredBinding] = {}
        for item in group:
            binding = item.binding
            assert isinstance(binding, AXBBinding)
            for side, number in (("a", binding.a), ("b", binding.b)):
                first = seen.get(number)
                if first is not None and first is not item:
                    found.append(
                        Pending(
                            item.where.child(side),
                            f"{number} is in two pairs on x {x}; on one AXB number a real number "
                            "may appear in one pair only (the platform answers 1012010)",
                            (first.where,),
                        )
                    )
                else:
                    seen[number] = item
    return found


def _axe(name: str, app: App, items: list[DesiredBinding]) -> list[Pending]:
    found: list[Pending] = []
    for x, group in _group(items, _pinned_x).items():
        found += _over_limit(
            _group(group, _extension),
            1,
            "extension",
            f"extension {{value}} is used by {{count}} bindings on x {x}",
        )
        found += _over_limit(
            _group(group, lambda d: d.binding.a),
            1,
            "a",
            f"a {{value}} is bound {{count}} times on x {x}; one A has one extension per "
            "AXE number",
        )
        if app.extension_digits is not None:
            room = 10**app.extension_digits - 1
            found += _over_limit(
                {x: group},
                room,
                "x",
                f"x {{value}} is pinned by {{count}} bindings but has only {room} "
                f"{app.extension_digits}-digit extensions",
            )
    return found


def _axyb(name: str, app: App, items: list[DesiredBinding]) -> list[Pending]:
    found = _over_limit(
        _group(items, lambda d: d.binding.a),
        AXYB_MAX_X_PER_A,
        "a",
        "a {value} has {count} AXYB bindings; the platform gives one A at most "
        f"{AXYB_MAX_X_PER_A} X numbers",
    )
    capacity = AXYB_MAX_RELATIONS_PER_Y * len(app.y_numbers)
    if len(items) > capacity:
        found.append(
            Pending(
                items[capacity].where,
                f"app {name!r} has {len(items)} AXYB bindings but its {len(app.y_numbers)} Y "
                f"numbers hold at most {capacity} ({AXYB_MAX_RELATIONS_PER_Y} each); add y_numbers",
            )
        )
    found += _x_capacity(name, app, items)
    return found


def _x_capacity(name: str, app: App, items: list[DesiredBinding]) -> list[Pending]:
    """AXYB: every binding holds an X of its own; strict areas need enough X in that city."""
    per_area: dict[str, int] = defaultdict(int)
    for entry in app.numbers:
        per_area[entry.area_code] += 1
    found = []
    for area, group in _group(
        items,
        lambda d: (
            d.binding.area_code
            if isinstance(d.binding, AXYBBinding) and d.binding.area_match != "loose"
            else None
        ),
    ).items():
        room = per_area.get(area, 0)
        if len(group) > room:
            found.append(
                Pending(
                    group[room].where.child("area_code"),
                    f"{len(group)} AXYB bindings need an X number in area {area} but app "
                    f"{name!r} has {room} there; each binding holds its own X",
                )
            )
    return found
