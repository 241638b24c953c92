"""The plan: what privcall would do to make the platform match the YAML.

A plan is a value (DESIGN section 4): sorted operations, each with its app, key, the live
binding before and the desired one after, the fields that change and why; plus notes that
are not operations (conflict, foreign, protected, expired). :func:`plan_app` is pure: the
same desired state, live state and minute give the same plan and the same checksum.

Matching is hash joins on the marker's key hash, then on natural identity only to find
conflicts: linear in the number of bindings. deepdiff is not used for matching; it only
describes the field changes of one modify (:func:`describe_changes`).
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import Enum, StrEnum
from typing import Any

from reconciler import marker as mk
from reconciler.config import App, Ownership
from reconciler.model import (
    AreaMatch,
    AXBBinding,
    AXEBinding,
    AXYBBinding,
    Binding,
    Mode,
    lifetime_problem,
)
from reconciler.platform.live import Live
from reconciler.platform.mapping import ax as ax_map
from reconciler.platform.mapping import axb as axb_map
from reconciler.platform.mapping import axe as axe_map
from reconciler.platform.mapping import axyb as axyb_map
from reconciler.rules import DesiredBinding

MODIFIABLE: dict[Mode, frozenset[str]] = {
    Mode.AX: ax_map.MODIFIABLE,
    Mode.AXB: axb_map.MODIFIABLE,
    Mode.AXE: axe_map.MODIFIABLE,
    Mode.AXYB: axyb_map.MODIFIABLE,
}

EXPIRY_TOLERANCE = timedelta(minutes=2)
"""How far a reported expiry may be from the desired one before it counts as changed out
of band (the platform counts a lifetime from its own clock); also how close to its expiry
a desired binding counts as expired, so that privcall never races the platform."""

SCHEMA_VERSION = 1

_META = frozenset(
    {"key", "protect", "user_data", "x", "area_code", "area_match", "y_area_code", "extension"}
)
_MARKER_FIELDS = frozenset({"user_data", "protect"})
_MOOT: dict[str, Callable[[Binding], bool]] = {
    # A recording hint tone means nothing while recording is off, and the platform cannot
    # clear one (recordHintTone is String(1-128)).
    "record_hint_tone": lambda b: not b.record,
}
"""Fields not compared while the desired binding makes them meaningless."""
_EXPIRY_FIELDS = frozenset({"expires", "b_expires"})


class Kind(Enum):
    """Operation kinds, in the order they are shown."""

    unbind = "unbind"
    replace = "replace"
    modify = "modify"
    adopt = "adopt"
    bind = "bind"


class NoteKind(StrEnum):
    """Notes, in the order they are shown. ``protected`` and ``blocked`` stop an apply."""

    protected = "protected"
    blocked = "blocked"
    conflict = "conflict"
    expired = "expired"
    foreign = "foreign"


class _Unknown:
    """The before-value of a field the platform did not report."""

    def __repr__(self) -> str:
        return "<not reported>"


NOT_REPORTED: Any = _Unknown()


@dataclass(frozen=True)
class FieldChange:
    """One field that differs: ``before`` is :data:`NOT_REPORTED` for a field compared
    through the marker because the platform does not report it."""

    field: str
    before: Any
    after: Any
    out_of_band: bool = False

    @property
    def reported(self) -> bool:
        return self.before is not NOT_REPORTED


@dataclass(frozen=True)
class Operation:
    kind: Kind
    app: str
    mode: Mode
    key: str
    reason: str
    desired: Binding | None = None
    live: Live | None = None
    changes: tuple[FieldChange, ...] = ()
    number_may_change: bool = False
    bind_first: bool = False
    """For a replace: the new binding is bound before the old one is unbound."""

    @property
    def subscription_id(self) -> str | None:
        return self.live.subscription_id if self.live is not None else None


@dataclass(frozen=True)
class Note:
    kind: NoteKind
    app: str
    key: str
    message: str
    live: Live | None = None
    count: int = 1


@dataclass(frozen=True)
class AppPlan:
    app: str
    mode: Mode
    sandbox: bool
    existing: int
    """Live bindings privcall manages in this app (its own, or the whole pool if owned)."""
    operations: tuple[Operation, ...]
    notes: tuple[Note, ...]


@dataclass(frozen=True)
class Plan:
    apps: tuple[AppPlan, ...]
    planned_at: datetime
    """The minute the plan was made for (expiry is judged at this minute)."""

    @property
    def operations(self) -> list[Operation]:
        return [op for app in self.apps for op in app.operations]

    @property
    def notes(self) -> list[Note]:
        return [note for app in self.apps for note in app.notes]

    @property
    def has_changes(self) -> bool:
        return any(app.operations for app in self.apps)

    @property
    def refusals(self) -> list[Note]:
        """Notes that stop an apply: a protected binding to remove, a binding that cannot
        be bound as declared."""
        return [n for n in self.notes if n.kind in (NoteKind.protected, NoteKind.blocked)]

    def counts(self) -> dict[str, int]:
        found = {kind.value: 0 for kind in Kind}
        for op in self.operations:
            found[op.kind.value] += 1
        return found

    @property
    def checksum(self) -> str:
        return checksum(self)


@dataclass
class _Index:
    """The app's live bindings, joined by marker key hash and, for the ones privcall did not
    create, by natural identity (AX and AXE also by A and the area of their number)."""

    ours: dict[str, list[tuple[Live, mk.Marker]]] = field(default_factory=lambda: defaultdict(list))
    foreign: dict[str, list[Live]] = field(default_factory=lambda: defaultdict(list))
    foreign_all: list[Live] = field(default_factory=list)


def plan_minute(now: datetime) -> datetime:
    """The moment a plan judges expiry at: ``now`` without its seconds."""
    return now.replace(second=0, microsecond=0)


@dataclass
class _AppPlanner:
    name: str
    app: App
    at: datetime
    adopt: bool
    areas: dict[str, str]
    index: _Index = field(default_factory=_Index)
    ops: list[Operation] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    claimed: set[str] = field(default_factory=set)
    existing: int = 0
    all_live: list[Live] = field(default_factory=list)

    @property
    def mode(self) -> Mode:
        return self.app.mode

    # -- indexes -------------------------------------------------------------------------

    def add_live(self, live: Iterable[Live]) -> None:
        for binding in live:
            self.all_live.append(binding)
            _, found = mk.split(binding.user_data)
            if found is not None:
                self.index.ours[found.key_hash].append((binding, found))
                continue
            self.index.foreign_all.append(binding)
            for identity in self._live_identities(binding):
                self.index.foreign[identity].append(binding)

    def _live_identities(self, binding: Live) -> list[str]:
        if self.mode in (Mode.AXB, Mode.AXYB):
            return [f"{binding.a}~{binding.b}"]
        return [f"{binding.a}@{binding.x}", f"{binding.a}@area:{self.areas.get(binding.x)}"]

    @staticmethod
    def _desired_identity(binding: Binding) -> str:
        if isinstance(binding, (AXBBinding, AXYBBinding)):
            return f"{binding.a}~{binding.b}"
        if binding.x is not None:
            return f"{binding.a}@{binding.x}"
        return f"{binding.a}@area:{binding.area_code}"

    # -- desired bindings ----------------------------------------------------------------

    def desired(self, item: DesiredBinding) -> None:
        binding = item.binding
        matches = self.index.ours.pop(mk.key_hash(item.key), [])
        if matches:
            keep, found = self._best(matches, binding)
            for extra, _ in matches:
                if extra is not keep:
                    self._op(
                        Kind.unbind, item.key, "a second binding with the same key", live=extra
                    )
            self._matched(item, keep, found)
            return
        if self._expired(binding):
            self._note(NoteKind.expired, item.key, f"expired at {_when(binding)}; not re-created")
            return
        foreign = self._foreign_match(binding)
        if foreign is None:
            self._bind(item)
        elif self.adopt or self.app.ownership is Ownership.owned:
            self._compare(item, foreign, None, adopting=True)
        else:
            self._note(
                NoteKind.conflict,
                item.key,
                f"a binding privcall did not create ({foreign.subscription_id}) has the same "
                "numbers: adopt it with --adopt (or privcall import) to manage it",
                live=foreign,
            )

    def _matched(self, item: DesiredBinding, live: Live, found: mk.Marker) -> None:
        if self._expired(item.binding):
            self._note(
                NoteKind.expired,
                item.key,
                f"expires at {_when(item.binding)}; the platform removes it by itself",
                live=live,
            )
            return
        self._compare(item, live, found)

    def _bind(self, item: DesiredBinding) -> None:
        problem = lifetime_problem(item.binding, self.at)
        if problem is not None:
            self._note(NoteKind.blocked, item.key, f"cannot bind: {problem}")
            return
        self._op(Kind.bind, item.key, "declared, not on the platform", desired=item.binding)

    def _expired(self, binding: Binding) -> bool:
        expires: datetime | None = getattr(binding, "expires", None)
        return expires is not None and expires - self.at <= EXPIRY_TOLERANCE

    def _best(
        self, matches: list[tuple[Live, mk.Marker]], binding: Binding
    ) -> tuple[Live, mk.Marker]:
        """Of several live bindings with one key, keep the one that needs no replace, then
        the smallest subscription id (so the choice is stable)."""
        return min(
            matches,
            key=lambda pair: (
                self._replace_reason(binding, pair[0]) is not None,
                pair[0].subscription_id,
            ),
        )

    def _foreign_match(self, binding: Binding) -> Live | None:
        for live in self.index.foreign.get(self._desired_identity(binding), []):
            if live.subscription_id not in self.claimed:
                self.claimed.add(live.subscription_id)
                return live
        return None

    # -- comparing one pair --------------------------------------------------------------

    def _replace_reason(self, binding: Binding, live: Live) -> str | None:
        """Why ``live`` cannot become ``binding`` without a new bind, or None."""
        areas = self.areas
        loose = getattr(binding, "area_match", None) is AreaMatch.loose
        x = getattr(binding, "x", None)
        if x is not None and live.x != x:
            return f"x changes from {live.x} to {x}"
        area = getattr(binding, "area_code", None)
        if x is None and area is not None and not loose and areas.get(live.x) != area:
            return f"its area changes from {areas.get(live.x, 'unknown')} to {area}"
        if isinstance(binding, AXEBinding):
            if binding.extension is not None and live.extension != binding.extension:
                return f"extension changes from {live.extension} to {binding.extension}"
            if live.a != binding.a:
                return "a changes, and AXE cannot modify a"
        if isinstance(binding, AXYBBinding):
            if live.b is None:
                return "incomplete: only its AX step was bound (B was never bound on a Y)"
            y_area = binding.y_area_code or binding.area_code
            if not loose and live.y is not None and areas.get(live.y, y_area) != y_area:
                return f"the Y area changes from {areas.get(live.y)} to {y_area}"
        return None

    def _compare(
        self, item: DesiredBinding, live: Live, found: mk.Marker | None, *, adopting: bool = False
    ) -> None:
        binding = item.binding
        changes = tuple(field_changes(self.mode, binding, live, found))
        assumed: list[str] = []
        if adopting:
            changes, assumed = self._adoptable(changes)
        reason = self._replace_reason(binding, live) or self._unmodifiable(changes)
        if reason is None and adopting and self.mode is Mode.AXYB:
            reason = "AXYB has no modify API: adopting re-binds it with privcall's marker"
        problem = lifetime_problem(binding, self.at)
        touches_expiry = reason is not None or any(c.field in _EXPIRY_FIELDS for c in changes)
        if problem is not None and touches_expiry:
            self._note(NoteKind.blocked, item.key, f"cannot bind: {problem}", live=live)
            return
        if reason is not None:
            self._op(
                Kind.replace,
                item.key,
                reason,
                desired=binding,
                live=live,
                changes=changes,
                number_may_change=True,
                bind_first=_can_bind_first(binding, live),
            )
        elif adopting:
            why = "taken over on request: privcall writes its marker"
            if assumed:
                why += (
                    f"; {', '.join(assumed)} cannot be read or modified on the platform and "
                    "are taken to be as declared"
                )
            self._op(Kind.adopt, item.key, why, desired=binding, live=live, changes=changes)
        elif changes:
            out_of_band = [c.field for c in changes if c.out_of_band]
            why = (
                f"changed on the platform, out of band: {', '.join(out_of_band)}"
                if out_of_band
                else "changed in the YAML"
            )
            self._op(Kind.modify, item.key, why, desired=binding, live=live, changes=changes)

    def _adoptable(
        self, changes: tuple[FieldChange, ...]
    ) -> tuple[tuple[FieldChange, ...], list[str]]:
        """An adopted binding has no marker, so its unreported fields are unknown. Those
        the mode can modify are written; those it cannot are taken as declared rather than
        re-binding (adopting must not cut callers off), and the plan says so."""
        kept, assumed = [], []
        for change in changes:
            unknown = not change.reported
            if unknown and change.field not in MODIFIABLE[self.mode] | _MARKER_FIELDS:
                assumed.append(change.field)
            else:
                kept.append(change)
        return tuple(kept), assumed

    def _unmodifiable(self, changes: tuple[FieldChange, ...]) -> str | None:
        if self.mode is Mode.AXYB and changes:
            fields = ", ".join(c.field for c in changes)
            return f"AXYB has no modify API ({fields} change)"
        blocked = [
            c.field for c in changes if c.field not in MODIFIABLE[self.mode] | _MARKER_FIELDS
        ]
        if blocked:
            return f"{', '.join(blocked)} cannot be modified in {self.mode.value}"
        return None

    # -- live bindings nobody declared ---------------------------------------------------

    def leftovers(self) -> None:
        for pairs in self.index.ours.values():
            for live, found in pairs:
                key = _live_key(live, found)
                if found.protect:
                    self._note(
                        NoteKind.protected,
                        key,
                        "protected, but no longer declared: privcall refuses to unbind it. "
                        "Declare it again, or apply protect: false first",
                        live=live,
                    )
                else:
                    self._op(Kind.unbind, key, "no longer declared", live=live)
        unclaimed = [b for b in self.index.foreign_all if b.subscription_id not in self.claimed]
        if self.app.ownership is Ownership.owned:
            for live in unclaimed:
                self._op(
                    Kind.unbind,
                    _live_key(live, None),
                    "not declared, and the app's whole pool is privcall's (ownership: owned)",
                    live=live,
                )
        elif unclaimed:
            self._note(
                NoteKind.foreign,
                "",
                f"{len(unclaimed)} binding(s) privcall did not create: left alone "
                "(ownership: marked)",
                count=len(unclaimed),
            )

    # -- output --------------------------------------------------------------------------

    def _op(self, kind: Kind, key: str, reason: str, **kw: Any) -> None:
        self.ops.append(Operation(kind, self.name, self.mode, key, reason, **kw))

    def _note(self, kind: NoteKind, key: str, message: str, **kw: Any) -> None:
        self.notes.append(Note(kind, self.name, key, message, **kw))

    def _settled(self) -> list[Operation]:
        """Operations whose pinned slot stays taken by another binding become blocked notes;
        replaces bind first only when that cannot collide (:func:`_settle_replaces`)."""
        staying = _staying_slots(self.ops, self.all_live)
        kept = []
        for op in self.ops:
            if op.kind in (Kind.bind, Kind.replace):
                own = op.live.subscription_id if op.live is not None else None
                taken = sorted(
                    slot for slot in _needed(op.desired, None) if staying.get(slot, own) != own
                )
                if taken:
                    holder = staying[taken[0]]
                    self._note(
                        NoteKind.blocked,
                        op.key,
                        f"cannot {op.kind.value}: {_slot_text(taken[0])} is taken by binding "
                        f"{holder}, which stays; pin another number, or move that binding first",
                        live=op.live,
                    )
                    continue
            kept.append(op)
        return self._within_capacity(_settle_replaces(kept, self.all_live))

    def _target_area(self, binding: Binding | None) -> str | None:
        """The city a new binding takes a number in (None: any city, with loose matching)."""
        x = getattr(binding, "x", None)
        if x is not None:
            return self.areas.get(x)
        if binding is None or getattr(binding, "area_match", None) is AreaMatch.loose:
            return None
        area: str | None = getattr(binding, "area_code", None)
        return area

    def _area_of(self, op: Operation) -> str | None:
        return self.areas.get(op.live.x) if op.live is not None else None

    def _within_capacity(self, ops: list[Operation]) -> list[Operation]:
        """AX and AXYB give every binding a number (X) of its own. Count, per city, the
        numbers left once unbinds have run: binds beyond them become blocked notes, and a
        replace binds first only while a spare number remains."""
        if self.mode not in (Mode.AX, Mode.AXYB):
            return ops
        spare: dict[str | None, int] = defaultdict(int)
        for entry in self.app.numbers:
            spare[entry.area_code] += 1
        for binding in self.all_live:
            spare[self.areas.get(binding.x)] -= 1
        for op in ops:
            if op.kind is Kind.unbind or (op.kind is Kind.replace and not op.bind_first):
                assert op.live is not None
                spare[self.areas.get(op.live.x)] += 1
        kept = []
        for op in sorted(ops, key=lambda o: (o.kind is Kind.replace and o.bind_first, o.key)):
            area = self._target_area(op.desired) if op.kind in (Kind.bind, Kind.replace) else None
            if area is None:
                kept.append(op)
            elif spare[area] > 0:
                spare[area] -= 1
                kept.append(op)
            elif op.kind is Kind.replace and op.bind_first and self._area_of(op) == area:
                # no spare number: unbinding first frees the very place the new one needs
                kept.append(replace(op, bind_first=False))
            else:
                total = sum(1 for e in self.app.numbers if e.area_code == area)
                self._note(
                    NoteKind.blocked,
                    op.key,
                    f"cannot {op.kind.value}: no number left in area {area} (the app has "
                    f"{total} there, all taken); add numbers to privcall.yaml, or set "
                    "area_match: loose",
                    live=op.live,
                )
        return kept

    def result(self) -> AppPlan:
        return AppPlan(
            self.name,
            self.mode,
            self.app.sandbox,
            self.existing,
            tuple(sorted(self._settled(), key=_op_order)),
            tuple(sorted(self.notes, key=lambda n: (list(NoteKind).index(n.kind), n.key))),
        )


def plan_app(
    name: str,
    app: App,
    desired: Iterable[DesiredBinding],
    live: Iterable[Live],
    now: datetime,
    *,
    adopt: bool = False,
) -> AppPlan:
    """Plan one app: match ``live`` to ``desired`` and list what would change."""
    areas = {entry.number: entry.area_code for entry in (*app.numbers, *app.y_numbers)}
    planner = _AppPlanner(name, app, plan_minute(now), adopt, areas)
    planner.add_live(live)
    managed = planner.index.foreign_all if app.ownership is Ownership.owned else []
    planner.existing = sum(len(pairs) for pairs in planner.index.ours.values()) + len(managed)
    for item in desired:
        planner.desired(item)
    planner.leftovers()
    return planner.result()


def _op_order(op: Operation) -> tuple[int, str, str]:
    return (list(Kind).index(op.kind), op.key, op.subscription_id or "")


def _when(binding: Binding) -> str:
    expires: datetime | None = getattr(binding, "expires", None)
    return expires.isoformat() if expires is not None else "never"


def _same(name: str, live_value: Any, desired: Any) -> bool:
    if name in _EXPIRY_FIELDS and live_value is not None and desired is not None:
        return bool(abs(live_value - desired) <= EXPIRY_TOLERANCE)
    return mk.canonical(live_value) == mk.canonical(desired)


def field_changes(
    mode: Mode, binding: Binding, live: Live, found: mk.Marker | None
) -> list[FieldChange]:
    """The fields in which ``live`` differs from ``binding``.

    A reported field is compared by value; it changed out of band when the marker's state
    hash shows the YAML has not changed since privcall last wrote the binding. A field the
    platform does not report is compared through the marker's hash of the value privcall
    last wrote; without a marker (a binding being adopted) it is written to be sure.
    """
    changes: list[FieldChange] = []
    yaml_unchanged = found is not None and found.state_hash == mk.state_hash(binding)
    for name in type(binding).model_fields:
        if name in _META or (name in _MOOT and _MOOT[name](binding)):
            continue
        desired = getattr(binding, name)
        stored = found.hash_of(mode, name) if found is not None else None
        moved = stored is not None and stored != mk.field_hash(name, desired)
        if name in live.fields:
            before = live.fields[name]
            if not _same(name, before, desired):
                changes.append(FieldChange(name, before, desired, out_of_band=yaml_unchanged))
            elif name in _EXPIRY_FIELDS and moved:
                changes.append(FieldChange(name, before, desired))
        elif name in mk.HASHED[mode] and (stored is None or moved):
            changes.append(FieldChange(name, NOT_REPORTED, desired))
    own, _ = mk.split(live.user_data)
    if own != binding.user_data:
        changes.append(FieldChange("user_data", own, binding.user_data, out_of_band=yaml_unchanged))
    was_protected = found.protect if found is not None else False
    if was_protected != binding.protect:
        changes.append(FieldChange("protect", was_protected, binding.protect))
    return changes


def _can_bind_first(binding: Binding, live: Live) -> bool:
    """Whether the new binding can exist beside the old one, so callers are not cut off.

    Not when it needs the old one's slot: the same pinned AX number (one A per X), the same
    AXE extension or A on the same number, an AXB pair on the same number (a real number
    appears in one pair per number), or the same AXYB B (whose Y the platform picks)."""
    if isinstance(binding, AXYBBinding):
        # Y is chosen by the platform: the same B may need the very place the old one holds.
        return binding.b != live.b
    x = getattr(binding, "x", None)
    same_x = x is not None and x == live.x
    if isinstance(binding, AXEBinding):
        return not (same_x and (binding.extension == live.extension or binding.a == live.a))
    if binding.mode in (Mode.AX, Mode.AXB):
        return not same_x
    return True


Slot = tuple[str, ...]


def _held(live: Live) -> set[Slot]:
    """What a live binding occupies that another binding may need: an AX number, a real
    number's place on an AXB number, an extension or an A on an AXE number."""
    if live.mode is Mode.AX:
        return {("x", live.x)}
    if live.mode is Mode.AXB:
        return {("pair", live.x, live.a), ("pair", live.x, live.b or "")}
    if live.mode is Mode.AXE:
        return {("ext", live.x, live.extension or ""), ("a", live.x, live.a)}
    return set()


def _needed(binding: Binding | None, live: Live | None) -> set[Slot]:
    """What a binding needs once bound or modified (its X: pinned, or the one it keeps)."""
    if binding is None:
        return set()
    x = getattr(binding, "x", None) or (live.x if live is not None else None)
    if x is None:
        return set()
    if binding.mode is Mode.AX:
        return {("x", x)}
    if isinstance(binding, AXBBinding):
        return {("pair", x, binding.a), ("pair", x, binding.b)}
    if isinstance(binding, AXEBinding):
        found: set[Slot] = {("a", x, binding.a)}
        if binding.extension:
            found.add(("ext", x, binding.extension))
        return found
    return set()


def _slot_text(slot: Slot) -> str:
    kind, x, what = (*slot, "")[:3]
    if kind == "x":
        return f"number {x}"
    if kind == "pair":
        return f"{what} on number {x}"
    if kind == "ext":
        return f"extension {what} on number {x}"
    return f"A {what} on number {x}"


def _staying_slots(ops: list[Operation], live: list[Live]) -> dict[Slot, str]:
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
        slots = _needed(op.desired, binding) if op is not None else _held(binding)
        for slot in slots:
            staying[slot] = sub
    return staying


def _settle_replaces(ops: list[Operation], live: list[Live]) -> list[Operation]:
    """A replace binds first only when that cannot collide: no other operation needs a slot
    its old binding holds until it is unbound last, and its new binding needs no slot that
    another live binding holds. Otherwise it unbinds first (a gap, which the plan shows)."""
    holders: dict[Slot, set[str]] = defaultdict(set)
    for binding in live:
        for slot in _held(binding):
            holders[slot].add(binding.subscription_id)
    wanted: dict[Slot, set[int]] = defaultdict(set)
    for op in ops:
        if op.kind in (Kind.bind, Kind.replace, Kind.modify, Kind.adopt):
            keeps = op.live if op.kind is not Kind.replace else None
            for slot in _needed(op.desired, keeps):
                wanted[slot].add(id(op))

    def settle(op: Operation) -> Operation:
        if op.kind is not Kind.replace or not op.bind_first or op.live is None:
            return op
        own = op.live.subscription_id
        blocks = any(wanted[slot] - {id(op)} for slot in _held(op.live))
        blocked = any(holders[slot] - {own} for slot in _needed(op.desired, None))
        return replace(op, bind_first=False) if blocks or blocked else op

    return [settle(op) for op in ops]


def _live_key(live: Live, found: mk.Marker | None) -> str:
    """A name for a live binding that has no desired one: its numbers (and key hash)."""
    suffix = f" [{found.key_hash}]" if found is not None else ""
    if live.mode in (Mode.AXB, Mode.AXYB):
        return f"{live.a}~{live.b}{suffix}"
    if live.mode is Mode.AXE:
        return f"{live.a}@{live.x}#{live.extension}{suffix}"
    return f"{live.a}@{live.x}{suffix}"


# -- checksum ---------------------------------------------------------------------------


def _canonical_op(op: Operation) -> dict[str, Any]:
    desired = (
        {k: mk.canonical(v) for k, v in op.desired.model_dump().items()} if op.desired else None
    )
    return {
        "kind": op.kind.value,
        "app": op.app,
        "key": op.key,
        "subscription_id": op.subscription_id,
        "desired": desired,
        "changes": [
            [c.field, None if not c.reported else mk.canonical(c.before), mk.canonical(c.after)]
            for c in op.changes
        ],
    }


def canonical_plan(plan: Plan) -> list[dict[str, Any]]:
    """What the checksum covers: every operation and every refusal, in plan order."""
    items = [_canonical_op(op) for op in plan.operations]
    items += [
        {
            "refusal": n.kind.value,
            "app": n.app,
            "key": n.key,
            "live": n.live.subscription_id if n.live is not None else None,
        }
        for n in plan.refusals
    ]
    return items


def checksum(plan: Plan) -> str:
    """SHA-256 over the canonical plan: what `apply --checksum` compares."""
    text = json.dumps(canonical_plan(plan), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def differing_operations(reviewed: Plan | None, current: Plan) -> list[str]:
    """Describe how ``current`` differs from a reviewed plan (for a checksum mismatch)."""
    now = {json.dumps(item, sort_keys=True) for item in canonical_plan(current)}
    if reviewed is None:
        return sorted(now)
    before = {json.dumps(item, sort_keys=True) for item in canonical_plan(reviewed)}
    return sorted(now ^ before)
