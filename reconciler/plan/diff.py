"""Field by field: how a live binding differs from the desired one.

Both sides are normalised first (defaults filled in, E.164, enums). A field the platform
does not report is compared through privcall's marker (the hash of the value privcall last
wrote), never diffed against nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from reconciler.marker import Codec, Marker, canonical
from reconciler.model import Mode
from reconciler.modes import Binding
from reconciler.plan.values import NOT_REPORTED, FieldChange
from reconciler.platform import tables
from reconciler.platform.live import Live

EXPIRY_TOLERANCE = timedelta(minutes=2)
"""How far a reported expiry may be from the desired one before it counts as changed out
of band (the platform counts a lifetime from its own clock); also how close to its expiry
a desired binding counts as expired, so that privcall never races the platform."""

IDENTITY_FIELDS = frozenset(
    {"key", "protect", "user_data", "x", "area_code", "area_match", "y_area_code", "extension"}
)
"""Fields that say which binding it is and where, not what it does: not diffed here (the
planner's replace rules and the marker handle them)."""
MARKER_ONLY = frozenset({"user_data", "protect"})
"""Changes written through the marker in ``userData``: any mode with a modify API can."""
EXPIRY_FIELDS = frozenset({"expires", "b_expires"})

MOOT: dict[str, Callable[[Binding], bool]] = {
    # A recording hint tone means nothing while recording is off, and the platform cannot
    # clear one (recordHintTone is String(1-128)).
    "record_hint_tone": lambda b: not b.record,
}
"""Fields not compared while the desired binding makes them meaningless."""


def same(name: str, live_value: Any, desired: Any) -> bool:
    """Whether a reported value equals the desired one (expiry within the tolerance)."""
    if name in EXPIRY_FIELDS and live_value is not None and desired is not None:
        return bool(abs(live_value - desired) <= EXPIRY_TOLERANCE)
    return canonical(live_value) == canonical(desired)


def field_changes(
    codec: Codec, mode: Mode, binding: Binding, live: Live, found: Marker | None
) -> list[FieldChange]:
    """The fields in which ``live`` differs from ``binding``.

    A reported field is compared by value; it changed out of band when the marker's state
    hash shows the YAML has not changed since privcall last wrote the binding. A field the
    platform does not report is compared through the marker's hash of the value privcall
    last wrote; without a marker (a binding being adopted) it is written to be sure.
    """
    changes: list[FieldChange] = []
    yaml_unchanged = found is not None and codec.unchanged(found, binding)
    through_marker = tables.marker_fields(mode)
    for name in type(binding).model_fields:
        if name in IDENTITY_FIELDS or (name in MOOT and MOOT[name](binding)):
            continue
        desired = getattr(binding, name)
        stored = codec.stored_hash(found, mode, name) if found is not None else None
        moved = (
            found is not None
            and stored is not None
            and stored != codec.field_hash(found, name, desired)
        )
        if name in live.fields:
            before = live.fields[name]
            if not same(name, before, desired):
                changes.append(FieldChange(name, before, desired, out_of_band=yaml_unchanged))
            elif name in EXPIRY_FIELDS and moved:
                changes.append(FieldChange(name, before, desired))
        elif name in through_marker and (stored is None or moved):
            changes.append(FieldChange(name, NOT_REPORTED, desired))
    own = live.own_user_data
    if own != binding.user_data:
        changes.append(FieldChange("user_data", own, binding.user_data, out_of_band=yaml_unchanged))
    was_protected = found.protect if found is not None else False
    if was_protected != binding.protect:
        changes.append(FieldChange("protect", was_protected, binding.protect))
    return changes


def unmodifiable(mode: Mode, can_modify: bool, changes: tuple[FieldChange, ...]) -> str | None:
    """Why ``changes`` need a replace (a field the modify API cannot change), or None."""
    if not can_modify and changes:
        fields = ", ".join(c.field for c in changes)
        return f"{mode.value} has no modify API ({fields} change)"
    allowed = tables.modifiable(mode) | MARKER_ONLY
    blocked = [c.field for c in changes if c.field not in allowed]
    if blocked:
        return f"{', '.join(blocked)} cannot be modified in {mode.value}"
    return None
