"""Benchmark: plan and apply against the emulator over loopback (issue 5, "Speed").

1. A no-op ``plan`` of 100,000 AXB bindings on 1,000 virtual numbers (target: 15 s or
   less): wall time, and CPU time per binding in privcall and in the emulator.
2. An ``apply`` of 2,000 binds with 20 ms injected latency at qps 100 and concurrency 16
   (target: at least 90% of the rate the qps allows), beside the same work done one call
   at a time (concurrency 1), with the ratio of the two.

    .venv/bin/python bench/bench_reconcile.py [--bindings 100000] [--numbers 1000]
        [--binds 2000] [--skip-sequential]

Setup is not timed. The emulator's state for the plan is written straight into its
SQLite file through its own store (binding 100,000 through the API would take minutes):
one binding is bound through the API, and the others copy its stored attributes with
their own privcall marker in ``userData``, so the live state is what ``apply`` would have
left. The emulator then runs as ``privcall emulator serve`` in a subprocess (its own
core), and privcall plans and applies through its HTTP client, as the CLI does.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from reconciler import marker as mk
from reconciler import runner
from reconciler.apply import Outcome, Status
from reconciler.emulator import AppSpec, Emulator, EmulatorConfig, NumberSpec
from reconciler.emulator.store import Binding as StoredBinding
from reconciler.loader import Repository, load_repository
from reconciler.model import Mode
from reconciler.modes import AXBBinding
from reconciler.platform import AppClient

AREA = "0755"
SECRET = "bench-secret-not-real"
APPS = {"orders": "bench-orders", "bulk": "bench-bulk"}
"""privcall app name -> emulator app key. ``orders`` is planned, ``bulk`` applied."""
BULK_NUMBERS = 10


def x_number(prefix: str, i: int) -> str:
    return f"+86755{prefix}{i:06d}"


def env() -> dict[str, str]:
    out = dict(os.environ)
    for name, key in APPS.items():
        out[f"BENCH_{name.upper()}_KEY"] = key
        out[f"BENCH_{name.upper()}_SECRET"] = SECRET
    return out


def emulator_config(numbers: int) -> EmulatorConfig:
    pools = {"orders": ("51", numbers), "bulk": ("52", BULK_NUMBERS)}
    return EmulatorConfig(
        apps=[
            AppSpec(
                app_key=APPS[name],
                app_secret=SECRET,
                mode="AXB",
                numbers=[
                    NumberSpec(number=x_number(prefix, i), area_code=AREA) for i in range(amount)
                ],
            )
            for name, (prefix, amount) in pools.items()
        ]
    )


def write_repo(
    root: Path, app: str, url: str, numbers: list[str], bindings: int, rate: dict[str, Any]
) -> None:
    """A bindings repository with one AXB app and ``bindings`` pairs (one file)."""
    config = {
        "apps": {
            app: {
                "mode": "AXB",
                "endpoint": url,
                "credentials": {
                    "key_env": f"BENCH_{app.upper()}_KEY",
                    "secret_env": f"BENCH_{app.upper()}_SECRET",
                },
                "numbers": [{"number": n, "area_code": AREA} for n in numbers],
                "safety": {"max_unbind_percent": 100, "max_modify_percent": 100},
                "rate_limit": rate,
            }
        }
    }
    root.mkdir(parents=True, exist_ok=True)
    (root / "privcall.yaml").write_text(json.dumps(config), "utf-8")
    (root / "bindings").mkdir(exist_ok=True)
    lines = [f"app: {app}", "bindings:"]
    lines += [
        f'  - {{key: "{app}-{i:06d}", a: "+86138{i:08d}", b: "+86139{i:08d}", area_code: "{AREA}"}}'
        for i in range(bindings)
    ]
    (root / "bindings" / f"{app}.yaml").write_text("\n".join(lines) + "\n", "utf-8")


def populate(state: Path, config: EmulatorConfig, repo: Repository, per_number: int) -> None:
    """Every binding of ``orders`` as privcall's apply leaves it: the first bound through
    the API, the others copies of its stored attributes with their own marker."""
    items = repo.bindings["orders"]
    numbers = [n.number for n in repo.config.apps["orders"].numbers]

    def user_data(index: int) -> str:
        item = items[index]
        return mk.Codec().user_data(Mode.AXB, item.key, item.binding)

    async def bind_first(emu: Emulator) -> None:
        async with AppClient(
            Mode.AXB, "http://emulator", APPS["orders"], SECRET, transport=emu.async_transport()
        ) as client:
            result = await client.bind(
                items[0].binding, now=datetime.now(UTC), user_data=user_data(0)
            )
            assert result.x == numbers[0], result

    with Emulator(config, state=state) as emu:
        asyncio.run(bind_first(emu))
        with emu.store.transaction() as tx:
            [template] = tx.all(APPS["orders"])
            for i in range(1, len(items)):
                binding = items[i].binding
                assert isinstance(binding, AXBBinding)
                tx.insert(
                    StoredBinding(
                        sub_id=f"bench-{i:07d}",
                        app_key=template.app_key,
                        mode=template.mode,
                        x=numbers[i // per_number],
                        a=binding.a,
                        b=binding.b,
                        created=template.created,
                        changed=template.changed,
                        expires=None,
                        attrs={**template.attrs, "userData": user_data(i)},
                    )
                )


@dataclass
class Server:
    process: subprocess.Popen[str]
    url: str

    def cpu(self) -> float:
        """CPU seconds (user + system) the emulator process used so far (Linux /proc)."""
        try:
            stat = Path(f"/proc/{self.process.pid}/stat").read_text()
        except OSError:
            return 0.0
        fields = stat.rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def admin(self, method: str, path: str, body: Any = None) -> None:
        httpx.request(
            method, f"{self.url}/_emulator/{path}", json=body, timeout=30
        ).raise_for_status()


def serve(config: EmulatorConfig, directory: Path, state: Path) -> Server:
    config_path = directory / "emulator-apps.yaml"
    config_path.write_text(json.dumps(config.model_dump()), "utf-8")
    command = [sys.executable, "-m", "reconciler", "emulator", "serve"]
    command += ["--config", str(config_path), "--state", str(state), "--port", "0"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    line = process.stdout.readline()
    if "listening on" not in line:
        process.kill()
        raise SystemExit(f"the emulator did not start: {line!r}")
    return Server(process, line.rsplit(" ", 1)[-1].strip())


# -- 1. the no-op plan -----------------------------------------------------------------------


def bench_plan(server: Server, root: Path, bindings: int, numbers: int) -> None:
    started = time.perf_counter()
    repo = load_repository(root)
    load_seconds = time.perf_counter() - started
    options = runner.RunOptions(env=env())
    cpu, server_cpu = time.process_time(), server.cpu()
    started = time.perf_counter()
    plan = asyncio.run(runner.plan(repo, options))
    seconds = time.perf_counter() - started
    cpu, server_cpu = time.process_time() - cpu, server.cpu() - server_cpu
    rate = repo.config.apps["orders"].rate_limit
    changes = "no changes" if not plan.has_changes else f"CHANGES: {plan.counts()}"
    verdict = "met" if seconds <= 15 else "MISSED"
    print(f"no-op plan of {bindings:,} AXB bindings on {numbers:,} numbers ({changes})")
    print(f"  loading the YAML:       {load_seconds:6.2f} s (not in the plan's time)")
    print(
        f"  plan (read + diff):     {seconds:6.2f} s wall (target 15 s: {verdict}); "
        f"qps {rate.qps:g}, concurrency {rate.concurrency}"
    )
    total = load_seconds + seconds
    print(
        f"  load + plan:            {total:6.2f} s wall (what `privcall plan` takes; "
        f"target 15 s: {'met' if total <= 15 else 'MISSED'})"
    )
    print(
        f"  CPU per binding:        {cpu / bindings * 1e6:6.1f} µs privcall (plan only), "
        f"{server_cpu / bindings * 1e6:.1f} µs emulator"
    )
    print(
        f"  (reading takes at least {numbers:,} requests; at the default qps of 20 that "
        f"alone is {numbers / 20:.0f} s)"
    )
    if plan.has_changes:
        raise SystemExit("the no-op plan has changes: the benchmark's setup is wrong")


# -- 2. the apply ----------------------------------------------------------------------------


@dataclass
class ApplyRun:
    concurrency: int
    binds: int
    wall: float
    executor: float
    done: int

    @property
    def rate(self) -> float:
        return self.binds / self.executor


def run_apply(root: Path) -> ApplyRun:
    repo = load_repository(root)
    marks: dict[str, float] = {}

    def confirm(plan: Any) -> bool:
        marks["start"] = time.perf_counter()
        return True

    def on_outcome(outcome: Outcome) -> None:
        marks["end"] = time.perf_counter()

    started = time.perf_counter()
    _, result = asyncio.run(
        runner.apply(
            repo,
            runner.RunOptions(env=env()),
            runner.ApplyRequest(),
            confirm=confirm,
            on_outcome=on_outcome,
        )
    )
    wall = time.perf_counter() - started
    assert result is not None
    rate = repo.config.apps["bulk"].rate_limit
    return ApplyRun(
        rate.concurrency,
        len(result.outcomes),
        wall,
        marks["end"] - marks["start"],
        result.count(Status.done),
    )


def bench_apply(server: Server, root: Path, binds: int, sequential: bool) -> None:
    latency, qps = 0.020, 100.0
    numbers = [x_number("52", i) for i in range(BULK_NUMBERS)]
    runs: list[ApplyRun] = []
    for concurrency in (16, 1) if sequential else (16,):
        server.admin("POST", "reset")
        write_repo(
            root, "bulk", server.url, numbers, binds, {"qps": qps, "concurrency": concurrency}
        )
        server.admin("PUT", "faults", {"latency": latency})
        runs.append(run_apply(root))
        server.admin("PUT", "faults", {})
    print(f"apply of {binds:,} AXB binds, {latency * 1000:.0f} ms injected latency, qps {qps:g}")
    for run in runs:
        share = run.rate / qps
        verdict = (
            "" if run.concurrency == 1 else f" (target 90%: {'met' if share >= 0.9 else 'MISSED'})"
        )
        print(
            f"  concurrency {run.concurrency:>2}: {run.done:,}/{run.binds:,} done, "
            f"{run.rate:6.1f} binds/s = {share:4.0%} of qps{verdict}; "
            f"binding {run.executor:5.1f} s, whole apply {run.wall:5.1f} s"
        )
    if len(runs) == 2:
        print(f"  parallel / one at a time: {runs[0].rate / runs[1].rate:.1f}x faster")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bindings", type=int, default=100_000, help="bindings in the plan")
    parser.add_argument("--numbers", type=int, default=1_000, help="virtual numbers they use")
    parser.add_argument("--binds", type=int, default=2_000, help="binds in the apply")
    parser.add_argument("--plan-qps", type=float, default=1000, help="rate limit of the plan")
    parser.add_argument("--plan-concurrency", type=int, default=8)
    parser.add_argument(
        "--skip-sequential", action="store_true", help="no concurrency-1 apply (saves ~1 min)"
    )
    args = parser.parse_args()
    per_number = -(-args.bindings // args.numbers)
    if per_number > 5000:
        raise SystemExit("an AXB number holds at most 5000 pairs: use more --numbers")
    config = emulator_config(args.numbers)
    numbers = [x_number("51", i) for i in range(args.numbers)]
    plan_rate = {"qps": args.plan_qps, "concurrency": args.plan_concurrency}
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs (others may share them)")
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        state = directory / "emulator.db"
        started = time.perf_counter()
        write_repo(
            directory / "plan", "orders", "http://127.0.0.1:1", numbers, args.bindings, plan_rate
        )
        populate(state, config, load_repository(directory / "plan"), per_number)
        print(f"setup: {args.bindings:,} bindings written in {time.perf_counter() - started:.1f} s")
        server = serve(config, directory, state)
        try:
            write_repo(directory / "plan", "orders", server.url, numbers, args.bindings, plan_rate)
            bench_plan(server, directory / "plan", args.bindings, args.numbers)
            bench_apply(server, directory / "apply", args.binds, not args.skip_sequential)
        finally:
            server.process.terminate()
            server.process.wait(10)


if __name__ == "__main__":
    main()
