"""Shared helpers for the reconciler's scenario tests: a bindings repository written to
disk with one app per mode, the matching emulator (sandbox or over a socket), foreign
bindings made behind privcall's back, and the checks every scenario ends with.

The repository has four apps, one per mode, all ``ownership: marked``:

========  ====  ==========================================================
couriers  AX    one X per binding, so the pool is sized from the bindings
orders    AXB   two X numbers shared by every pair
stores    AXE   two X numbers, three-digit extensions
rides     AXYB  one X per binding (twice as many, for bind-first replaces),
                two Y numbers
========  ====  ==========================================================

Every number is fictional. Binding ``i`` of an app has its own real numbers, so no two
bindings ever compete for a slot.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from reconciler import marker as mk
from reconciler import runner
from reconciler.apply import ApplyResult
from reconciler.emulator import AppSpec, Emulator, EmulatorConfig, NumberSpec
from reconciler.loader import Repository, load_repository
from reconciler.model import Mode
from reconciler.modes import AXBBinding, AXBinding, AXEBinding, AXYBBinding, Binding
from reconciler.plan import Plan
from reconciler.platform import AppClient, RetryPolicy
from reconciler.session import sandbox_config

APPS: dict[str, Mode] = {
    "couriers": Mode.AX,
    "orders": Mode.AXB,
    "stores": Mode.AXE,
    "rides": Mode.AXYB,
}

FAST_RETRY = RetryPolicy(
    attempts=5, base=0.005, cap=0.05, flow_control_attempts=6, flow_control_base=0.01
)
"""Retries as the client makes them, with delays small enough for tests."""

AREA = "0755"
TONE = "rec-notice.wav"


def _pool(prefix: str, amount: int) -> list[dict[str, str]]:
    return [{"number": f"{prefix}{i:06d}", "area_code": AREA} for i in range(amount)]


@dataclass
class Fleet:
    """The repository's shape: bindings per app, foreign bindings per app, and whether
    the apps talk to an endpoint (with credentials from the environment) or the sandbox."""

    root: Path
    counts: Mapping[str, int]
    foreign: Mapping[str, int] = field(default_factory=dict)
    endpoint: str | None = None
    qps: float = 200
    concurrency: int = 8
    expires_at: datetime = field(
        default_factory=lambda: (datetime.now(UTC) + timedelta(days=20)).replace(
            second=0, microsecond=0
        )
    )

    # -- numbers ---------------------------------------------------------------------------

    def numbers(self, app: str) -> list[dict[str, str]]:
        own, foreign = self.counts.get(app, 0), self.foreign.get(app, 0)
        if app == "couriers":
            return _pool("+8675521", own + foreign + 2)
        if app == "orders":
            return _pool("+8675522", 2)
        if app == "stores":
            return _pool("+8675523", 2)
        return _pool("+8675524", 2 * own + foreign + 2)

    def y_numbers(self, app: str) -> list[dict[str, str]]:
        return _pool("+8675525", 2) if app == "rides" else []

    # -- privcall.yaml ---------------------------------------------------------------------

    def credentials(self, app: str) -> tuple[str, str]:
        """The app key and secret (for an endpoint)."""
        return f"key-{app}", f"secret-{app}-not-real"

    def env(self) -> dict[str, str]:
        """The environment variables privcall reads the credentials from."""
        out: dict[str, str] = {}
        for app in APPS:
            key, secret = self.credentials(app)
            out[f"PC_{app.upper()}_KEY"] = key
            out[f"PC_{app.upper()}_SECRET"] = secret
        return out

    def config(self) -> dict[str, Any]:
        apps: dict[str, Any] = {}
        for app, mode in APPS.items():
            entry: dict[str, Any] = {"mode": mode.value, "numbers": self.numbers(app)}
            if self.y_numbers(app):
                entry["y_numbers"] = self.y_numbers(app)
            if app == "stores":
                entry["extension_digits"] = 3
            if self.endpoint is not None:
                entry["endpoint"] = self.endpoint
                entry["credentials"] = {
                    "key_env": f"PC_{app.upper()}_KEY",
                    "secret_env": f"PC_{app.upper()}_SECRET",
                }
            entry["ownership"] = "marked"
            entry["safety"] = {"max_unbind_percent": 100, "max_modify_percent": 100}
            entry["rate_limit"] = {"qps": self.qps, "concurrency": self.concurrency}
            apps[app] = entry
        return {"apps": apps}

    # -- the bindings ----------------------------------------------------------------------

    def binding(self, app: str, i: int, variant: int = 0) -> dict[str, Any]:
        """Binding ``i`` of ``app`` as YAML; ``variant`` 1 changes fields the mode can
        modify (AXYB: a change that is a replace)."""
        changed = variant % 2 == 1
        if app == "couriers":
            out: dict[str, Any] = {"key": f"courier-{i}", "a": f"+86138{i:08d}", "area_code": AREA}
            if i % 3 == 0:
                out.update(max_duration_minutes=30)
            if changed:
                out.update(record=True, record_hint_tone=TONE, sms=False)
            return out
        if app == "orders":
            out = {
                "key": f"order-{i}",
                "a": f"+86139{i:08d}",
                "b": f"+86137{i:08d}",
                "area_code": AREA,
            }
            if i % 2 == 0:
                out["expires"] = self.expires_at.isoformat()
            if changed:
                out.update(call_direction="a_only", record=True, record_hint_tone=TONE)
            return out
        if app == "stores":
            out = {"key": f"store-{i}", "a": f"+86136{i:08d}", "area_code": AREA}
            if changed:
                out.update(record=True, record_hint_tone=TONE)
            return out
        out = {"key": f"ride-{i}", "a": f"+86135{i:08d}", "b": f"+86134{i:08d}", "area_code": AREA}
        if changed:
            out["call_direction"] = "b_only"
        return out

    def write(self, desired: Mapping[str, Iterable[dict[str, Any]]] | None = None) -> Repository:
        """Write privcall.yaml and the binding files (JSON, which is YAML) and load them.

        ``desired``: per app, the bindings as YAML; default: every binding of
        :attr:`counts`, variant 0."""
        if desired is None:
            desired = {
                app: [self.binding(app, i) for i in range(count)]
                for app, count in self.counts.items()
            }
        self.root.mkdir(parents=True, exist_ok=True)
        (self.root / "privcall.yaml").write_text(json.dumps(self.config(), indent=1), "utf-8")
        folder = self.root / "bindings"
        folder.mkdir(exist_ok=True)
        for app in APPS:
            document = {"app": app, "bindings": list(desired.get(app, []))}
            (folder / f"{app}.yaml").write_text(json.dumps(document, indent=1), "utf-8")
        return load_repository(self.root)

    # -- the emulator ----------------------------------------------------------------------

    def emulator_config(self) -> EmulatorConfig:
        """The emulator's apps for the endpoint variant (for the sandbox, see
        :func:`sandbox_emulator`)."""
        specs = []
        for app, mode in APPS.items():
            key, secret = self.credentials(app)
            specs.append(
                AppSpec(
                    app_key=key,
                    app_secret=secret,
                    mode=mode.value,
                    numbers=[NumberSpec(**n) for n in self.numbers(app)],
                    y_numbers=[NumberSpec(**n) for n in self.y_numbers(app)],
                    recording=True,
                    extension_digits=3 if app == "stores" else 4,
                )
            )
        return EmulatorConfig(apps=specs)

    def app_key(self, app: str) -> str:
        return self.credentials(app)[0] if self.endpoint else f"sandbox-{app}"

    def options(self, emulator: Emulator | None = None) -> runner.RunOptions:
        return runner.RunOptions(
            env=self.env(), sandbox=emulator, client_options={"retry": FAST_RETRY}
        )


def sandbox_emulator(repo: Repository) -> Emulator:
    """An in-memory emulator serving the repository's sandbox apps."""
    return Emulator(sandbox_config(repo, list(repo.config.apps)), state=None)


# -- foreign bindings ----------------------------------------------------------------------


def foreign_binding(app: str, i: int) -> Binding:
    """A binding the business system made, on numbers no desired binding uses."""
    if app == "couriers":
        return AXBinding(a=f"+86133{i:08d}", area_code=AREA)
    if app == "orders":
        return AXBBinding(a=f"+86133{i:08d}", b=f"+86132{i:08d}", area_code=AREA)
    if app == "stores":
        return AXEBinding(a=f"+86133{i:08d}", area_code=AREA)
    return AXYBBinding(a=f"+86133{i:08d}", b=f"+86132{i:08d}", area_code=AREA)


async def bind_foreign(fleet: Fleet, url: str) -> list[str]:
    """Bind :attr:`Fleet.foreign` bindings per app directly (plain ``user_data``, no
    marker); return their subscription ids."""
    ids: list[str] = []
    for app, amount in fleet.foreign.items():
        key, secret = fleet.credentials(app)
        async with AppClient(APPS[app], url, key, secret, retry=RetryPolicy(attempts=1)) as c:
            for i in range(amount):
                result = await c.bind(
                    foreign_binding(app, i), now=datetime.now(UTC), user_data=f"biz-{app}-{i}"
                )
                ids.append(result.subscription_id)
    return ids


# -- running privcall and checking the outcome ---------------------------------------------


def run_plan(repo: Repository, options: runner.RunOptions) -> Plan:
    return asyncio.run(runner.plan(repo, options))


def run_apply(repo: Repository, options: runner.RunOptions) -> tuple[int, ApplyResult | None]:
    """``privcall apply --auto-approve`` as a library call: (exit code, result)."""
    _, result = asyncio.run(
        runner.apply(repo, options, runner.ApplyRequest(), confirm=lambda plan: True)
    )
    return (0 if result is None else result.exit_code), result


def marker_counts(bindings: Iterable[Mapping[str, Any]]) -> Counter[tuple[str, str]]:
    """How many live bindings carry each (app key, marker key hash)."""
    counts: Counter[tuple[str, str]] = Counter()
    for binding in bindings:
        _, found = mk.split(binding.get("userData"))
        if found is not None:
            counts[(binding["app_key"], found.key_hash)] += 1
    return counts


def duplicates(bindings: Iterable[Mapping[str, Any]]) -> dict[tuple[str, str], int]:
    """(app key, key hash) -> count, for every key privcall's marker is on more than once."""
    return {key: n for key, n in marker_counts(bindings).items() if n > 1}


def describe(plan: Plan) -> list[str]:
    """The plan's operations in one line each (for assertion messages)."""
    return [f"{op.kind.value} {op.app}/{op.key}: {op.reason}" for op in plan.operations]
