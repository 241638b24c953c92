"""A plan run after the platform moved: modifies and unbinds check first, and skip."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

from reconciler.apply import Status, apply_plan
from reconciler.engine import read_and_plan
from reconciler.journal import Journal
from reconciler.loader import load_repository
from reconciler.runner import RunOptions
from tests.reconciler.repo import run, sandbox, sandbox_client, write_repo

O1 = {"key": "o1", "a": "+8613900000001", "b": "+8613700000001", "x": "+8675500020001"}
O2 = {"key": "o2", "a": "+8613900000002", "b": "+8613700000002", "x": "+8675500020001"}


def test_changed_or_gone_since_the_plan_is_skipped_or_done_never_overwritten(
    tmp_path: Path,
) -> None:
    root = write_repo(tmp_path, {"orders": [O1, O2]})
    assert run("apply", "-C", str(root), "--auto-approve").exit_code == 0
    write_repo(tmp_path, {"orders": [{**O1, "call_direction": "b_only"}]})
    repo = load_repository(root)

    async def scenario() -> dict[str, tuple[Status, str]]:
        with sandbox(root) as emu:
            options = RunOptions(sandbox=emu)
            async with options.session(repo) as session:
                plan = await read_and_plan(session, datetime.now(UTC))
                assert sorted(op.kind.value for op in plan.operations) == ["modify", "unbind"]
                async with sandbox_client(root, emu, "orders") as other:
                    o1, o2 = sorted(await other.list_x(O1["x"]), key=lambda b: b.a)
                    await other.modify(o1.subscription_id, {"sms": False}, now=datetime.now(UTC))
                    await other.unbind(o2.subscription_id)
                    journal = Journal(root, session.masker)
                    result = await apply_plan(session, plan, journal, lambda: datetime.now(UTC))
                    after = await other.query_one(o1.subscription_id)
        assert after is not None
        assert after.fields["sms"] is False  # the out-of-band change was not overwritten
        assert after.fields["call_direction"].value == "both"
        return {o.op.kind.value: (o.status, o.message) for o in result.outcomes}

    outcomes = asyncio.run(scenario())
    assert outcomes == {
        "modify": (Status.skipped, "changed on the platform since the plan; plan again"),
        "unbind": (Status.done, "already gone from the platform"),
    }
