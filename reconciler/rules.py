"""Rules across the bindings of one app, checked on load, before any API call.

Each rule is a platform limit that would otherwise fail at apply time, half-way through:
keys unique per app, and per mode the limits of a virtual number (DESIGN section 1,
reference section 10). Every check is a single pass with dictionaries: linear in the
number of bindings.
"""

from __future__ import annotations

from dataclasses import dataclass

from reconciler.config import App
from reconciler.located import Pending, Where
from reconciler.modes import Binding, domain
from reconciler.modes.base import group


@dataclass(frozen=True, slots=True)
class DesiredBinding:
    """A valid binding as declared, with its app, key and place."""

    app: str
    key: str
    binding: Binding
    where: Where


def check_app(name: str, app: App, items: list[DesiredBinding]) -> list[Pending]:
    """Every cross-binding rule of ``app`` that ``items`` break: unique keys, then the
    limits of the app's mode (its domain table)."""
    return _unique_keys(name, items) + domain(app.mode).check(name, app, items)


def _unique_keys(name: str, items: list[DesiredBinding]) -> list[Pending]:
    found = []
    for key, members in group(items, lambda d: d.key).items():
        for dup in members[1:]:
            explicit = dup.binding.key is not None
            where = dup.where.child("key") if explicit else dup.where
            how = "" if explicit else " (derived from its numbers: give the bindings explicit keys)"
            found.append(
                Pending(
                    where,
                    f"key {key!r} is used twice in app {name!r}{how}",
                    (members[0].where,),
                )
            )
    return found
