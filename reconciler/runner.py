"""What `privcall plan` and `privcall apply` do, as library calls the CLI makes.

``apply`` re-reads and re-plans, then refuses (:class:`Refused`, exit 3) before any call
when the reviewed checksum no longer matches, when the plan would remove a protected
binding or cannot bind one as declared, or when a safety gate is breached; then asks
``confirm`` and runs the plan.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from reconciler import gates
from reconciler.apply import ApplyResult, Outcome, apply_plan
from reconciler.emulator import Emulator
from reconciler.engine import read_and_plan
from reconciler.errors import ConfigError, RefusedError
from reconciler.journal import Journal
from reconciler.loader import Repository
from reconciler.masking import Masker
from reconciler.model import Mode
from reconciler.plan import Plan, canonical_plan
from reconciler.session import Session, select_apps


class Refused(RefusedError):
    """The apply was refused before any call; ``reasons`` says why, one line each."""

    def __init__(self, headline: str, reasons: list[str]) -> None:
        self.headline = headline
        self.reasons = reasons
        super().__init__(headline + "".join(f"\n  - {r}" for r in reasons))


def binding_apps(repo: Repository, names: tuple[str, ...] | list[str]) -> list[str]:
    """The selected apps that have bindings: X apps are served by reconciler.xmode."""
    return [n for n in select_apps(repo, names) if repo.config.apps[n].mode is not Mode.X]


@dataclass
class RunOptions:
    """What every command shares: the apps, the environment, the clock."""

    apps: tuple[str, ...] = ()
    adopt: bool = False
    env: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    now: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    sandbox_state: Path | None = None
    sandbox: Emulator | None = None
    """An emulator to serve the sandbox apps (tests); by default one on ``sandbox_state``."""
    client_options: dict[str, Any] = field(default_factory=dict)

    def session(self, repo: Repository) -> Session:
        return Session(
            repo,
            binding_apps(repo, self.apps),
            env=self.env,
            sandbox_state=self.sandbox_state,
            client_options=dict(self.client_options),
            emulator=self.sandbox,
        )


async def plan(repo: Repository, options: RunOptions) -> Plan:
    """Read the platform and plan (no change is made)."""
    async with options.session(repo) as session:
        return await read_and_plan(session, options.now(), adopt=options.adopt)


def _masked_items(plan: Plan, masker: Masker) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = json.loads(masker.text(json.dumps(canonical_plan(plan))))
    return items


def save_reviewed(plan: Plan, path: Path, masker: Masker) -> None:
    """Write the plan's checksum and its operations (masked), so that a later
    ``apply --checksum ... --reviewed FILE`` can say which operations differ."""
    path.write_text(
        json.dumps({"checksum": plan.checksum, "plan": _masked_items(plan, masker)}, indent=1),
        encoding="utf-8",
    )


def _differences(plan: Plan, reviewed: Path | None, masker: Masker) -> list[str]:
    current = {json.dumps(item, sort_keys=True): item for item in _masked_items(plan, masker)}
    if reviewed is None:
        return [f"now planned: {_describe(item, masker)}" for item in current.values()] or [
            "now planned: nothing"
        ]
    try:
        before_items = json.loads(reviewed.read_text(encoding="utf-8"))["plan"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ConfigError(f"cannot read the reviewed plan {reviewed}: {exc}") from exc
    before = {json.dumps(item, sort_keys=True): item for item in before_items}
    lines = [
        f"no longer planned: {_describe(before[k], masker)}" for k in before if k not in current
    ]
    lines += [f"newly planned: {_describe(current[k], masker)}" for k in current if k not in before]
    return lines


def _describe(item: Mapping[str, Any], masker: Masker) -> str:
    if "refusal" in item:
        return masker.text(f"refusal ({item['refusal']}) {item['app']}/{item['key']}")
    fields = ", ".join(change[0] for change in item.get("changes", []))
    sub = f" [{item['subscription_id']}]" if item.get("subscription_id") else ""
    detail = f" ({fields})" if fields else ""
    return masker.text(f"{item['kind']} {item['app']}/{item['key']}{sub}{detail}")


@dataclass
class ApplyRequest:
    checksum: str | None = None
    reviewed: Path | None = None
    allow_unbinds: int | None = None
    allow_modifies: int | None = None


async def apply(
    repo: Repository,
    options: RunOptions,
    request: ApplyRequest,
    *,
    confirm: Callable[[Plan], bool],
    on_outcome: Callable[[Outcome], None] | None = None,
    masker: Masker | None = None,
) -> tuple[Plan, ApplyResult | None]:
    """Re-read, re-plan, check, confirm, run. ``None`` as result: nothing was run (no
    changes, or not confirmed)."""
    async with options.session(repo) as session:
        masker = masker or session.masker
        current = await read_and_plan(session, options.now(), adopt=options.adopt)
        if request.checksum is not None and current.checksum != request.checksum:
            raise Refused(
                "the plan changed since it was reviewed; nothing was applied.\n"
                f"  reviewed checksum: {request.checksum}\n"
                f"  current checksum:  {current.checksum}\n"
                "After a partial apply the rest of the reviewed plan has a new checksum: check "
                "that the differences below are what is left to do, then apply with "
                "--checksum set to the current one. Differences:",
                _differences(current, request.reviewed, masker),
            )
        if current.refusals:
            raise Refused(
                "refused before any call:",
                [masker.text(f"{n.app}/{n.key}: {n.message}") for n in current.refusals],
            )
        breaches = gates.check(
            current,
            repo.config,
            allow_unbinds=request.allow_unbinds,
            allow_modifies=request.allow_modifies,
        )
        if breaches:
            raise Refused("a safety gate stops this apply before any call:", breaches)
        if not current.has_changes or not confirm(current):
            return current, None
        journal = Journal(repo.root, masker, clock=options.now, codec=session.codec)
        result = await apply_plan(session, current, journal, options.now, on_outcome)
        return current, result
