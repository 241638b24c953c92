"""Benchmark: read every binding of 1,000 AXB virtual numbers (100 each) from the emulator
over loopback with 20 ms injected latency, at the default concurrency (8) and one at a
time, and compare with the limit ``requests x latency / concurrency``.

    .venv/bin/python bench/bench_client.py [--numbers 1000] [--per-number 100]

The emulator's state is written straight into its SQLite file (100,000 bindings in one
transaction: binding them through the API would take minutes), then the emulator is served
by ``privcall emulator serve`` in a subprocess, so that the server's work runs beside the
client's instead of sharing its interpreter.
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
from datetime import UTC, datetime
from pathlib import Path

from reconciler.config import RateLimit
from reconciler.emulator import AppSpec, Emulator, EmulatorConfig, NumberSpec
from reconciler.emulator.store import Binding
from reconciler.platform import AppClient

APP_KEY = "bench-axb"
SECRET = "bench-secret"
LATENCY = float(os.environ.get("BENCH_LATENCY", "0.020"))


def x_number(i: int) -> str:
    return f"+86755300{i:05d}"


def populate(directory: Path, numbers: int, per_number: int) -> tuple[Path, Path]:
    spec = AppSpec(
        app_key=APP_KEY,
        app_secret=SECRET,
        mode="AXB",
        numbers=[NumberSpec(number=x_number(i), area_code="0755") for i in range(numbers)],
    )
    config_path = directory / "apps.yaml"
    config_path.write_text(json.dumps(EmulatorConfig(apps=[spec]).model_dump()), "utf-8")
    state = directory / "state.db"
    now = datetime.now(UTC).timestamp()
    with Emulator(EmulatorConfig(apps=[spec]), state=state) as emu, emu.store.transaction() as tx:
        for i in range(numbers):
            for j in range(per_number):
                tx.insert(
                    Binding(
                        sub_id=f"sub-{i}-{j}",
                        app_key=APP_KEY,
                        mode="AXB",
                        x=x_number(i),
                        a=f"+86138{j:08d}",
                        b=f"+86139{j:08d}",
                        created=now,
                        changed=now,
                        attrs={"callDirection": 0, "duration": 0, "userData": f"pc1:{j}"},
                    )
                )
    return config_path, state


def serve(config_path: Path, state: Path) -> tuple[subprocess.Popen[str], str]:
    command = [
        sys.executable,
        "-c",
        "from reconciler.cli import main; main()",
        "emulator",
        "serve",
        "--config",
        str(config_path),
        "--state",
        str(state),
        "--port",
        "0",
        "--latency",
        str(LATENCY),
    ]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    line = process.stdout.readline()
    if "listening on" not in line:
        process.kill()
        raise SystemExit(f"the emulator did not start: {line!r}")
    return process, line.rsplit(" ", 1)[-1].strip()


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of process ``pid`` (Linux /proc; 0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def read_all(
    url: str, numbers: list[str], concurrency: int, server: int
) -> tuple[float, int, int, float, float]:
    async with AppClient("AXB", url, APP_KEY, SECRET, qps=100_000, concurrency=concurrency) as c:
        server_cpu, client_cpu = cpu_seconds(server), time.process_time()
        started = time.perf_counter()
        found = await c.list_many(numbers)
        elapsed = time.perf_counter() - started
        client_cpu = time.process_time() - client_cpu
        server_cpu = cpu_seconds(server) - server_cpu
        bindings = sum(len(v) for v in found.values())
        return elapsed, c.requests_sent, bindings, client_cpu, server_cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--numbers", type=int, default=1000)
    parser.add_argument("--per-number", type=int, default=100)
    args = parser.parse_args()
    concurrency = RateLimit().concurrency
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        config_path, state = populate(Path(tmp), args.numbers, args.per_number)
        seconds = time.perf_counter() - started
        print(f"populated {args.numbers * args.per_number:,} bindings in {seconds:.1f} s")
        process, url = serve(config_path, state)
        try:
            numbers = [x_number(i) for i in range(args.numbers)]
            runs = {}
            for label, width in (("parallel", concurrency), ("one at a time", 1)):
                runs[label] = (*asyncio.run(read_all(url, numbers, width, process.pid)), width)
        finally:
            process.terminate()
            process.wait(10)
    for label, (elapsed, requests, bindings, client_cpu, server_cpu, width) in runs.items():
        limit = requests * LATENCY / width
        ratio = f"{elapsed / limit:.2f}x" if limit else "-"
        print(
            f"{label:>14} (concurrency {width}): {bindings:,} bindings, {requests:,} requests "
            f"in {elapsed:.2f} s; limit {limit:.2f} s; ratio {ratio}; per request "
            f"{elapsed / requests * 1000:.2f} ms wall, CPU {client_cpu / requests * 1000:.2f} ms "
            f"client + {server_cpu / requests * 1000:.2f} ms emulator"
        )
    parallel, sequential = runs["parallel"][0], runs["one at a time"][0]
    print(f"speed-up {sequential / parallel:.1f}x (at most {concurrency}x)")


if __name__ == "__main__":
    main()
