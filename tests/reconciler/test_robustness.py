"""Apply under faults: lost answers, transient errors over a real socket, a killed process.

Each scenario ends with the same checks: no binding carries privcall's marker for the
same key twice (a duplicate), the next plan is empty (after at most the allowed extra
applies), and bindings privcall did not create are untouched.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from reconciler.apply import ApplyResult, Status
from reconciler.emulator import Emulator
from reconciler.emulator.faults import DropRule, ErrorRule, Faults
from reconciler.emulator.server import serve_in_thread
from tests.reconciler.conftest import (
    APPS,
    Fleet,
    bind_foreign,
    describe,
    duplicates,
    run_apply,
    run_plan,
    sandbox_emulator,
)

LOST = "the answer was lost"
HALF = "the answer of the AX step was lost"

# -- commit then drop ----------------------------------------------------------------------

DROPPED_STEPS = {
    "couriers": ("ax.bind", "ax.modify", "ax.unbind"),
    "orders": ("axb.bind", "axb.modify", "axb.unbind"),
    "stores": ("axe.bind", "axe.modify", "axe.unbind"),
    "rides": ("axyb.bind", "axyb.unbind"),
}
QUERY = {
    "couriers": "ax.query",
    "orders": "axb.query",
    "stores": "axe.query",
    "rides": "axyb.query",
}


def _drop_faults(app: str, seed: int) -> Faults:
    """Commit then drop: the next two answers of every change of the app's mode, then a
    third of them; a tenth of its queries too (those are retried)."""
    rules = {op: DropRule(next=2, rate=0.3) for op in DROPPED_STEPS[app]}
    rules[QUERY[app]] = DropRule(rate=0.1)
    return Faults(drop=rules, seed=seed)


def _check_lost_answers(result: ApplyResult | None) -> int:
    """Every outcome is done or failed; an operation whose answer was lost (and which the
    emulator did commit) is resolved by query as done, except an AXYB bind whose AX step
    lost its answer: its YB step never ran, so it failed (and was undone). Returns how
    many answers were lost."""
    assert result is not None
    lost = 0
    for outcome in result.outcomes:
        assert outcome.status in (Status.done, Status.failed), (outcome.op.key, outcome.message)
        if HALF in outcome.message:
            lost += 1
            assert outcome.status is Status.failed, (outcome.op.key, outcome.message)
        elif LOST in outcome.message:
            lost += 1
            assert outcome.status is Status.done, (outcome.op.key, outcome.message)
    return lost


def _converge_after_drops(
    fleet: Fleet, desired: dict[str, list[dict[str, Any]]], emu: Emulator
) -> None:
    """Apply ``desired`` with the drop faults on, then check: no duplicate, the next plan
    is empty (at once if the apply said it was complete, else after one more apply, with
    the faults off)."""
    repo = fleet.write(desired)
    options = fleet.options(emu)
    code, result = run_apply(repo, options)
    assert result is not None
    assert code in (0, 1, 4), [(o.op.key, o.status, o.message) for o in result.outcomes]
    assert _check_lost_answers(result) >= 2  # the drops did happen
    assert duplicates(emu.bindings()) == {}
    emu.faults = Faults()
    plan = run_plan(repo, options)
    if code != 0:
        assert run_apply(repo, options)[0] == 0
        plan = run_plan(repo, options)
    assert describe(plan) == []
    assert duplicates(emu.bindings()) == {}


@pytest.mark.parametrize("app", list(APPS))
def test_commit_then_drop_during_apply_leaves_no_duplicate_and_an_empty_plan(
    app: str, tmp_path: Path
) -> None:
    count = 10
    fleet = Fleet(tmp_path, {app: count})
    repo = fleet.write({})
    with sandbox_emulator(repo) as emu:
        # binds
        emu.faults = _drop_faults(app, seed=1)
        _converge_after_drops(fleet, {app: [fleet.binding(app, i) for i in range(count)]}, emu)
        assert len(emu.bindings(fleet.app_key(app))) == count
        # modifies (AXYB: replaces, i.e. bind then unbind)
        emu.faults = _drop_faults(app, seed=2)
        _converge_after_drops(
            fleet, {app: [fleet.binding(app, i, variant=1) for i in range(count)]}, emu
        )
        assert len(emu.bindings(fleet.app_key(app))) == count
        # unbinds
        emu.faults = _drop_faults(app, seed=3)
        kept = 4
        _converge_after_drops(
            fleet, {app: [fleet.binding(app, i, variant=1) for i in range(kept)]}, emu
        )
        assert len(emu.bindings(fleet.app_key(app))) == kept


def test_lost_answer_of_the_ax_step_of_an_axyb_bind_is_not_reported_done(tmp_path: Path) -> None:
    """An AXYB bind is two calls (AX step, then YB step). When the AX step's answer is lost,
    querying finds the binding by its marker, but the YB step never ran: A is on X without
    B. That must not be reported done (exit 0 with a plan that is not empty); the half
    binding is unbound again, as the client does when the YB step fails."""
    fleet = Fleet(tmp_path, {"rides": 1})
    repo = fleet.write()
    with sandbox_emulator(repo) as emu:
        emu.faults = Faults(drop={"axyb.bind": DropRule(next=1)})
        code, result = run_apply(repo, fleet.options(emu))
        assert result is not None
        [outcome] = result.outcomes
        assert (code, outcome.status) == (4, Status.failed), outcome.message
        assert "YB step" in outcome.message
        assert [b for b in emu.bindings() if "numB" not in b] == []
        assert run_apply(repo, fleet.options(emu))[0] == 0
        assert describe(run_plan(repo, fleet.options(emu))) == []
        [binding] = emu.bindings()
        assert binding["numB"] == fleet.binding("rides", 0)["b"]


# -- a real socket, transient faults at 10% ------------------------------------------------

TRANSIENT_CODES = ("1010001", "1010010", "1011006", "1020002", "1023002")
"""Internal system error (HTTP 500), flow control, traffic control, internal errors."""
CHANGES = {op for steps in DROPPED_STEPS.values() for op in steps}


def _transient_faults(seed: int) -> Faults:
    """A tenth of the requests of every operation answered with a transient error (not
    processed), the code varying by operation; 3% of the changes committed and dropped;
    a little random latency so that requests interleave differently."""
    operations = [*CHANGES, *QUERY.values()]
    errors = {
        op: ErrorRule(rate=0.1, code=TRANSIENT_CODES[i % len(TRANSIENT_CODES)])
        for i, op in enumerate(sorted(operations))
    }
    drops = {op: DropRule(rate=0.03) for op in CHANGES}
    return Faults(errors=errors, drop=drops, latency=0.0, latency_max=0.004, seed=seed)


def _apply_until_done(fleet: Fleet, desired: dict[str, list[dict[str, Any]]]) -> list[int]:
    """Apply while it exits 4 (partly applied), at most six times; the exit codes."""
    repo = fleet.write(desired)
    codes: list[int] = []
    while len(codes) < 6:
        code, result = run_apply(repo, fleet.options())
        codes.append(code)
        if result is not None:
            for outcome in result.outcomes:
                assert outcome.status is not Status.skipped, (outcome.op.key, outcome.message)
        if code != 4:
            break
    return codes


def _live_by_id(emu: Emulator) -> dict[str, dict[str, Any]]:
    return {b.get("subscriptionId") or b["bindId"]: b for b in emu.bindings()}


def test_apply_over_a_socket_with_transient_faults_converges_and_spares_foreign_bindings(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="reconciler.emulator")
    counts = {"couriers": 15, "orders": 25, "stores": 20, "rides": 10}
    foreign = dict.fromkeys(APPS, 3)
    probe = Fleet(tmp_path / "repo", counts, foreign)
    with (
        Emulator(probe.emulator_config(), state=tmp_path / "emulator.db") as emu,
        serve_in_thread(emu) as url,
    ):
        fleet = Fleet(tmp_path / "repo", counts, foreign, endpoint=url, qps=100, concurrency=8)
        foreign_ids = asyncio.run(bind_foreign(fleet, url))
        assert len(foreign_ids) == 12
        foreign_before = {sub: _live_by_id(emu)[sub] for sub in foreign_ids}

        rounds = [
            # every binding declared
            {app: [fleet.binding(app, i) for i in range(n)] for app, n in counts.items()},
            # half of them changed (AXYB: replaced), a fifth removed, five new ones each
            {
                app: [fleet.binding(app, i, variant=i % 2) for i in range(n // 5, n + 5)]
                for app, n in counts.items()
            },
        ]
        for seed, desired in enumerate(rounds, start=1):
            emu.faults = _transient_faults(seed)
            codes = _apply_until_done(fleet, desired)
            assert codes[-1] == 0, codes
            emu.faults = Faults()
            repo = fleet.write(desired)
            assert describe(run_plan(repo, fleet.options())) == []
            live = emu.bindings()
            assert duplicates(live) == {}
            for app, bindings in desired.items():
                assert len(emu.bindings(fleet.app_key(app))) == len(bindings) + foreign[app]
            assert {sub: _live_by_id(emu).get(sub) for sub in foreign_ids} == foreign_before
    injected = [r for r in caplog.records if "(fault injection)" in r.getMessage()]
    assert len(injected) >= 10  # the faults did happen


# -- a process killed in the middle of an apply --------------------------------------------


def _privcall(root: Path, env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "reconciler", *args, "-C", str(root)],
        env={**os.environ, **env, "NO_COLOR": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _journal(root: Path) -> list[dict[str, Any]]:
    lines = []
    for path in sorted((root / ".privcall" / "journal").glob("*.jsonl")):
        for line in path.read_text("utf-8").splitlines():
            try:
                lines.append(json.loads(line))
            except ValueError:  # the last line of a killed run may be cut short
                continue
    return lines


def test_apply_killed_in_the_middle_converges_on_the_next_apply(tmp_path: Path) -> None:
    counts = {"couriers": 12, "orders": 16, "stores": 16, "rides": 12}
    total = sum(counts.values())
    probe = Fleet(tmp_path / "repo", counts)
    with (
        Emulator(probe.emulator_config(), state=tmp_path / "emulator.db") as emu,
        serve_in_thread(emu) as url,
    ):
        fleet = Fleet(tmp_path / "repo", counts, endpoint=url, qps=100, concurrency=2)
        fleet.write()
        emu.faults = Faults(latency=0.15)  # 8 requests in flight at a time: ~50 binds/s
        first = _privcall(fleet.root, fleet.env(), "apply", "--auto-approve")
        deadline = time.monotonic() + 30
        while len(emu.bindings()) < 12:
            assert first.poll() is None, first.communicate()
            assert time.monotonic() < deadline, "the apply made no progress"
            time.sleep(0.01)
        first.send_signal(signal.SIGKILL)
        first.communicate()
        assert first.returncode == -signal.SIGKILL
        time.sleep(0.3)  # requests in flight when it died are still committed
        emu.faults = Faults()
        bound = len(emu.bindings())
        assert 12 <= bound < total, bound
        journal = _journal(fleet.root)
        done = [r for r in journal if r["event"] == "result" and r["status"] == "done"]
        assert 0 < len(done) <= bound
        assert duplicates(emu.bindings()) == {}

        second = _privcall(fleet.root, fleet.env(), "apply", "--auto-approve")
        out, err = second.communicate(timeout=60)
        assert second.returncode == 0, (out, err)
        assert "0 failed." in out, out
        check = _privcall(fleet.root, fleet.env(), "plan", "--detailed-exitcode")
        out, err = check.communicate(timeout=60)
        assert check.returncode == 0, (out, err)
        assert "No changes." in out
        assert duplicates(emu.bindings()) == {}
        assert len(emu.bindings()) == total
        assert [b for b in emu.bindings(fleet.app_key("rides")) if "numB" not in b] == []
