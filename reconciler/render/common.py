"""What the plan renderers share: symbols, summaries, values and masking.

Every value a renderer shows goes through this module, so masking is decided in one place:

* real-number fields (:data:`reconciler.model.REAL_NUMBER_FIELDS`) are masked with
  :meth:`Masker.number`;
* virtual-number fields (``x``, ``y``) are shown in full;
* every other text (keys, reasons, messages, ``user_data``, tones) goes through
  :func:`mask_text`, which masks every phone number the :class:`Masker` does not know as
  virtual, even one glued to letters (``courier+8613800000001``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from enum import Enum
from typing import Any

from reconciler.masking import Masker
from reconciler.model import REAL_NUMBER_FIELDS
from reconciler.modes import Binding
from reconciler.plan import (
    NOT_REPORTED,
    AppPlan,
    FieldChange,
    Kind,
    Note,
    NoteKind,
    Operation,
    Plan,
)
from reconciler.platform.live import Live

SUMMARY_ORDER: tuple[Kind, ...] = (Kind.bind, Kind.modify, Kind.replace, Kind.unbind, Kind.adopt)
"""The order of the kinds in a summary line."""

SYMBOLS: Mapping[Kind, str] = {
    Kind.bind: "+",
    Kind.modify: "~",
    Kind.replace: "-/+",
    Kind.unbind: "-",
    Kind.adopt: "<=",
}

REFUSING: tuple[NoteKind, ...] = (NoteKind.protected, NoteKind.blocked)
"""Notes that stop an apply (:attr:`Plan.refusals`)."""

ATTENTION: tuple[NoteKind, ...] = (*REFUSING, NoteKind.conflict)
"""Notes that mean the platform does not match the YAML after an apply."""

VIRTUAL_FIELDS = frozenset({"x", "y"})
NOT_REPORTED_TEXT = "(not reported)"
NONE_TEXT = "(none)"
NO_CHANGES = "No changes. The platform matches the YAML."
SANDBOX_TEXT = (
    "SANDBOX: planned against privcall's built-in sandbox emulator "
    "(.privcall/sandbox.db), not Huawei Cloud"
)
NUMBER_MAY_CHANGE = "the customer-facing number may change"

# After Masker.text: any run of 11+ digits left (glued to letters, say) is checked again.
_LONG_DIGITS = re.compile(r"\+?\d{11,}")


# -- masking ----------------------------------------------------------------------------


def mask_text(masker: Masker, text: str) -> str:
    """Mask every phone number in ``text`` except the virtual numbers ``masker`` knows."""
    once = masker.text(text, foreign=True)
    return _LONG_DIGITS.sub(lambda m: masker.text(m.group(0), foreign=True), once)


def json_value(field: str, value: Any, masker: Masker) -> Any:
    """A field's value as JSON-native data, masked (:data:`NOT_REPORTED` becomes None)."""
    if value is None or value is NOT_REPORTED:
        return None
    if isinstance(value, Enum):
        return json_value(field, value.value, masker)
    if isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, timedelta):
        return int(value.total_seconds())
    text = str(value)
    if field in REAL_NUMBER_FIELDS:
        return masker.number(text)
    if field in VIRTUAL_FIELDS:
        return text
    return mask_text(masker, text)


def show_value(field: str, value: Any, masker: Masker) -> str:
    """A field's value for people: strings quoted, booleans as YAML writes them."""
    if value is NOT_REPORTED:
        return NOT_REPORTED_TEXT
    shown = json_value(field, value, masker)
    if shown is None:
        return NONE_TEXT
    if isinstance(shown, bool):
        return "true" if shown else "false"
    if isinstance(value, str) and not isinstance(value, Enum):
        return f'"{shown}"'
    return str(shown)


def show_change(change: FieldChange, masker: Masker) -> str:
    """``field: before -> after``, with a mark for a change made on the platform."""
    before = show_value(change.field, change.before, masker)
    after = show_value(change.field, change.after, masker)
    suffix = " (changed on the platform, out of band)" if change.out_of_band else ""
    return f"{change.field}: {before} -> {after}{suffix}"


def dump_binding(binding: Binding, masker: Masker) -> dict[str, Any]:
    """Every field of a desired binding, JSON-native and masked."""
    return {
        name: json_value(name, getattr(binding, name), masker)
        for name in type(binding).model_fields
    }


_NUMBERS_FIRST = ("a", "b", "x", "area_code", "y_area_code", "area_match", "extension")


def declared_fields(binding: Binding, masker: Masker) -> list[str]:
    """The fields a binding sets (not left at their default), as ``field: value``: its
    numbers and where first, then the rest in the model's order."""
    fields = type(binding).model_fields
    names = [n for n in _NUMBERS_FIRST if n in fields]
    names += [n for n in fields if n not in _NUMBERS_FIRST and n != "key"]
    return [
        f"{name}: {show_value(name, getattr(binding, name), masker)}"
        for name in names
        if getattr(binding, name) != fields[name].default
    ]


def live_numbers(live: Live, masker: Masker) -> list[str]:
    """A live binding's numbers, masked, as ``field: value``."""
    shown = [f"a: {show_value('a', live.a, masker)}"]
    if live.b is not None:
        shown.append(f"b: {show_value('b', live.b, masker)}")
    return shown


# -- describing operations and notes ------------------------------------------------------


def where(live: Live) -> str:
    """Where a live binding is: its subscription and numbers (virtual, shown in full)."""
    parts = [f"subscription {live.subscription_id}", f"x {live.x}"]
    if live.y is not None:
        parts.append(f"y {live.y}")
    if live.extension is not None:
        parts.append(f"extension {live.extension}")
    return ", ".join(parts)


def op_x(op: Operation) -> str | None:
    """The virtual number an operation concerns: the live one, else the pinned one."""
    return op.x


def replace_warning(op: Operation) -> str:
    """The loud line of a replace: the number may change, and whether calls are cut off."""
    if op.bind_first:
        order = "the new binding is bound first, then the old one unbound: no gap"
    else:
        order = "the old binding is unbound first: calls fail (a gap) until the new one is bound"
    return f"REPLACE: {NUMBER_MAY_CHANGE}; {order}"


def op_details(op: Operation, masker: Masker) -> list[str]:
    """The lines that say what an operation changes: fields for modify, replace and adopt,
    the declared fields for a bind, the numbers for an unbind."""
    if op.kind is Kind.bind and op.desired is not None:
        return declared_fields(op.desired, masker)
    if op.kind is Kind.unbind and op.live is not None:
        return live_numbers(op.live, masker)
    return [show_change(change, masker) for change in op.changes]


def note_label(note: Note) -> str:
    """A note's kind, with its count when it stands for several bindings."""
    return f"{note.kind.value} ({note.count})" if note.count > 1 else note.kind.value


# -- summaries ---------------------------------------------------------------------------


def counts_text(counts: Mapping[str, int]) -> str:
    """``2 to bind, 1 to modify, 1 to replace, 0 to unbind, 0 to adopt``."""
    return ", ".join(f"{counts.get(kind.value, 0)} to {kind.value}" for kind in SUMMARY_ORDER)


def app_counts(app: AppPlan) -> dict[str, int]:
    found = {kind.value: 0 for kind in SUMMARY_ORDER}
    for op in app.operations:
        found[op.kind.value] += 1
    return found


def note_counts(notes: Iterable[Note]) -> dict[str, int]:
    """Per note kind, the bindings concerned (a note's ``count``), in the order shown."""
    found = {kind.value: 0 for kind in NoteKind}
    for note in notes:
        found[note.kind.value] += note.count
    return found


def notes_text(counts: Mapping[str, int], kinds: Iterable[NoteKind] = NoteKind) -> str:
    """``1 protected, 2 foreign`` (kinds with none left out); empty when there are none."""
    return ", ".join(f"{counts[k.value]} {k.value}" for k in kinds if counts.get(k.value))


def summary_line(plan: Plan) -> str:
    """The first line of every renderer's output."""
    if plan.has_changes:
        return f"Plan: {counts_text(plan.counts())}."
    attention = notes_text(note_counts(plan.notes), ATTENTION)
    if attention:
        return f"No changes to apply, but the platform does not match the YAML: {attention}."
    return NO_CHANGES


def replaces(plan: Plan) -> list[Operation]:
    return [op for op in plan.operations if op.kind is Kind.replace]


def replace_summary(plan: Plan) -> str | None:
    """How many replaces may change a customer-facing number, and how many leave a gap."""
    found = replaces(plan)
    if not found:
        return None
    gaps = sum(1 for op in found if not op.bind_first)
    gap_text = f", {gaps} with a gap (unbind first)" if gaps else ", none with a gap"
    return f"{len(found)} replace(s): {NUMBER_MAY_CHANGE}{gap_text}"


def refusal_summary(plan: Plan) -> str | None:
    counts = notes_text(note_counts(plan.refusals), REFUSING)
    return f"apply is refused until resolved: {counts}" if counts else None


def sandbox_apps(plan: Plan) -> list[str]:
    return [app.app for app in plan.apps if app.sandbox]


def sandbox_summary(plan: Plan) -> str | None:
    names = sandbox_apps(plan)
    return f"{SANDBOX_TEXT} (app(s): {', '.join(names)})" if names else None
