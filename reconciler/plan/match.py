"""Matching live bindings to desired ones, and the operations and notes that follow.

Matching is hash joins on the marker's key index, then on the mode's natural identity
only to find conflicts (and bindings to adopt): linear in the number of bindings. Per
pair, :mod:`reconciler.plan.diff` says what differs; the mode's domain table says whether
that is a modify or a replace; :mod:`reconciler.plan.order` settles what can run.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from reconciler.config import App, Ownership
from reconciler.marker import Codec, Marker
from reconciler.modes import Binding, DomainTable, domain
from reconciler.plan import order
from reconciler.plan.diff import (
    EXPIRY_FIELDS,
    EXPIRY_TOLERANCE,
    MARKER_ONLY,
    field_changes,
    unmodifiable,
)
from reconciler.plan.values import AppPlan, FieldChange, Kind, Note, NoteKind, Operation
from reconciler.platform import tables
from reconciler.platform.live import Live
from reconciler.rules import DesiredBinding


def plan_minute(now: datetime) -> datetime:
    """The moment a plan judges expiry at: ``now`` without its seconds."""
    return now.replace(second=0, microsecond=0)


@dataclass
class _Index:
    """The app's live bindings: privcall's by marker index, the others by identity."""

    ours: dict[str, list[Live]] = field(default_factory=lambda: defaultdict(list))
    foreign: dict[str, list[Live]] = field(default_factory=lambda: defaultdict(list))
    foreign_all: list[Live] = field(default_factory=list)


@dataclass
class _AppPlanner:
    name: str
    app: App
    at: datetime
    adopt: bool
    areas: dict[str, str]
    codec: Codec
    table: DomainTable
    index: _Index = field(default_factory=_Index)
    ops: list[Operation] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    claimed: set[str] = field(default_factory=set)
    existing: int = 0
    all_live: list[Live] = field(default_factory=list)

    # -- indexes -------------------------------------------------------------------------

    def add_live(self, live: Iterable[Live]) -> None:
        for binding in live:
            self.all_live.append(binding)
            found = binding.marker
            if found is not None:
                self.codec.check(found)
                self.index.ours[found.index].append(binding)
                continue
            self.index.foreign_all.append(binding)
            for identity in self.table.live_identities(binding, self.areas):
                self.index.foreign[identity].append(binding)

    # -- desired bindings ----------------------------------------------------------------

    def desired(self, item: DesiredBinding) -> None:
        binding = item.binding
        matches: list[Live] = []
        for index in self.codec.indexes(item.key):
            matches += self.index.ours.pop(index, [])
        if matches:
            keep = self._best(matches, binding)
            for extra in matches:
                if extra is not keep:
                    self._op(
                        Kind.unbind,
                        item.key,
                        "a second binding with the same key",
                        live=extra,
                        duplicate=True,
                    )
            self._matched(item, keep)
            return
        if self._expired(binding):
            self._note(NoteKind.expired, item.key, f"expired at {_when(binding)}; not re-created")
            return
        foreign = self._foreign_match(binding)
        if foreign is None:
            self._bind(item)
        elif self.adopt or self.app.ownership is Ownership.owned:
            self._compare(item, foreign, adopting=True)
        else:
            self._note(
                NoteKind.conflict,
                item.key,
                f"a binding privcall did not create ({foreign.subscription_id}) has the same "
                "numbers: adopt it with --adopt (or privcall import) to manage it",
                live=foreign,
            )

    def _matched(self, item: DesiredBinding, live: Live) -> None:
        if self._expired(item.binding):
            self._note(
                NoteKind.expired,
                item.key,
                f"expires at {_when(item.binding)}; the platform removes it by itself",
                live=live,
            )
            return
        self._compare(item, live)

    def _bind(self, item: DesiredBinding) -> None:
        problem = self.table.lifetime_problem(item.binding, self.at)
        if problem is not None:
            self._note(NoteKind.blocked, item.key, f"cannot bind: {problem}")
            return
        self._op(Kind.bind, item.key, "declared, not on the platform", desired=item.binding)

    def _expired(self, binding: Binding) -> bool:
        expires = binding.expiry()
        return expires is not None and expires - self.at <= EXPIRY_TOLERANCE

    def _best(self, matches: list[Live], binding: Binding) -> Live:
        """Of several live bindings with one key, keep the one that needs no replace, then
        the smallest subscription id (so the choice is stable)."""
        return min(
            matches,
            key=lambda live: (
                self.table.replace_reason(binding, live, self.areas) is not None,
                live.subscription_id,
            ),
        )

    def _foreign_match(self, binding: Binding) -> Live | None:
        for live in self.index.foreign.get(self.table.identity(binding), []):
            if live.subscription_id not in self.claimed:
                self.claimed.add(live.subscription_id)
                return live
        return None

    # -- comparing one pair --------------------------------------------------------------

    def _compare(self, item: DesiredBinding, live: Live, *, adopting: bool = False) -> None:
        binding = item.binding
        found: Marker | None = None if adopting else live.marker
        changes = tuple(field_changes(self.codec, self.table.mode, binding, live, found))
        assumed: list[str] = []
        if adopting:
            changes, assumed = self._adoptable(changes)
        reason = self.table.replace_reason(binding, live, self.areas) or unmodifiable(
            self.table.mode, self.table.can_modify, changes
        )
        if reason is None and adopting and not self.table.can_modify:
            reason = (
                f"{self.table.mode.value} has no modify API: adopting re-binds it with "
                "privcall's marker"
            )
        problem = self.table.lifetime_problem(binding, self.at)
        touches_expiry = reason is not None or any(c.field in EXPIRY_FIELDS for c in changes)
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
                bind_first=self.table.can_bind_first(binding, live),
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
        allowed = tables.modifiable(self.table.mode) | MARKER_ONLY
        for change in changes:
            if not change.reported and change.field not in allowed:
                assumed.append(change.field)
            else:
                kept.append(change)
        return tuple(kept), assumed

    # -- live bindings nobody declared ---------------------------------------------------

    def leftovers(self) -> None:
        for group in self.index.ours.values():
            for live in group:
                assert live.marker is not None
                key = f"{self.table.live_name(live)} [{live.marker.key_hash}]"
                if live.marker.protect:
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
                    self.table.live_name(live),
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
        self.ops.append(Operation(kind, self.name, self.table.mode, key, reason, **kw))

    def _note(self, kind: NoteKind, key: str, message: str, **kw: Any) -> None:
        self.notes.append(Note(kind, self.name, key, message, **kw))

    def result(self) -> AppPlan:
        ops = order.blocked_by_staying(self.table, self.ops, self.all_live, self.notes.append)
        ops = order.settle_replaces(self.table, ops, self.all_live)
        ops = order.within_capacity(
            self.table, self.app, self.areas, ops, self.all_live, self.notes.append
        )
        return AppPlan(
            self.name,
            self.table.mode,
            self.app.sandbox,
            self.existing,
            tuple(sorted(ops, key=order.op_order)),
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
    codec: Codec | None = None,
) -> AppPlan:
    """Plan one app: match ``live`` to ``desired`` and list what would change (pure: the
    same desired state, live state and minute give the same plan)."""
    areas = {entry.number: entry.area_code for entry in (*app.numbers, *app.y_numbers)}
    planner = _AppPlanner(
        name, app, plan_minute(now), adopt, areas, codec or Codec(), domain(app.mode)
    )
    planner.add_live(live)
    managed = planner.index.foreign_all if app.ownership is Ownership.owned else []
    planner.existing = sum(len(group) for group in planner.index.ours.values()) + len(managed)
    for item in desired:
        planner.desired(item)
    planner.leftovers()
    return planner.result()


def _when(binding: Binding) -> str:
    expires = binding.expiry()
    return expires.isoformat() if expires is not None else "never"
