"""The order of an app's operations: what each must wait for, so that every step the plan
shows can succeed when it runs.

Every operation is one or two **steps** (a replace is an unbind and a bind). A step takes
units from the platform's limits (the mode's domain table: a number of its own, a real
number's place on a number, an extension, one of an A's five numbers, one of an X's 5000
pairs) and gives others back. The plan is **simulated** on the live state: a step runs once
what it takes is free; the steps that freed it are what it waits for (``Operation.after``).
Pinned binds run before area binds, so the platform never hands a pinned number to a
binding placed by area.

When no step can run, the simulation breaks the deadlock, in this order: a replace that
was to bind first unbinds first instead (the A already holds five numbers, say); a modify
caught in a cycle (two pairs swapping their B numbers) becomes a replace, which unbinds
first and binds again once the other has moved; anything left can never succeed — a real
platform limit held by a binding that stays — and becomes a ``blocked`` note naming the
limit, so apply refuses up front instead of failing the same way on every run.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

from reconciler.modes import DomainTable, Slot
from reconciler.plan.values import Kind, Note, NoteKind, Operation
from reconciler.platform.live import Live

BIND, MODIFY, UNBIND = "bind", "modify", "unbind"
_ACTION_ORDER = {UNBIND: 0, MODIFY: 1, BIND: 2}
CYCLE_REASON = "replaced to break a cycle"


def step_id(op: Operation, action: str) -> str:
    """A step's name as the plan shows it (``modify orders/p2``); an unbind also names the
    subscription, since a key may have a second live binding."""
    name = f"{action} {op.app}/{op.key}"
    if action == UNBIND and op.subscription_id:
        return f"{name} ({op.subscription_id})"
    return name


@dataclass
class Step:
    op: Operation
    action: str
    needs: Counter[Slot]
    frees: Counter[Slot]
    first: str | None = None
    """The other half of the same replace, when it must come first."""

    @property
    def id(self) -> str:
        return step_id(self.op, self.action)

    @property
    def pinned_bind(self) -> bool:
        return (
            self.action == BIND
            and self.op.desired is not None
            and self.op.desired.pinned_number() is not None
        )

    @property
    def area_bind(self) -> bool:
        return self.action == BIND and not self.pinned_bind


def steps_for(table: DomainTable, op: Operation) -> list[Step]:
    """The steps of one operation, with what each takes and gives back."""
    if op.kind in (Kind.unbind, Kind.dedupe):
        assert op.live is not None
        return [Step(op, UNBIND, Counter(), table.units(op.live))]
    if op.kind in (Kind.modify, Kind.adopt):
        assert op.live is not None and op.desired is not None
        old = table.units(op.live)
        new = table.wants(op.desired, op.live.x)
        return [Step(op, MODIFY, new - old, old - new)]
    assert op.desired is not None
    bind = Step(op, BIND, table.wants(op.desired, op.desired.pinned_number()), Counter())
    if op.kind is Kind.bind:
        return [bind]
    assert op.live is not None
    unbind = Step(op, UNBIND, Counter(), table.units(op.live))
    if op.bind_first:
        unbind.first = bind.id
    else:
        bind.first = unbind.id
    return [unbind, bind]


def main_step(steps: list[Step]) -> Step:
    """The step of an operation that waits for others (the one that takes something)."""
    return next((s for s in steps if s.action != UNBIND), steps[0])


@dataclass
class _Result:
    waits: dict[str, set[str]]
    stuck: list[Step]
    held: Counter[Slot]


def _simulate(table: DomainTable, ops: list[Operation], live: Iterable[Live]) -> _Result:
    held: Counter[Slot] = Counter()
    for binding in live:
        held.update(table.units(binding))
    pending = sorted(
        (step for op in ops for step in steps_for(table, op)),
        key=lambda s: (_ACTION_ORDER[s.action], not s.pinned_bind, s.op.key, s.id),
    )
    done: set[str] = set()
    releaser: dict[Slot, str] = {}
    waits: dict[str, set[str]] = {}
    pinned = [s for s in pending if s.pinned_bind]
    while pending:
        progressed = False
        for step in list(pending):
            if step.first is not None and step.first not in done:
                continue
            gate = _gate(table, step, pinned, done)
            if gate - done:
                continue
            if any(held[s] + n > table.capacity(s) for s, n in step.needs.items()):
                continue
            waited = {
                releaser[s]
                for s, n in step.needs.items()
                if s in releaser and held[s] + n >= table.capacity(s)
            }
            if step.first is not None:
                waited.add(step.first)
            waited |= gate
            held.update(step.needs)
            held.subtract(step.frees)
            for slot in step.frees:
                releaser[slot] = step.id
            waits[step.id] = waited
            done.add(step.id)
            pending.remove(step)
            progressed = True
        if not progressed:
            break
    return _Result(waits, pending, held)


def _gate(table: DomainTable, step: Step, pinned: list[Step], done: set[str]) -> set[str]:
    """The pinned binds an area bind waits for, so that the platform cannot hand it their
    number: all of them, except those waiting for a number this very binding's old half
    holds (a binding moving off a pinned number binds its new half first)."""
    if not step.area_bind:
        return set()
    holding = step.op.live is not None and step.first is None
    own = table.units(step.op.live) if holding and step.op.live is not None else Counter()
    return {p.id for p in pinned if not (p.needs.keys() & own.keys())}


def _cycle_breaker(table: DomainTable, stuck: list[Step]) -> Step | None:
    """A stuck modify whose missing units are held by another stuck operation's binding."""
    holders: dict[Slot, set[str]] = {}
    for step in stuck:
        if step.op.live is not None:
            for slot in table.units(step.op.live):
                holders.setdefault(slot, set()).add(step.id)
    candidates = [
        step
        for step in stuck
        if step.action == MODIFY
        and any(holders.get(slot, set()) - {step.id} for slot in step.needs)
    ]
    return max(candidates, key=lambda s: s.op.key, default=None)


def _blocking_slot(table: DomainTable, step: Step, held: Counter[Slot]) -> Slot:
    over = [s for s, n in step.needs.items() if held[s] + n > table.capacity(s)]
    return sorted(over)[0] if over else sorted(step.needs)[0]


def schedule(
    table: DomainTable,
    ops: list[Operation],
    live: list[Live],
    note: Callable[[Note], None],
) -> list[Operation]:
    """``ops`` with ``after`` set, deadlocks broken (see the module docstring)."""
    ops = list(ops)
    for _ in range(len(ops) + 1):
        result = _simulate(table, ops, live)
        if not result.stuck:
            return [_with_after(table, op, result.waits) for op in ops]
        stuck_ops = {id(step.op) for step in result.stuck}
        first = sorted(
            (op for op in ops if id(op) in stuck_ops and op.kind is Kind.replace and op.bind_first),
            key=lambda op: op.key,
        )
        if first:
            ops = [replace(op, bind_first=False) if op is first[0] else op for op in ops]
            continue
        breaker = _cycle_breaker(table, result.stuck)
        if breaker is not None:
            op = breaker.op
            why = f"{op.reason}; {CYCLE_REASON}: it unbinds first, then binds again"
            swapped = replace(
                op, kind=Kind.replace, reason=why, number_may_change=True, bind_first=False
            )
            ops = [swapped if o is op else o for o in ops]
            continue
        over = [
            step
            for step in result.stuck
            if any(result.held[s] + n > table.capacity(s) for s, n in step.needs.items())
        ]
        for step in over or result.stuck:
            slot = _blocking_slot(table, step, result.held)
            note(
                Note(
                    NoteKind.blocked,
                    step.op.app,
                    step.op.key,
                    f"cannot {step.op.kind.value}: {table.limit_text(slot)}, and nothing in the "
                    "plan frees it; change the YAML (another number, or remove the binding in "
                    "the way) so that the platform's limit holds",
                    live=step.op.live,
                )
            )
        blocked = {id(step.op) for step in (over or result.stuck)}
        ops = [op for op in ops if id(op) not in blocked]
    return ops


def _with_after(table: DomainTable, op: Operation, waits: dict[str, set[str]]) -> Operation:
    steps = steps_for(table, op)
    own = {step.id for step in steps}
    after = waits.get(main_step(steps).id, set()) - own
    return replace(op, after=tuple(sorted(after))) if after else op
