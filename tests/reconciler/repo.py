"""Build bindings repositories for reconciler tests and run the privcall CLI on them."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

from reconciler.cli import main
from reconciler.emulator import Emulator
from reconciler.loader import load_repository
from reconciler.platform import AppClient
from reconciler.session import (
    SANDBOX_DB,
    SANDBOX_ENDPOINT,
    SANDBOX_SECRET,
    STATE_DIR,
    sandbox_config,
    sandbox_key,
)

APPS = {
    "couriers": {
        "mode": "AX",
        "numbers": [
            *({"number": f"+86755000100{i:02d}", "area_code": "0755"} for i in range(1, 6)),
            *({"number": f"+86200001000{i}", "area_code": "020"} for i in range(1, 6)),
        ],
        "safety": {"min_existing": 1000},
    },
    "orders": {
        "mode": "AXB",
        "numbers": [
            {"number": "+8675500020001", "area_code": "0755"},
            {"number": "+8675500020002", "area_code": "0755"},
            {"number": "+861000020001", "area_code": "010"},
        ],
        "safety": {"min_existing": 1000},
    },
    "stores": {
        "mode": "AXE",
        "extension_digits": 3,
        "numbers": [
            {"number": "+862160030001", "area_code": "021"},
            {"number": "+862160030002", "area_code": "021"},
        ],
        "safety": {"min_existing": 1000},
    },
    "rides": {
        "mode": "AXYB",
        "numbers": [{"number": f"+86755000400{i:02d}", "area_code": "0755"} for i in range(1, 9)],
        "y_numbers": [{"number": "+8675500049001", "area_code": "0755"}],
        "safety": {"min_existing": 1000},
    },
}


def write_repo(
    root: Path, bindings: dict[str, list[dict[str, Any]]], apps: dict[str, Any] | None = None
) -> Path:
    """privcall.yaml with ``apps`` (default: one app per mode) and one file per app.

    YAML is a superset of JSON, so the files are written as JSON: exact and quoted.
    """
    root.mkdir(parents=True, exist_ok=True)
    (root / "privcall.yaml").write_text(json.dumps({"apps": apps or APPS}, indent=1))
    folder = root / "bindings"
    folder.mkdir(exist_ok=True)
    for old in folder.glob("*.yaml"):
        old.unlink()
    for app, items in bindings.items():
        (folder / f"{app}.yaml").write_text(json.dumps({"app": app, "bindings": items}, indent=1))
    return root


def run(*args: str) -> Result:
    """The privcall CLI, in-process, with stdout and stderr apart."""
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def plan_json(root: Path, *extra: str) -> dict[str, Any]:
    result = run("plan", "-C", str(root), "--format", "json", *extra)
    assert result.exit_code == 0, result.output
    document: dict[str, Any] = json.loads(result.stdout)
    return document


def operations(document: dict[str, Any]) -> list[dict[str, Any]]:
    return [op for app in document["apps"] for op in app["operations"]]


@contextmanager
def sandbox(root: Path) -> Iterator[Emulator]:
    """The repository's sandbox emulator, opened on its state file (between CLI runs)."""
    repo = load_repository(root)
    (root / STATE_DIR).mkdir(exist_ok=True)
    emu = Emulator(
        sandbox_config(repo, list(repo.config.apps)), state=root / STATE_DIR / SANDBOX_DB
    )
    try:
        yield emu
    finally:
        emu.close()


def sandbox_client(root: Path, emu: Emulator, app: str) -> AppClient:
    """A platform client on the sandbox app ``app``, as another system would use it."""
    mode = load_repository(root).config.apps[app].mode
    return AppClient(
        mode,
        SANDBOX_ENDPOINT,
        sandbox_key(app),
        SANDBOX_SECRET,
        app=app,
        transport=emu.async_transport(),
    )


def on_platform(root: Path, app: str, coro_factory: Any) -> Any:
    """Run ``coro_factory(client)`` against the sandbox app, outside privcall's reconciler."""

    async def go() -> Any:
        with sandbox(root) as emu:
            async with sandbox_client(root, emu, app) as client:
                return await coro_factory(client)

    return asyncio.run(go())
