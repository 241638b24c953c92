"""Run a plan against the platform (DESIGN section 5).

Each operation is one or two steps (a replace is a bind and an unbind). Steps run in
parallel within each app's rate limit (the client's), each once what it waits for is done:
the other half of its replace, and the steps the plan's schedule says free what it needs
(``Operation.after``, :mod:`reconciler.plan.schedule`) — an unbind that frees a number
before the bind that pins it, a modify that gives up a real number before the one that
takes it, pinned binds before area binds. A step whose prerequisite did not succeed is not
attempted (it would fail the same way), and the table says why.

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
from reconciler.plan import Operation, Plan
from reconciler.plan.schedule import Step, main_step, steps_for
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
class _Run:
    """One step being run: its plan step, and when it ended."""

    step: Step
    ended: asyncio.Event = field(default_factory=asyncio.Event)
    status: Status = Status.not_attempted


@dataclass
class Executor:
    session: Session
    journal: Journal
    now: Callable[[], datetime]
    on_outcome: Callable[[Outcome], None] | None = None
    stopped: str = ""
    outcomes: dict[int, Outcome] = field(default_factory=dict)
    runs: dict[str, _Run] = field(default_factory=dict)

    async def run(self, plan: Plan) -> ApplyResult:
        tasks = []
        for app in plan.apps:
            table = domain(app.mode)
            conn = self.session.connections.get(app.app)
            for op in app.operations:
                self.outcomes[id(op)] = Outcome(op)
                steps = steps_for(table, op)
                for step in steps:
                    self.runs[step.id] = _Run(step)
                if conn is not None:
                    tasks.append(self._operation(conn, op, steps))
        await asyncio.gather(*tasks)
        return ApplyResult(list(self.outcomes.values()), str(self.journal.path))

    async def _operation(self, conn: Connection, op: Operation, steps: list[Step]) -> None:
        outcome = self.outcomes[id(op)]
        messages: list[str] = []
        main = main_step(steps)
        for step in sorted(steps, key=lambda s: s.first is not None):
            waits = [step.first] if step.first is not None else []
            if step is main:
                waits += list(op.after)
            status, message, sub = await self._when_ready(conn, op, step, waits)
            self.runs[step.id].status = status
            self.runs[step.id].ended.set()
            if step.action == "bind" and sub:
                outcome.subscription_id = sub
            messages.append(message)
            if status is not Status.done:
                if len(messages) > 1:
                    message = f"half done ({messages[0]}), then the {step.action} failed: {message}"
                outcome.status, outcome.message = status, message
                self._finish(steps)
                break
        else:
            outcome.status, outcome.message = Status.done, messages[-1]
        if self.on_outcome is not None:
            self.on_outcome(outcome)

    def _finish(self, steps: list[Step]) -> None:
        for step in steps:
            run = self.runs[step.id]
            if not run.ended.is_set():
                run.ended.set()

    async def _when_ready(
        self, conn: Connection, op: Operation, step: Step, waits: list[str]
    ) -> tuple[Status, str, str | None]:
        for name in waits:
            run = self.runs.get(name)
            if run is None:
                continue
            await run.ended.wait()
            if run.status is not Status.done:
                return (
                    Status.not_attempted,
                    f"not attempted: waits for {name}, which did not succeed",
                    None,
                )
        return await self._step(conn, op, step.action)

    async def _step(
        self, conn: Connection, op: Operation, action: str
    ) -> tuple[Status, str, str | None]:
        if self.stopped:
            return Status.not_attempted, self.stopped, None
        sub = op.subscription_id if action != "bind" else None
        self.journal.intent(op, action, sub)
        try:
            status, message, new_sub = await getattr(self, f"_{action}")(conn, op)
        except UnknownOutcome as lost:
            status, message, new_sub = await self._resolve(conn, op, action, lost)
        except AuthenticationError as exc:
            self.stopped = f"not attempted: stopped after an authentication error ({exc.code})"
            status, message, new_sub = Status.failed, str(exc), None
        except PrivcallError as exc:
            status, message, new_sub = Status.failed, str(exc), None
        self.journal.result(op, action, status.value, new_sub or sub, message)
        return status, message, new_sub

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
