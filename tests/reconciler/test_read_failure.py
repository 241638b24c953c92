"""A failed or partial read aborts: it never turns into unbinds."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from reconciler import runner
from reconciler.emulator import ErrorRule, Faults
from reconciler.engine import ReadFailed
from reconciler.loader import load_repository
from reconciler.platform import RetryPolicy
from tests.reconciler.repo import run, sandbox, write_repo

ORDERS = [
    {"key": f"o{i}", "a": f"+861390000{i:04d}", "b": f"+861370000{i:04d}", "area_code": "0755"}
    for i in range(3)
]
FAST = {"retry": RetryPolicy(attempts=2, base=0.001, cap=0.001)}


@pytest.mark.parametrize("code", ["1010001", "1012001"])
def test_a_failing_read_aborts_plan_and_apply_before_any_change(tmp_path: Path, code: str) -> None:
    root = write_repo(tmp_path, {"orders": ORDERS})
    assert run("apply", "-C", str(root), "--auto-approve").exit_code == 0
    write_repo(tmp_path, {"orders": []})  # now everything would be unbound ...
    repo = load_repository(root)
    with sandbox(root) as emu:
        before = emu.bindings()
        # ... but the numbers of the app cannot be read
        emu.faults = Faults(errors={"axb.query": ErrorRule(rate=1.0, code=code)})
        options = runner.RunOptions(sandbox=emu, client_options=FAST)
        with pytest.raises(ReadFailed) as planned:
            asyncio.run(runner.plan(repo, options))
        with pytest.raises(ReadFailed):
            asyncio.run(
                runner.apply(repo, options, runner.ApplyRequest(), confirm=lambda plan: True)
            )
        emu.faults = Faults()
        assert emu.bindings() == before
    message = str(planned.value)
    assert message.startswith(f"could not read the bindings of app 'orders' (platform code {code})")
    assert message.endswith("Nothing was planned: privcall never plans from a partial read.")
