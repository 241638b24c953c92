"""Slots and ordering: which operations can run, and in which order.

A slot is what a live binding occupies that another binding may need (each mode's domain
table says which: an AX number, a real number's place on an AXB number, an extension on an
AXE number). An operation that needs a slot another binding keeps is blocked (a note, not
an apply that fails the same way every run); a replace binds its new binding first only
when that cannot collide; and where every binding holds a number of its own (AX, AXYB)
the numbers left per city cap the binds.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import replace

from reconciler.config import App
from reconciler.modes import Areas, Binding, DomainTable, Slot
from reconciler.plan.values import Kind, Note, NoteKind, Operation
from reconciler.platform.live import Live

NoteSink = Callable[[Note], None]


def slot_text(slot: Slot) -> str:
    kind, x, what = (*slot, "")[:3]
    if kind == "x":
        return f"number {x}"
    if kind == "pair":
        return f"{what} on number {x}"
    if kind == "ext":
        return f"extension {what} on number {x}"
    return f"A {what} on number {x}"


def _needed(table: DomainTable, binding: Binding | None, live: Live | None) -> set[Slot]:
    """What a binding needs once bound or modified (its X: pinned, or the one it keeps)."""
    if binding is None:
        return set()
    x = binding.pinned_number() or (live.x if live is not None else None)
    return table.needed(binding, x)


def staying_slots(table: DomainTable, ops: list[Operation], live: list[Live]) -> dict[Slot, str]:
    """The slots live bindings still hold once unbinds and modifies have run: every live
    binding that is neither unbound nor replaced keeps its (possibly modified) slots."""
    leaving = {op.subscription_id for op in ops if op.kind in (Kind.unbind, Kind.replace)}
    changed = {op.subscription_id: op for op in ops if op.kind in (Kind.modify, Kind.adopt)}
    staying: dict[Slot, str] = {}
    for binding in live:
        sub = binding.subscription_id
        if sub in leaving:
            continue
        op = changed.get(sub)
        slots = _needed(table, op.desired, binding) if op is not None else table.held(binding)
        for slot in slots:
            staying[slot] = sub
    return staying


def blocked_by_staying(
    table: DomainTable, ops: list[Operation], live: list[Live], note: NoteSink
) -> list[Operation]:
    """Binds and replaces whose pinned slot stays taken by another binding become blocked
    notes."""
    staying = staying_slots(table, ops, live)
    kept = []
    for op in ops:
        if op.kind in (Kind.bind, Kind.replace):
            own = op.live.subscription_id if op.live is not None else None
            taken = sorted(
                slot for slot in _needed(table, op.desired, None) if staying.get(slot, own) != own
            )
            if taken:
                holder = staying[taken[0]]
                note(
                    Note(
                        NoteKind.blocked,
                        op.app,
                        op.key,
                        f"cannot {op.kind.value}: {slot_text(taken[0])} is taken by binding "
                        f"{holder}, which stays; pin another number, or move that binding first",
                        live=op.live,
                    )
                )
                continue
        kept.append(op)
    return kept


def settle_replaces(table: DomainTable, ops: list[Operation], live: list[Live]) -> list[Operation]:
    """A replace binds first only when that cannot collide: no other operation needs a slot
    its old binding holds until it is unbound last, and its new binding needs no slot that
    another live binding holds. Otherwise it unbinds first (a gap, which the plan shows)."""
    holders: dict[Slot, set[str]] = defaultdict(set)
    for binding in live:
        for slot in table.held(binding):
            holders[slot].add(binding.subscription_id)
    wanted: dict[Slot, set[int]] = defaultdict(set)
    for op in ops:
        if op.kind in (Kind.bind, Kind.replace, Kind.modify, Kind.adopt):
            keeps = op.live if op.kind is not Kind.replace else None
            for slot in _needed(table, op.desired, keeps):
                wanted[slot].add(id(op))

    def settle(op: Operation) -> Operation:
        if op.kind is not Kind.replace or not op.bind_first or op.live is None:
            return op
        own = op.live.subscription_id
        blocks = any(wanted[slot] - {id(op)} for slot in table.held(op.live))
        blocked = any(holders[slot] - {own} for slot in _needed(table, op.desired, None))
        return replace(op, bind_first=False) if blocks or blocked else op

    return [settle(op) for op in ops]


def _target_area(binding: Binding | None, areas: Areas) -> str | None:
    """The city a new binding takes a number in (None: any city, with loose matching)."""
    if binding is None:
        return None
    pinned = binding.pinned_number()
    if pinned is not None:
        return areas.get(pinned)
    if binding.loose():
        return None
    return binding.area()


def within_capacity(
    table: DomainTable,
    app: App,
    areas: Areas,
    ops: list[Operation],
    live: list[Live],
    note: NoteSink,
) -> list[Operation]:
    """Where every binding holds a number of its own, count, per city, the numbers left
    once unbinds have run: binds beyond them become blocked notes, and a replace binds
    first only while a spare number remains."""
    if not table.exclusive_x:
        return ops
    spare: dict[str | None, int] = defaultdict(int)
    for entry in app.numbers:
        spare[entry.area_code] += 1
    for binding in live:
        spare[areas.get(binding.x)] -= 1
    for op in ops:
        if op.kind is Kind.unbind or (op.kind is Kind.replace and not op.bind_first):
            assert op.live is not None
            spare[areas.get(op.live.x)] += 1
    kept = []
    for op in sorted(ops, key=lambda o: (o.kind is Kind.replace and o.bind_first, o.key)):
        area = _target_area(op.desired, areas) if op.kind in (Kind.bind, Kind.replace) else None
        if area is None:
            kept.append(op)
        elif spare[area] > 0:
            spare[area] -= 1
            kept.append(op)
        elif (
            op.kind is Kind.replace
            and op.bind_first
            and op.live is not None
            and areas.get(op.live.x) == area
        ):
            # no spare number: unbinding first frees the very place the new one needs
            kept.append(replace(op, bind_first=False))
        else:
            total = sum(1 for e in app.numbers if e.area_code == area)
            note(
                Note(
                    NoteKind.blocked,
                    op.app,
                    op.key,
                    f"cannot {op.kind.value}: no number left in area {area} (the app has "
                    f"{total} there, all taken); add numbers to privcall.yaml, or set "
                    "area_match: loose",
                    live=op.live,
                )
            )
    return kept


def op_order(op: Operation) -> tuple[int, str, str]:
    return (list(Kind).index(op.kind), op.key, op.subscription_id or "")
