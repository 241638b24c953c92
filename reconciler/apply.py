"""Run a plan against the platform (DESIGN section 5).

Operations run in parallel within each app's rate limit (the client's), in phases that
respect what depends on what:

1. unbinds, and the unbind half of replaces that cannot bind first (freeing numbers,
   slots, a number already on an X);
2. modifies and adopts;
3. binds, and the bind half of every replace;
4. the unbind half of replaces that bound the new binding first.

Before a modify or unbind the binding is queried: if it is no longer what the plan saw,
the operation is skipped and reported. A call whose answer was lost is resolved by
querying, never by calling again, so no duplicate is ever created. An authentication
error stops the run: repeated failures get the caller's IP blocked.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from reconciler.errors import PrivcallError
from reconciler.journal import Journal
from reconciler.modes import domain
from reconciler.plan import Kind, Operation, Plan
from reconciler.platform import AuthenticationError, Live, UnknownOutcome
from reconciler.session import Connection, Session


class Status(StrEnum):
    done = "done"
    failed = "failed"
    skipped = "skipped"
    not_attempted = "not attempted"


@dataclass
class Outcome:
    op: Operation
    status: Status = Status.not_attempted
    message: str = ""
    subscription_id: str | None = None


@dataclass
class ApplyResult:
    outcomes: list[Outcome]
    journal: str = ""

    def count(self, status: Status) -> int:
        return sum(o.status is status for o in self.outcomes)

    @property
    def complete(self) -> bool:
        return all(o.status is Status.done for o in self.outcomes)

    @property
    def exit_code(self) -> int:
        """0 all done; 4 not all done (some failed, were skipped or not attempted, even if
        none was done): run apply again to converge. Errors before any operation (config,
        credentials, a failed read) exit 1 before an ApplyResult exists."""
        return 0 if self.complete else 4


def _changes_from(op: Operation) -> dict[str, Any]:
    return {c.field: c.after for c in op.changes if c.field not in {"protect", "user_data"}}


def _same_binding(current: Live, seen: Live) -> bool:
    return current.user_data == seen.user_data and dict(current.fields) == dict(seen.fields)


class _Seen(StrEnum):
    same = "same"
    gone = "gone"
    changed = "changed"


@dataclass
class Executor:
    session: Session
    journal: Journal
    now: Callable[[], datetime]
    on_outcome: Callable[[Outcome], None] | None = None
    stopped: str = ""
    outcomes: dict[int, Outcome] = field(default_factory=dict)
    first_half: dict[int, Status] = field(default_factory=dict)
    """For replaces: how their first half (bind or unbind) ended."""

    async def run(self, plan: Plan) -> ApplyResult:
        for op in plan.operations:
            self.outcomes[id(op)] = Outcome(op)
        await asyncio.gather(
            *(self._run_app(app.app, app.operations) for app in plan.apps if app.operations)
        )
        return ApplyResult(list(self.outcomes.values()), str(self.journal.path))

    async def _run_app(self, name: str, ops: tuple[Operation, ...]) -> None:
        conn = self.session.connections[name]
        unbinds = [op for op in ops if op.kind is Kind.unbind]
        changes = [op for op in ops if op.kind in (Kind.modify, Kind.adopt)]
        binds = [op for op in ops if op.kind is Kind.bind]
        gap = [op for op in ops if op.kind is Kind.replace and not op.bind_first]
        overlap = [op for op in ops if op.kind is Kind.replace and op.bind_first]
        await self._phase(conn, [(op, "unbind") for op in unbinds + gap])
        await self._phase(conn, [(op, "modify") for op in changes])
        await self._phase(
            conn,
            [(op, "bind") for op in binds + overlap]
            + [(op, "bind") for op in gap if self.first_half.get(id(op)) is Status.done],
        )
        await self._phase(
            conn, [(op, "unbind") for op in overlap if self.first_half.get(id(op)) is Status.done]
        )

    async def _phase(self, conn: Connection, steps: list[tuple[Operation, str]]) -> None:
        await asyncio.gather(*(self._step(conn, op, step) for op, step in steps))

    async def _step(self, conn: Connection, op: Operation, step: str) -> None:
        outcome = self.outcomes[id(op)]
        if self.stopped:
            outcome.message = self.stopped
            return
        sub = op.subscription_id if step != "bind" else None
        self.journal.intent(op, step, sub)
        try:
            status, message, new_sub = await getattr(self, f"_{step}")(conn, op)
        except UnknownOutcome as lost:
            status, message, new_sub = await self._resolve(conn, op, step, lost)
        except AuthenticationError as exc:
            self.stopped = f"not attempted: stopped after an authentication error ({exc.code})"
            status, message, new_sub = Status.failed, str(exc), None
        except PrivcallError as exc:
            status, message, new_sub = Status.failed, str(exc), None
        self.journal.result(op, step, status.value, new_sub or sub, message)
        replace_started = op.kind is Kind.replace and id(op) not in self.first_half
        if replace_started:
            self.first_half[id(op)] = status
            if status is Status.done:
                outcome.subscription_id = new_sub if step == "bind" else outcome.subscription_id
                outcome.message = message
                return  # the other half follows in a later phase
        elif op.kind is Kind.replace and status is not Status.done:
            message = f"half done ({outcome.message}), then the {step} failed: {message}"
        outcome.status, outcome.message = status, message
        if step == "bind" and new_sub:
            outcome.subscription_id = new_sub
        if self.on_outcome is not None:
            self.on_outcome(outcome)

    # -- the steps --------------------------------------------------------------------------

    async def _bind(self, conn: Connection, op: Operation) -> tuple[Status, str, str | None]:
        assert op.desired is not None
        user_data = self.session.codec.user_data(op.mode, op.key, op.desired)
        result = await conn.client.bind(op.desired, now=self.now(), user_data=user_data)
        return Status.done, f"bound on {result.x}", result.subscription_id

    async def _seen(self, conn: Connection, op: Operation) -> _Seen:
        """Whether the binding is still what the plan saw."""
        assert op.live is not None
        current = await conn.client.query_one(op.live.subscription_id)
        if current is None:
            return _Seen.gone
        return _Seen.same if _same_binding(current, op.live) else _Seen.changed

    async def _modify(self, conn: Connection, op: Operation) -> tuple[Status, str, str | None]:
        assert op.live is not None and op.desired is not None
        sub = op.live.subscription_id
        seen = await self._seen(conn, op)
        if seen is _Seen.gone:
            return Status.skipped, "gone from the platform since the plan", sub
        if seen is _Seen.changed:
            return Status.skipped, "changed on the platform since the plan; plan again", sub
        user_data = self.session.codec.user_data(op.mode, op.key, op.desired)
        changes = {**_changes_from(op), "user_data": user_data}
        await conn.client.modify(sub, changes, now=self.now(), desired=op.desired)
        return Status.done, "modified", sub

    async def _unbind(self, conn: Connection, op: Operation) -> tuple[Status, str, str | None]:
        assert op.live is not None
        sub = op.live.subscription_id
        seen = await self._seen(conn, op)
        if seen is _Seen.gone:
            return Status.done, "already gone from the platform", sub
        if seen is _Seen.changed:
            return Status.skipped, "changed on the platform since the plan; plan again", sub
        await conn.client.unbind(sub)
        return Status.done, "unbound", sub

    # -- unknown outcomes -------------------------------------------------------------------

    async def _resolve(
        self, conn: Connection, op: Operation, step: str, lost: UnknownOutcome
    ) -> tuple[Status, str, str | None]:
        """Find out by querying whether a call whose answer was lost took effect."""
        try:
            if step == "bind":
                found = await self._find_bound(conn, op)
                if found is None:
                    return Status.failed, "not bound (the answer was lost; checked by query)", None
                if domain(op.mode).incomplete(found):
                    return await self._undo_half(conn, found.subscription_id)
                sub = found.subscription_id
                return Status.done, "bound (the answer was lost; found by query)", sub
            assert op.live is not None
            current = await conn.client.query_one(op.live.subscription_id)
        except PrivcallError as exc:
            return Status.failed, f"{lost}; querying to resolve it failed too: {exc}", None
        sub = op.live.subscription_id
        if step == "unbind":
            if current is None:
                return Status.done, "unbound (the answer was lost; checked by query)", sub
            return Status.failed, "not unbound (the answer was lost; checked by query)", sub
        written = current.marker if current is not None else None
        assert op.desired is not None
        if written is not None and self.session.codec.unchanged(written, op.desired):
            return Status.done, "modified (the answer was lost; checked by query)", sub
        return Status.failed, "not modified (the answer was lost; checked by query)", sub

    async def _undo_half(self, conn: Connection, sub: str) -> tuple[Status, str, str | None]:
        """An AXYB bind whose AX step took effect (its answer was lost) but whose YB step
        never ran: A is on X without B. Unbind that half, as the client does when the YB
        step fails; the bind is not done either way, and the next apply binds it."""
        what = "not bound: the answer of the AX step was lost and the YB step never ran"
        try:
            await conn.client.unbind(sub)
        except PrivcallError as exc:
            return (
                Status.failed,
                f"{what}; unbinding that half (A on X without B) failed: {exc}",
                sub,
            )
        return Status.failed, f"{what}; the AX step was unbound again (checked by query)", None

    async def _find_bound(self, conn: Connection, op: Operation) -> Live | None:
        binding = op.desired
        assert binding is not None
        pinned = binding.pinned_number()
        numbers = [pinned] if pinned else [n.number for n in conn.app.numbers]
        codec = self.session.codec
        wanted = set(codec.indexes(op.key))
        by_number: Mapping[str, list[Live]] = await conn.client.list_many(numbers)
        for lives in by_number.values():
            for live in lives:
                found = live.marker
                if found is not None and found.index in wanted and codec.unchanged(found, binding):
                    return live
        return None


async def apply_plan(
    session: Session,
    plan: Plan,
    journal: Journal,
    now: Callable[[], datetime],
    on_outcome: Callable[[Outcome], None] | None = None,
) -> ApplyResult:
    """Run ``plan``'s operations; the result tells done / failed / skipped / not attempted."""
    try:
        return await Executor(session, journal, now, on_outcome).run(plan)
    finally:
        journal.close()
